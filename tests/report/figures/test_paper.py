"""Every registered paper figure draws, deterministically, from a synthetic run."""

import pytest

from bertstory.report import style
from bertstory.report.figures.paper import FIGURES, applicable
from bertstory.results import RunFolder


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_paper_figure_is_byte_identical_when_drawn_twice(synthetic_run, tmp_path, stem):
    run = RunFolder(synthetic_run)
    spec = FIGURES[stem]
    assert spec in applicable(run)
    style.apply()
    for copy in ("a", "b"):
        with style.seeded_jitter():
            fig = spec.draw(run)
        style.save(fig, tmp_path / copy / stem)
    for suffix in (".png", ".pdf"):
        first, second = (tmp_path / c / f"{stem}{suffix}" for c in ("a", "b"))
        assert first.read_bytes() == second.read_bytes(), f"{stem}{suffix} differs between runs"


def test_every_figure_names_tables_the_run_has(synthetic_run):
    run = RunFolder(synthetic_run)
    for spec in FIGURES.values():
        assert spec.tables and all(run.has_table(name) for name in spec.tables), spec.stem
