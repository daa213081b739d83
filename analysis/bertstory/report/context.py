"""Per-page numbers: what each generated page states, computed from the tables.

Functions return plain dicts and lists (already formatted where a page prints them),
so templates only lay text out. Layers and heads are 1-based.
"""

from __future__ import annotations

import pandas as pd

from bertstory.findings.patterns import MASS_CLASSES
from bertstory.findings.tables import PAIR_NAMES
from bertstory.report import frames
from bertstory.report.markdown import interval, num, pct
from bertstory.report.naming import PAIR_TITLES, head_name, layer_name, layer_slug
from bertstory.results import RunFolder
from bertstory.views import VIEWS

NEAREST = 3
"""Nearest heads listed on a head's page, per view."""


def run_summary(run: RunFolder) -> list[tuple[str, str]]:
    """(what, value) rows describing what was run, for the Overview and Reproduce pages."""
    record = run.record
    settings, model, corpus = record.settings, record.model, record.corpus
    estimator = f"probes, K = {settings.probes}" if settings.estimator == "probes" else settings.estimator
    inputs, _ = run.analysed_inputs()
    return [
        ("model", f"`{model.name_or_path}` ({model.model_type}, revision `{model.revision}`)"),
        ("layers × heads", f"{record.num_layers} × {record.num_heads} (hidden size {model.hidden_size})"),
        ("corpus", f"`{corpus.source}` (content hash `{corpus.content_hash[:16]}`)"),
        ("inputs analysed", inputs_analysed(run)),
        ("tokens analysed", str(int(inputs["tokens"].map(len).sum()))),
        ("estimator", estimator),
        ("seed", str(settings.seed)),
        ("device", f"{record.device}, {record.dtype}"),
        ("compute time", f"{num(record.seconds, 1)} s (started {record.started}, finished {record.finished})"
                         if record.seconds is not None else f"unfinished (started {record.started})"),
        ("run id", f"`{record.run_id}`"),
    ]


def inputs_analysed(run: RunFolder) -> str:
    """How many inputs the tables cover, of how many the corpus had; for an unfinished run,
    how many of the run's inputs the tables leave out."""
    record = run.record
    inputs, unanalysed = run.analysed_inputs()
    text = (f"{len(inputs)} of {record.corpus.n_available} available "
            f"({record.corpus.n_skipped_too_long} skipped as longer than {record.settings.max_tokens} tokens")
    if unanalysed:
        total = len(inputs) + len(unanalysed)
        text += (f"; {len(unanalysed)} of the run's {total} inputs left out: they had no maps when "
                 "`bertstory findings` ran")
    return text + ")"


def layer_rows(run: RunFolder) -> list[list[str]]:
    """Rows of the Layers index: link, median JS attention vs local and vs global, fraction
    of heads whose pattern persists, median own-token share."""
    summary = frames.layer_summary(run.table("layers")).set_index("layer")
    mix = frames.mixing(run.table("layers")).set_index("layer")
    return [
        [
            f"[{layer_name(layer)}]({layer_slug(layer)}.md)",
            num(summary.loc[layer, "js_attention_local_median"]),
            num(summary.loc[layer, "js_attention_global_median"]),
            pct(summary.loc[layer, "persists_fraction"]),
            num(mix.loc[layer, "own_share_median"]),
        ]
        for layer in summary.index
    ]


def head_row(row: pd.Series) -> dict:
    """A head's numbers as the layer and head pages print them."""
    out = {
        "layer": int(row["layer"]),
        "head": int(row["head"]),
        "name": head_name(int(row["layer"]), int(row["head"])),
        "persists": bool(row["persists"]),
        "cluster": {"attention": int(row["cluster"]), "global": int(row["cluster_global"])},
        "labels": {v: str(row[f"label_{v}"]) for v in VIEWS},
        "entropy": {v: num(row[f"entropy_{v}"]) for v in VIEWS},
        "mass": {v: {c: num(row[f"mass_{c}_{v}"]) for c in MASS_CLASSES} for v in VIEWS},
        "pairs": {},
    }
    for pair in PAIR_NAMES:
        out["pairs"][pair] = {
            "title": PAIR_TITLES[pair],
            "js": num(row[f"js_{pair}"]),
            "js_median": num(row[f"js_{pair}_median"]),
            "js_ci": interval(row[f"js_{pair}_lo"], row[f"js_{pair}_hi"]),
            "tv": num(row[f"tv_{pair}"]),
            "spearman": num(row[f"spearman_{pair}"]),
            "top1": num(row[f"top1_{pair}"]),
        }
    return out


def nearest_heads(run: RunFolder) -> dict[tuple[int, int], dict[str, list[tuple[str, str]]]]:
    """Per head (layer, head) and view: the :data:`NEAREST` closest other heads by JS distance,
    as (name, distance formatted)."""
    found = frames.nearest_heads(run.table("head_distances"), NEAREST)
    return {key: {view: [(name, num(d)) for name, d in near] for view, near in views.items()}
            for key, views in found.items()}


THRESHOLDS = (
    ("threshold_positional", "self, prev, next", "largest class mass at least"),
    ("threshold_token", "CLS, SEP, punct", "largest class mass at least"),
    ("threshold_broad", "broad", "otherwise, normalised entropy at least"),
)
"""Label thresholds in ``findings.json`` ``config``, the labels they decide and the rule."""


def thresholds(run: RunFolder) -> list[list[str]]:
    """Rows (labels, rule, value) of the label thresholds in force for this run."""
    config = run.summary().get("config", {})
    return [[labels, rule, num(config[key], 2)] for key, labels, rule in THRESHOLDS if key in config]
