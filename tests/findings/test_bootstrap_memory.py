"""The findings' bootstrap holds every resample's statistics: a count that cannot fit in the
machine's memory is refused in one line before anything is computed, and one above the documented
bound by the command line; the statistics are gathered chunk by chunk exactly as the chunks give them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from bertstory.cli import cli
from bertstory.errors import BertstoryError
from bertstory.findings import (
    FindingsConfig,
    bootstrap,
    bootstrap_memory,
    enrichment,
    write_findings,
)
from bertstory.findings.bootstrap_memory import bootstrap_bytes, resampled_values
from bertstory.findings.resampling import chunk_rows, resample_weights, resampled
from bertstory.maps import run_maps
from click.testing import CliRunner

LIMIT = 50_000_000
"""A machine of 50 MB, for the refusals."""


def test_resampled_values_count_what_the_bootstrap_holds(small_run, monkeypatch):
    """Every array of resampled statistics goes through percentile_interval: count their values."""
    held = []
    for module in (bootstrap, enrichment):
        original = module.percentile_interval
        monkeypatch.setattr(module, "percentile_interval",
                            lambda boots, original=original: held.append(boots[0].size) or original(boots))
    write_findings(small_run, FindingsConfig(bootstrap_samples=5), force=True)
    record = json.loads((small_run / "run.json").read_text())
    with run_maps(record["settings"].get("faithfulness", False)):
        assert sum(held) == resampled_values(record["model"]["num_layers"], record["model"]["num_heads"])


def test_a_count_that_cannot_fit_is_refused_in_one_line_before_computing(small_run, monkeypatch):
    monkeypatch.setattr(bootstrap_memory, "memory_limit", lambda: LIMIT)
    result = CliRunner().invoke(cli, ["findings", str(small_run), "--bootstrap-samples", "100000"])
    assert result.exit_code == 2, result.output
    (line,) = result.output.splitlines()
    assert line.startswith("Error: --bootstrap-samples 100000 needs about") and "0.05 GB" in line, line
    most = int(line.rsplit("use at most ", 1)[1])
    with run_maps(False):  # the run's maps: it has no faithfulness maps
        assert bootstrap_bytes(most, 10, 2, 3) <= LIMIT < bootstrap_bytes(most + 1, 10, 2, 3)
    assert not (small_run / "tables").exists()
    assert CliRunner().invoke(cli, ["findings", str(small_run), "--bootstrap-samples", str(most)]).exit_code == 0


def test_a_count_above_the_bound_is_refused_at_the_edge(small_run):
    result = CliRunner().invoke(cli, ["findings", str(small_run), "--bootstrap-samples", "100001"])
    assert result.exit_code == 2 and "100001 is not in the range 1<=x<=100000" in result.output, result.output
    assert "1<=x<=100000" in " ".join(CliRunner().invoke(cli, ["findings", "--help"]).output.split())
    with pytest.raises(BertstoryError, match=r"bootstrap-samples must lie in \[1, 100000\], got 100000000"):
        FindingsConfig(bootstrap_samples=10**8)


def test_statistics_are_gathered_as_the_chunks_give_them():
    """``resampled`` fills one array per statistic; its values are those of the chunks, stacked."""
    n_inputs, samples = 700, 7000
    assert samples > 2 * chunk_rows(n_inputs)  # three chunks
    values = np.random.default_rng(2).random((n_inputs, 5))

    def statistics(weights):
        return weights @ values, (weights @ values).max(axis=1)

    expected = [np.concatenate(parts) for parts in zip(*map(statistics, resample_weights(n_inputs, samples, 7)))]
    got = resampled(n_inputs, samples, 7, statistics)
    for a, b in zip(got, expected):
        assert a.dtype == b.dtype and np.array_equal(a, b)
