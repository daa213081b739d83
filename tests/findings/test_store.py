"""The statistics files of a run: written by ``findings`` for a run that has maps only, equal to
statistics recomputed from the maps, enough on their own, recomputed when stale."""

from __future__ import annotations

import os
import shutil
import time

import numpy as np
import pandas as pd
import pytest

from bertstory.errors import BertstoryError
from bertstory.findings import TABLE_NAMES, FindingsConfig, write_findings
from bertstory.findings.statistics import STATISTICS_FORMAT, InputStatistics, compute_statistics
from bertstory.maps import run_maps
from bertstory.results import RunFolder

CONFIG = FindingsConfig(bootstrap_samples=20)


def recomputed(folder: RunFolder, input_id: str) -> dict[str, np.ndarray]:
    maps = folder.load_maps(input_id, normalise=True)
    with run_maps(folder.record.settings.faithfulness):
        return compute_statistics(maps, maps["tokens"], "[CLS]", "[SEP]", causal=False).arrays()


def test_a_run_with_maps_only_gets_its_statistics_from_findings(small_run):
    folder = RunFolder(small_run)
    assert folder.stats_ids() == set()
    write_findings(small_run, CONFIG)
    assert folder.stats_ids() == folder.map_ids()
    for input_id in sorted(folder.map_ids()):
        written = folder.load_stats(input_id, STATISTICS_FORMAT)
        assert written["tokens"] == folder.load_maps(input_id)["tokens"]
        expected = recomputed(folder, input_id)
        assert set(written) == {*expected, "tokens"}
        for name, array in expected.items():
            np.testing.assert_array_equal(written[name], array, err_msg=name)
            assert written[name].dtype == array.dtype, name


def test_statistics_alone_give_the_same_tables(small_run, tmp_path):
    with_maps = write_findings(small_run, CONFIG)
    copy = tmp_path / "stats-only"
    shutil.copytree(small_run, copy)
    shutil.rmtree(copy / "maps")
    without_maps = write_findings(copy, CONFIG, force=True)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(without_maps[name], with_maps[name], check_exact=True)


def test_a_map_rewritten_after_its_statistics_makes_them_stale(small_run):
    folder = RunFolder(small_run)
    before = write_findings(small_run, CONFIG)["heads"]
    stats_bytes = (small_run / "stats" / "in-0000.npz").read_bytes()
    path = small_run / "maps" / "in-0000.npz"
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["attention"] = np.ascontiguousarray(arrays["global"])
    np.savez(path, **arrays)
    newer = (small_run / "stats" / "in-0000.npz").stat().st_mtime_ns + 1
    os.utime(path, ns=(newer, newer))
    assert not folder.has_stats("in-0000", STATISTICS_FORMAT)
    time.sleep(0.05)  # past the file system's clock tick: statistics written now are newer than the map
    after = write_findings(small_run, CONFIG)["heads"]
    assert (small_run / "stats" / "in-0000.npz").read_bytes() != stats_bytes
    assert folder.has_stats("in-0000", STATISTICS_FORMAT)
    assert not np.allclose(before["js_attention_global"], after["js_attention_global"])


def test_statistics_of_another_format_are_recomputed_from_the_map(small_run):
    folder = RunFolder(small_run)
    write_findings(small_run, CONFIG)
    arrays = folder.load_stats("in-0001", STATISTICS_FORMAT)
    tokens = arrays.pop("tokens")
    folder.save_stats("in-0001", arrays, tokens, STATISTICS_FORMAT + 1)
    assert not folder.has_stats("in-0001", STATISTICS_FORMAT)
    with pytest.raises(BertstoryError, match=f"holds statistics of format {STATISTICS_FORMAT + 1}, "
                                             f"this bertstory reads format {STATISTICS_FORMAT}"):
        folder.load_stats("in-0001", STATISTICS_FORMAT)
    write_findings(small_run, CONFIG)
    assert folder.has_stats("in-0001", STATISTICS_FORMAT)


def test_unusable_statistics_without_a_map_are_a_one_line_error(small_run):
    write_findings(small_run, CONFIG)
    (small_run / "stats" / "in-0002.npz").write_bytes(b"not a zip")
    (small_run / "maps" / "in-0002.npz").unlink()
    with pytest.raises(BertstoryError, match="input in-0002 of .* has no current statistics") as raised:
        write_findings(small_run, CONFIG)
    assert "\n" not in str(raised.value)


def test_statistics_that_do_not_fit_the_run_are_a_one_line_error(small_run):
    folder = RunFolder(small_run)
    write_findings(small_run, CONFIG)
    arrays = folder.load_stats("in-0003", STATISTICS_FORMAT)
    tokens = arrays.pop("tokens")
    arrays["head_js_global"] = arrays["head_js_global"][:2, :2]
    time.sleep(0.01)
    folder.save_stats("in-0003", arrays, tokens, STATISTICS_FORMAT)
    with pytest.raises(BertstoryError, match=r"statistics of input in-0003 .* do not fit the run \(head_js_global has shape"):
        write_findings(small_run, CONFIG, force=True)


def test_file_arrays_round_trip_and_are_checked():
    """Statistics of the first four maps (a run without the faithfulness maps)."""
    with run_maps(False):
        rng = np.random.default_rng(0)
        n, layers, heads = 4, 2, 3
        maps = {view: rng.dirichlet(np.ones(n), size=(layers, heads, n)) for view in ("attention", "local", "global")}
        maps["contribution"] = rng.dirichlet(np.ones(n), size=(layers, n))
        tokens = ["[CLS]", "a", ",", "[SEP]"]
        stats = compute_statistics(maps, tokens, "[CLS]", "[SEP]", causal=False)
        again = InputStatistics.from_arrays(stats.arrays(), layers, heads)
        for name, array in stats.arrays().items():
            np.testing.assert_array_equal(again.arrays()[name], array)
        with pytest.raises(ValueError, match="lacks array 'own_share'"):
            InputStatistics.from_arrays({k: v for k, v in stats.arrays().items() if k != "own_share"}, layers, heads)
        with pytest.raises(ValueError, match=r"class_mass_attention has shape \(2, 3, 8\), expected \(3, 3, 8\)"):
            InputStatistics.from_arrays(stats.arrays(), layers + 1, heads)
