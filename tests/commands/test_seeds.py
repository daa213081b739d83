"""Seeds are checked where they enter, 0 ≤ seed < 2³² (NumPy takes no negative seed, scikit-learn's
``random_state`` none from 2³² on): every command's ``--seed`` states and enforces the range before
anything is computed, and the settings the library takes refuse one outside it in one line."""

import re

import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.errors import BertstoryError
from bertstory.findings import FindingsConfig
from bertstory.pipeline.settings import AnalyzeSettings
from bertstory.report.compare.settings import CompareSettings

RANGE = "0<=x<=4294967295"
OUT_OF_RANGE = (-1, 2**32)


@pytest.mark.parametrize("command", ["analyze", "build-site", "findings", "compare"])
def test_help_states_the_range(command):
    text = " ".join(CliRunner().invoke(cli, [command, "--help"]).output.split())
    assert re.search(r"--seed INTEGER RANGE .{0,120}?\[(default: 0; )?" + RANGE + r"\]", text), text


@pytest.mark.parametrize("seed", OUT_OF_RANGE)
def test_analyze_refuses_a_seed_out_of_range_before_computing(seed, tiny_bert_dir, small_corpus, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(tiny_bert_dir), "--corpus", str(small_corpus),
                                      "--out", str(out), "--check-budget", "0", "--seed", str(seed)])
    assert result.exit_code == 2, result.output
    assert f"{seed} is not in the range {RANGE}" in result.output and "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("seed", OUT_OF_RANGE)
@pytest.mark.parametrize("command", ["findings", "compare"])
def test_findings_and_compare_refuse_a_seed_out_of_range(command, seed, tmp_path):
    runs = [str(tmp_path)] if command == "findings" else [str(tmp_path), str(tmp_path)]
    result = CliRunner().invoke(cli, [command, *runs, "--seed", str(seed)])
    assert result.exit_code == 2, result.output
    assert f"{seed} is not in the range {RANGE}" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("seed", [*OUT_OF_RANGE, True, 1.5])
@pytest.mark.parametrize("settings", [AnalyzeSettings, FindingsConfig, CompareSettings])
def test_library_settings_refuse_a_seed_out_of_range(settings, seed):
    with pytest.raises(BertstoryError, match=r"seed must be an integer from 0 to 4294967295") as caught:
        settings(seed=seed)
    assert "\n" not in str(caught.value)
