"""The tables behind the committed figures: six significant digits (checked against numpy's own
decimal conversion), settled against the file already written so that float noise within the stated
tolerance (another CPU's: the 6th significant digit) changes no byte, while larger changes are written."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pandas as pd
import pytest

from bertstory.report.build import build_report
from bertstory.report.figure_tables import ATOL, RTOL, SIGNIFICANT_DIGITS, table_text, write_figure_tables
from bertstory.results import RunFolder


def _table(rng: np.random.Generator, rows: int = 2000) -> pd.DataFrame:
    """Floats over twelve decades and both signs, with NaN, beside ints, strings and booleans."""
    values = 10.0 ** rng.uniform(-8, 4, size=(rows, 10)) * rng.choice([-1.0, 1.0], size=(rows, 10))
    values[rng.random(values.shape) < 0.02] = np.nan
    frame = pd.DataFrame(values, columns=[f"x{k}" for k in range(10)])
    frame.insert(0, "layer", np.arange(rows) % 7 + 1)
    frame.insert(1, "label", rng.choice(["CLS", "punct", "a, quoted \"name\"", "none"], size=rows))
    frame["persists"] = rng.random(rows) < 0.5
    return frame


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def _noisy(frame: pd.DataFrame, rng: np.random.Generator, relative: float) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns[out.dtypes == np.float64]:
        out[column] = out[column] * (1 + relative * rng.standard_normal(len(out)))
    return out


def test_numbers_are_written_at_six_significant_digits():
    frame = _table(np.random.default_rng(0))
    back = _read(table_text(frame))
    assert list(back.columns) == list(frame.columns)
    whole = _read(table_text(pd.DataFrame({"x": [1.0, 2.0, 30.0]})))
    assert whole["x"].dtype == np.float64  # integral floats stay floats
    for column in ("layer", "label", "persists"):
        assert back[column].tolist() == frame[column].tolist()
    for column in frame.columns[frame.dtypes == np.float64]:
        expected = [np.nan if np.isnan(v) else
                    float(np.format_float_scientific(v, precision=SIGNIFICANT_DIGITS - 1, unique=False))
                    for v in frame[column]]
        np.testing.assert_array_equal(back[column].to_numpy(), np.array(expected), err_msg=column)


def test_float_noise_in_the_sixth_digit_keeps_every_byte():
    rng = np.random.default_rng(1)
    frame = _table(rng)
    written = table_text(frame)
    noisy = _noisy(frame, rng, 1e-6)  # the cross-CPU noise seen in the default run's tables: the 6th digit
    assert table_text(noisy) != written  # rounding alone changes many numbers' last digits
    assert table_text(noisy, written) == written


def test_a_real_change_rewrites_that_number_only():
    frame = _table(np.random.default_rng(2))
    written = table_text(frame)
    changed = frame.copy()
    changed.loc[17, "x3"] = frame.loc[17, "x3"] * (1 + 1e-3) + np.sign(frame.loc[17, "x3"]) * ATOL
    changed.loc[18, "x4"] = np.nan if np.isfinite(frame.loc[18, "x4"]) else 0.5
    text = table_text(changed, written)
    old_lines, new_lines = written.splitlines(), text.splitlines()
    assert [k for k, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b] == [18, 19]  # header is line 0
    back = _read(text)
    assert back.loc[17, "x3"] == pytest.approx(changed.loc[17, "x3"], rel=10.0 ** -(SIGNIFICANT_DIGITS - 1) / 2)
    assert back.loc[17, "x3"] != _read(written).loc[17, "x3"]
    assert np.isnan(back.loc[18, "x4"]) == np.isnan(changed.loc[18, "x4"])


def test_kept_numbers_stay_within_the_tolerance_of_the_run():
    rng = np.random.default_rng(3)
    frame = _table(rng, rows=500)
    fresh, text = frame, table_text(frame)
    for _ in range(30):  # values drifting a little at every regeneration cannot drag the file along
        fresh = _noisy(fresh, rng, 3e-5)
        text = table_text(fresh, text)
    back = _read(text)
    for column in frame.columns[frame.dtypes == np.float64]:
        kept, run = back[column].to_numpy(), fresh[column].to_numpy()
        finite = np.isfinite(run)
        assert (np.isfinite(kept) == finite).all()
        assert (np.abs(kept[finite] - run[finite]) <= ATOL + RTOL * np.abs(kept[finite])).all(), column


def test_the_tolerance_is_relative_plus_absolute():
    written = table_text(pd.DataFrame({"x": [0.5, 0.0, 200.0]}))
    inside = [0.5 * (1 + RTOL) + 0.9 * ATOL, -0.9 * ATOL, 200.0 * (1 - 0.9 * RTOL)]
    assert table_text(pd.DataFrame({"x": inside}), written) == written
    outside = [0.5 * (1 + RTOL) + 1.1 * ATOL, 1.1 * ATOL, 200.0 * (1 - 1.1 * RTOL)]
    assert _read(table_text(pd.DataFrame({"x": outside}), written))["x"].tolist() == [
        float(f"{v:.{SIGNIFICANT_DIGITS}g}") for v in outside]


def test_numbers_written_at_another_precision_are_rewritten():
    frame = pd.DataFrame({"k": [1, 2, 3], "x": [0.1234567891234, 2.0, np.nan]})
    assert table_text(frame, frame.to_csv(index=False)) == "k,x\n1,0.123457\n2,2.0\n3,\n"


def test_another_shape_or_header_is_written_fresh():
    frame = _table(np.random.default_rng(4), rows=50)
    noisy = _noisy(frame, np.random.default_rng(5), 1e-8)
    assert table_text(noisy, table_text(frame.iloc[:-1])) == table_text(noisy)
    assert table_text(noisy, table_text(frame.rename(columns={"x0": "y0"}))) == table_text(noisy)


def test_write_figure_tables_writes_the_named_tables_and_removes_others(synthetic_run, tmp_path):
    run = RunFolder(synthetic_run)
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "old_table.csv").write_text("a\n1\n", encoding="utf-8")
    written = write_figure_tables(run, ["heads", "rollout"], folder)
    assert written == [folder / "heads.csv", folder / "rollout.csv"]
    assert sorted(p.name for p in folder.iterdir()) == ["heads.csv", "rollout.csv"]
    back = pd.read_csv(folder / "heads.csv")
    heads = run.table("heads")
    assert list(back.columns) == list(heads.columns) and len(back) == len(heads)
    for column in heads.columns[heads.dtypes == np.float64]:
        np.testing.assert_allclose(back[column], heads[column], rtol=10.0 ** -(SIGNIFICANT_DIGITS - 1) / 2, atol=0)


def _figures(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "figures").rglob("*")) if p.is_file()}


def test_a_report_of_noisy_tables_leaves_figures_byte_identical(synthetic_run, tmp_path):
    """The committed situation: regenerating into a project whose figures/ came from the same run, with
    float noise in the 6th digit of the tables (another CPU), rewrites no byte of figures/, though the
    noise changes the rounding of many numbers and would move the figures' lines in the PDFs."""
    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    build_report(run_dir, tmp_path / "project", build=False)
    committed = _figures(tmp_path / "project")
    assert {"figures/tables/heads.csv", "figures/fig1_js_heatmaps.png", "figures/fig1_js_heatmaps.pdf"} <= set(committed)
    run = RunFolder(run_dir)
    rng = np.random.default_rng(6)
    flipped = []
    for name in sorted(run.tables_dir.glob("*.parquet")):
        noisy = _noisy(run.table(name.stem), rng, 1e-6)
        run.write_table(name.stem, noisy)
        committed_text = committed.get(f"figures/tables/{name.stem}.csv", b"").decode()
        flipped += [name.stem] if committed_text and table_text(noisy) != committed_text else []
    assert flipped  # rounding alone would have changed a committed table
    build_report(RunFolder(run_dir), tmp_path / "project", build=False)
    assert _figures(tmp_path / "project") == committed
