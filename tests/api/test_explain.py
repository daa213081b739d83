"""``bertstory.explain``: the CLI's maps from an in-memory model, in one call, and the caller's
model given back exactly as it was."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from transformers import AutoModelForSequenceClassification

import bertstory
from bertstory.cli import cli
from bertstory.errors import BertstoryError
from bertstory.models import has_pair_template

from tiny_models import FAMILIES

PAIR = ("Where is the station?", "Turn left at the bridge.")


def cli_maps(model_dir, tmp_path, *options):
    """The maps ``bertstory analyze`` writes for a corpus of the one input ``PAIR``."""
    corpus = tmp_path / "one.txt"
    corpus.write_text("\t".join(PAIR) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(model_dir), "--corpus", str(corpus),
                                      "--out", str(tmp_path / "r"), "--check-budget", "0", *options])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "r").iterdir()
    with np.load(run_dir / "maps" / "00000.npz") as archive:
        return {name: archive[name] for name in archive.files}


@pytest.mark.parametrize("estimator, options, keywords", [
    ("probes", ["--probes", "4", "--seed", "3"], {"probes": 4, "seed": 3}),
    ("exact", [], {}),
])
def test_in_memory_model_gives_the_maps_of_the_cli(tiny_bert_dir, in_memory, tmp_path, estimator, options, keywords):
    expected = cli_maps(tiny_bert_dir, tmp_path, "--estimator", estimator, *options)
    model, tokenizer = in_memory("bert")
    model.train()  # dropout on: the maps match only if explain computes in eval mode
    explanation = bertstory.explain(model, *PAIR, tokenizer=tokenizer, estimator=estimator, **keywords)
    assert explanation.tokens == list(expected["tokens"])
    for name in ("attention", "local", "global", "contribution"):
        np.testing.assert_array_equal(explanation[name], expected[name], err_msg=name)
    assert explanation.settings.estimator == estimator
    assert explanation.settings.probes == (4 if estimator == "probes" else None)
    assert explanation.settings.seed == keywords.get("seed", 0)


@pytest.mark.parametrize("family", FAMILIES)
def test_in_memory_model_and_its_folder_give_the_same_maps(tiny_model_dirs, in_memory, family):
    model, tokenizer = in_memory(family)
    text = PAIR if has_pair_template(tokenizer) else (" ".join(PAIR),)  # GPT-2-like tokenizers take no pairs
    by_folder = bertstory.explain(tiny_model_dirs[family], *text, probes=3)
    in_memory_maps = bertstory.explain(model, *text, tokenizer=tokenizer, probes=3)
    assert in_memory_maps.tokens == by_folder.tokens
    assert in_memory_maps.model.model_type == by_folder.model.model_type == family
    for name in ("attention", "local", "global", "contribution"):
        np.testing.assert_array_equal(in_memory_maps[name], by_folder[name], err_msg=name)


def test_model_with_a_task_head_is_analysed_through_its_encoder(tiny_bert_dir, in_memory):
    encoder, tokenizer = in_memory("bert")
    classifier = AutoModelForSequenceClassification.from_pretrained(tiny_bert_dir, num_labels=3)
    with_head = bertstory.explain(classifier, *PAIR, tokenizer=tokenizer)
    plain = bertstory.explain(encoder, *PAIR, tokenizer=tokenizer)
    for name in ("attention", "local", "global", "contribution"):
        np.testing.assert_array_equal(with_head[name], plain[name], err_msg=name)


def model_state(model):
    """Everything of the model that ``explain`` may touch, in comparable form."""
    return {
        "training": {name: module.training for name, module in model.named_modules()},
        "requires_grad": {name: p.requires_grad for name, p in model.named_parameters()},
        "attention": model.config._attn_implementation,
        "devices": {str(t.device) for t in (*model.parameters(), *model.buffers())},
        "dtypes": {t.dtype for t in model.parameters()},
    }


def test_caller_model_is_given_back_as_it_was(in_memory):
    model, tokenizer = in_memory("bert")
    model.train()
    model.encoder.layer[1].eval()
    model.pooler.requires_grad_(False)
    weights = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    before = model_state(model)
    assert before["attention"] == "sdpa" and before["training"]["encoder.layer.0"] is True

    bertstory.explain(model, *PAIR, tokenizer=tokenizer)
    assert model_state(model) == before
    with pytest.raises(BertstoryError, match="more than the 64"):  # fails while the model is borrowed
        bertstory.explain(model, "word " * 80, tokenizer=tokenizer)
    assert model_state(model) == before
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, weights[name]), name


def test_settings_and_shapes_describe_the_computation(tiny_bert_dir, in_memory):
    model, tokenizer = in_memory("bert")
    explanation = bertstory.explain(model, "The cat sat.", tokenizer=tokenizer, probes=2, seed=5)
    n = len(explanation.tokens)
    assert explanation.tokens == tokenizer.convert_ids_to_tokens(tokenizer("The cat sat.")["input_ids"])
    assert explanation.attention.shape == explanation.local.shape == explanation.global_.shape == (2, 4, n, n)
    assert explanation.contribution.shape == (2, n, n)
    settings = explanation.settings
    assert (settings.estimator, settings.probes, settings.seed, settings.device, settings.dtype) == \
        ("probes", 2, 5, "cpu", "float32")
    assert settings.model == str(tiny_bert_dir)  # an in-memory model is named by its name_or_path
    other_weights, _ = in_memory("bert")
    with torch.no_grad():
        other_weights.encoder.layer[0].attention.self.query.weight.add_(1.0)
    changed = bertstory.explain(other_weights, "The cat sat.", tokenizer=tokenizer)
    assert changed.settings.revision != settings.revision and len(settings.revision) == 16


def test_lazy_top_level_names():
    from bertstory import api

    assert bertstory.explain is api.explain and bertstory.load_run is api.load_run
    assert {"explain", "load_run", "Explanation", "Run", "BertstoryError"} <= set(dir(bertstory))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_device_moves_the_model_there_and_back(in_memory):
    model, tokenizer = in_memory("bert")
    on_cpu = bertstory.explain(model, *PAIR, tokenizer=tokenizer)
    on_gpu = bertstory.explain(model, *PAIR, tokenizer=tokenizer, device="cuda")
    assert on_gpu.settings.device.startswith("cuda") and on_cpu.settings.device == "cpu"
    assert {p.device.type for p in model.parameters()} == {"cpu"}
    for name in ("attention", "local", "global", "contribution"):
        np.testing.assert_allclose(on_gpu[name], on_cpu[name], rtol=0, atol=1e-5, err_msg=name)
    model.to("cuda")
    assert bertstory.explain(model, *PAIR, tokenizer=tokenizer).settings.device.startswith("cuda")  # auto: where it is


def test_import_bertstory_does_not_import_torch():
    code = "import sys, bertstory; assert bertstory.__version__; print('torch' in sys.modules, 'matplotlib' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert shown.stdout.split() == ["False", "False"]
