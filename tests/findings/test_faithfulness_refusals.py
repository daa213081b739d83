"""Bad input for the ablation maps: ``--ablation-baseline mask`` on a model whose tokenizer has no
mask token is refused in one line, before any map is computed and before a run folder exists."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import bertstory.pipeline.analyze as analyze_module
from bertstory.cli import cli


@pytest.mark.parametrize("family", ["gpt2", "qwen2"])
def test_mask_baseline_without_a_mask_token_is_refused_before_computing(family, tiny_model_dirs,
                                                                          single_sentence_corpus, tmp_path,
                                                                          monkeypatch):
    def computed(*args, **kwargs):
        raise AssertionError("maps were computed before the refusal")

    monkeypatch.setattr(analyze_module, "input_maps", computed)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(tiny_model_dirs[family]),
                                      "--corpus", str(single_sentence_corpus), "--out", str(out),
                                      "--estimator", "exact", "--ablation-baseline", "mask"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "mask token" in lines[0] and "zero" in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir()), sorted(out.rglob("*"))
