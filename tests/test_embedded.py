"""The default path: the embedded MiniLM model, offline."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from bertstory.cli import cli

pytestmark = pytest.mark.embedded


def test_embedded_model_analyses_offline(tmp_path):
    corpus = tmp_path / "two.txt"
    corpus.write_text("Hello, world.\nIt rained.\tWe stayed in.\n")
    result = CliRunner().invoke(
        cli, ["analyze", "--quiet", "--corpus", str(corpus), "--out", str(tmp_path / "r"), "--check-budget", "0"],
        env={"HF_HUB_OFFLINE": "1"},
    )
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "r").iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["model"] | {"revision": None} == {
        "name_or_path": "embedded", "revision": None, "model_type": "bert",
        "num_layers": 6, "num_heads": 12, "hidden_size": 384, "max_positions": 512, "causal": False,
    }
    assert run["special_tokens"] == {"cls": "[CLS]", "sep": "[SEP]"}
    with np.load(run_dir / "maps" / "00000.npz") as maps:
        assert list(maps["tokens"]) == ["[CLS]", "hello", ",", "world", ".", "[SEP]"]
        assert maps["global"].shape == (6, 12, 6, 6)
        np.testing.assert_allclose(maps["local"][0], maps["global"][0], atol=1e-6)
