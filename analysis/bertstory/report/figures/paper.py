"""Draw the paper figures of a run (figures 1–9; figure 8 with the probe estimator only, figure 9 when the run
measured faithfulness) as PNG and PDF,
from the rounded tables of ``figures/tables/`` (:mod:`bertstory.report.figure_tables`)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from bertstory.findings.schema import ESTIMATOR_TABLE
from bertstory.report import frames, style
from bertstory.report.faithfulness import FAITHFULNESS_LAYERS_TABLE
from bertstory.report.figure_tables import FigureTables
from bertstory.report.figures import disagreement, estimator, faithfulness, head_clusters, labels, mixing, persistence
from bertstory.report.figures.registry import RegisteredFigure
from bertstory.report.naming import class_names
from bertstory.results import RunFolder


FIGURES: dict[str, RegisteredFigure] = {
    f.key: f
    for f in [
        RegisteredFigure(
            "fig1_js_heatmaps", "Attention against attribution, per head",
            "Mean Jensen–Shannon divergence (bits) between each head's attention and its local (left) "
            "and global (right) attribution, over all query rows of all inputs; each cell carries its value (.37: "
            f"0.37 bits) when a layer has at most {disagreement.ANNOTATE_MAX_HEADS} heads.",
            lambda run: disagreement.js_heatmaps(run.table("heads")),
            tables=("heads",),
        ),
        RegisteredFigure(
            "fig2_js_by_layer", "Local agrees, global diverges",
            "Per layer, the distribution over heads of the mean JS divergence (bits) of attention against "
            "local and against global attribution; one point per head.",
            lambda run: disagreement.js_by_layer(run.table("heads")),
            tables=("heads",),
        ),
        RegisteredFigure(
            "fig3_mass_by_layer", "Where heads put their mass",
            "Per layer, each head's mean mass on the first token, the end token, punctuation, the token itself, the "
            "previous and the next token (a decoder has no next token), under attention and under global attribution; "
            "one point per head.",
            lambda run: labels.mass_by_layer(run.table("heads"), class_names(run.record)),
            tables=("heads",),
        ),
        RegisteredFigure(
            "fig4a_labels", "Pattern labels per view",
            "Each head's label under attention, local and global attribution (rule on the Method page).",
            lambda run: labels.label_grids(run.table("heads"), class_names(run.record)),
            tables=("heads",),
        ),
        RegisteredFigure(
            "fig4b_transitions", "Labels under attention and global attribution",
            "Heads counted by their label under attention (rows) and under global attribution (columns); "
            "the diagonal holds the heads whose label is unchanged (the label rule, which mixing defeats: "
            "figure 6 judges persistence against chance and the layer's heads).",
            lambda run: labels.transition_heatmap(run.table("transitions"), class_names(run.record)),
            tables=("transitions",),
        ),
        RegisteredFigure(
            "fig5_mixing", "Mixing and attention rollout",
            "(a) Own-token share of token contribution per layer: median, interquartile range, and the "
            "fraction of outputs whose largest contributor is their own token. (b, c) Agreement of attention "
            "rollout and of raw head-averaged attention with token contribution per layer.",
            lambda run: mixing.mixing(frames.mixing(run.table("layers")), frames.rollout(run.table("rollout"))),
            tables=("layers", "rollout"),
        ),
        RegisteredFigure(
            "fig6_persistence", "Which patterns persist",
            "(a) For each pattern class, every head's enrichment on the class (× chance, log axes) under attention "
            "against its enrichment under global attribution, coloured by layer; large edged points are the heads "
            "whose pattern is that class, with the 95% interval of their global enrichment (dashed: chance; dotted: "
            "the persistence threshold; panel titles: heads whose pattern persists). (b) Per layer, the Spearman "
            "correlation across the layer's heads of attention mass with global-attribution mass on each class, "
            "with its bootstrap 95% interval.",
            lambda run: persistence.persistence(run.table("heads"), run.table("persistence"),
                                                run.summary()["config"]["persist_enrichment"], class_names(run.record)),
            tables=("heads", "persistence"),
        ),
        RegisteredFigure(
            "fig7_head_embedding", "Head clustering",
            "Heads embedded in two dimensions by metric MDS of the pairwise Jensen–Shannon distances of their "
            "attention (top) and global attribution (bottom), coloured by layer and by label.",
            lambda run: head_clusters.head_embedding(frames.embedding(run.table("head_embedding")), run.table("heads")),
            tables=("head_embedding", "heads"),
        ),
        RegisteredFigure(
            "fig8_estimator_error", "Accuracy of the probe estimator",
            "Error of the probe estimate against the exact computation on map rows drawn at random from the run, "
            "by the number of probes K: total variation and largest absolute entry error of a row, per map "
            "(lines: means over the rows; bars: their 10th to 90th percentiles; dashed: the run's K).",
            lambda run: estimator.estimator_error(run.table(ESTIMATOR_TABLE), run.record.settings.probes),
            tables=(ESTIMATOR_TABLE,),
        ),
        RegisteredFigure(
            "fig9_faithfulness", "Which view is faithful",
            "Per layer, the median over the layer's heads of each head's Spearman correlation per query row with an "
            "ablation ground truth (what moves when one input token is taken away), with its bootstrap 95% interval "
            "over inputs (band): (a) attention, local and global attribution and attention-norm against global "
            "ablation; (b) the same against local ablation; (c) the per-layer views — token contribution, attention "
            "rollout, value zeroing and its rollout (dashed: rollouts) — against hidden-state ablation.",
            lambda run: faithfulness.faithfulness_by_layer(run.table(FAITHFULNESS_LAYERS_TABLE)),
            tables=(FAITHFULNESS_LAYERS_TABLE,),
        ),
    ]
}
"""The paper figures by key; ``draw`` draws one from a run's tables (a :class:`FigureTables`, or the
:class:`RunFolder` itself: ``table(name)``, ``summary()``, ``record``)."""


def applicable(run: RunFolder) -> list[RegisteredFigure]:
    """The paper figures this run has data for (figure 8 only with the probe estimator, figure 9 only with
    the faithfulness maps)."""
    return [f for f in FIGURES.values() if all(run.optional_table(t) is not None for t in f.tables)]


def draw_paper_figures(tables: FigureTables, figures: list[RegisteredFigure], out_dir: Path) -> None:
    """Write ``<key>.png`` and ``<key>.pdf`` of each of ``figures`` into ``out_dir``, drawn from ``tables``."""
    style.apply()
    for spec in figures:
        with style.seeded_jitter():
            fig = spec.draw(tables)
        style.save(fig, out_dir / spec.key)
        plt.close(fig)
