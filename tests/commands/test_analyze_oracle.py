"""``bertstory analyze --model DIR --estimator exact`` on a saved tiny model of every supported
family (decoders with their own tokenizers) writes the maps of the independent float64 dense-Jacobian
oracle (tests/engine/oracle.py) run on the same folder and the same tokens."""

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from transformers import AutoModel, AutoTokenizer

from bertstory.cli import cli

from engine.oracle import oracle_maps
from tiny_models import FAMILIES, TAKES_TOKEN_TYPES

TEXT = "The cat sat on the mat, didn't it?"


@pytest.mark.parametrize("family", FAMILIES)
def test_cli_maps_equal_the_oracle_on_the_saved_model(tiny_model_dirs, tmp_path, family):
    folder = tiny_model_dirs[family]
    corpus = tmp_path / "one.txt"
    corpus.write_text(TEXT + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(folder), "--corpus", str(corpus),
                                      "--out", str(tmp_path / "r"), "--estimator", "exact", "--bootstrap-samples", "5"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "r").iterdir()
    with np.load(run_dir / "maps" / "00000.npz") as archive:
        written = {name: archive[name] for name in archive.files}

    tokenizer = AutoTokenizer.from_pretrained(folder)
    features = dict(tokenizer(TEXT, return_tensors="pt"))
    if family not in TAKES_TOKEN_TYPES:
        features.pop("token_type_ids", None)
    assert list(written["tokens"]) == tokenizer.convert_ids_to_tokens(features["input_ids"][0].tolist())
    model = AutoModel.from_pretrained(folder, attn_implementation="eager").double().eval().requires_grad_(False)
    outputs = model(**features, output_hidden_states=True, output_attentions=True, use_cache=False)
    oracle = oracle_maps(model, features, [hidden[0] for hidden in outputs.hidden_states[:-1]])
    np.testing.assert_allclose(written["attention"], torch.cat(outputs.attentions).numpy(), rtol=0, atol=2e-5)
    for view in ("global", "local", "contribution"):
        np.testing.assert_allclose(written[view], oracle[view].numpy(), rtol=0, atol=2e-4, err_msg=view)
