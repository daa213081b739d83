"""Draw the paper figures of a run (figures 1–5, 7, 8) as PNG and PDF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from bertstory.report import style, tables
from bertstory.report.figures import divergence, embedding, estimator, mixing, patterns
from bertstory.report.run import RunData


@dataclass(frozen=True)
class PaperFigure:
    """One paper figure: file ``stem`` (no suffix), a ``title``, a ``caption`` for pages and
    the findings ``tables`` it was drawn from."""

    stem: str
    title: str
    caption: str
    tables: tuple[str, ...]


FIGURES: dict[str, tuple[PaperFigure, Callable[[RunData], Figure]]] = {
    f.stem: (f, draw)
    for f, draw in [
        (
            PaperFigure(
                "fig1_js_heatmaps", "Attention against attribution, per head",
                "Mean Jensen–Shannon divergence (bits) between each head's attention and its local (left) "
                "and global (right) attribution, over all query rows of all inputs.",
                ("heads",),
            ),
            lambda d: divergence.js_heatmaps(d.tables["heads"]),
        ),
        (
            PaperFigure(
                "fig2_js_by_layer", "Local agrees, global diverges",
                "Per layer, the distribution over heads of the mean JS divergence (bits) of attention against "
                "local and against global attribution; one point per head.",
                ("heads",),
            ),
            lambda d: divergence.js_by_layer(d.tables["heads"]),
        ),
        (
            PaperFigure(
                "fig3_mass_by_layer", "Where heads put their mass",
                "Per layer, each head's mean mass on [CLS], [SEP], punctuation, the token itself, the previous "
                "and the next token, under attention and under global attribution; one point per head.",
                ("heads",),
            ),
            lambda d: patterns.mass_by_layer(d.tables["heads"]),
        ),
        (
            PaperFigure(
                "fig4a_labels", "Pattern labels per view",
                "Each head's pattern label under attention, local and global attribution (rule on the Method page).",
                ("heads",),
            ),
            lambda d: patterns.label_grids(d.tables["heads"]),
        ),
        (
            PaperFigure(
                "fig4b_transitions", "Which patterns survive",
                "Heads counted by their label under attention (rows) and under global attribution (columns); "
                "the diagonal holds the heads whose pattern persists.",
                ("transitions",),
            ),
            lambda d: patterns.transition_heatmap(d.tables["transitions"]),
        ),
        (
            PaperFigure(
                "fig5_mixing", "Mixing and attention rollout",
                "(a) Own-token share of token contribution per layer: median, interquartile range, and the "
                "fraction of outputs whose largest contributor is their own token. (b, c) Agreement of attention "
                "rollout and of raw head-averaged attention with token contribution per layer.",
                ("layers", "rollout"),
            ),
            lambda d: mixing.mixing(tables.mixing(d.tables["layers"]), tables.rollout(d.tables["rollout"])),
        ),
        (
            PaperFigure(
                "fig7_head_embedding", "Head clustering",
                "Heads embedded in two dimensions by metric MDS of the pairwise Jensen–Shannon distances of their "
                "attention (top) and global attribution (bottom), coloured by layer and by label.",
                ("head_embedding", "heads"),
            ),
            lambda d: embedding.head_embedding(tables.embedding(d.tables["head_embedding"]), d.tables["heads"]),
        ),
        (
            PaperFigure(
                "fig8_estimator_error", "Accuracy of the probe estimator",
                "Error of the probe estimate against the exact computation on a few inputs, by the number of "
                "probes K: mean total variation per row and largest absolute entry error per map (lines: means "
                "over inputs; points: inputs; dashed: the run's K).",
                ("estimator_error",),
            ),
            lambda d: estimator.estimator_error(d.tables["estimator_error"], d.run.get("settings", {}).get("probes")),
        ),
    ]
}


def applicable(data: RunData) -> list[PaperFigure]:
    """The paper figures this run has data for (figure 8 only with the probe estimator)."""
    return [f for f, _ in FIGURES.values() if all(t in data.tables and len(data.tables[t]) for t in f.tables)]


def draw_paper_figures(data: RunData, out_dir: Path) -> list[PaperFigure]:
    """Write ``<stem>.png`` and ``<stem>.pdf`` of each applicable figure into ``out_dir``."""
    style.apply()
    drawn = []
    for spec in applicable(data):
        with style.seeded_jitter():
            fig = FIGURES[spec.stem][1](data)
        style.save(fig, out_dir / spec.stem)
        plt.close(fig)
        drawn.append(spec)
    return drawn
