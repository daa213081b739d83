"""Per-page numbers: what each generated page states, computed from the tables.

Functions return plain dicts and lists (already formatted where a page prints them),
so templates only lay text out. Layers and heads are 1-based.
"""

from __future__ import annotations

import pandas as pd

from bertstory.report import tables
from bertstory.report.markdown import interval, num, pct
from bertstory.report.naming import CLASSES, PAIR_TITLES, PAIRS, VIEWS, head_name, layer_name, layer_slug
from bertstory.report.run import RunData

NEAREST = 3
"""Nearest heads listed on a head's page, per view."""


def run_summary(data: RunData) -> list[tuple[str, str]]:
    """(what, value) rows describing what was run, for the Overview and Reproduce pages."""
    run, model, corpus = data.run, data.run.get("model", {}), data.run.get("corpus", {})
    settings = run.get("settings", {})
    estimator = settings.get("estimator", "")
    if estimator == "probes":
        estimator = f"probes, K = {settings.get('probes')}"
    rows = [
        ("model", f"`{model.get('name_or_path', settings.get('model'))}` ({model.get('model_type', '?')}, "
                  f"revision `{model.get('revision', '?')}`)"),
        ("layers × heads", f"{data.num_layers} × {data.num_heads} (hidden size {model.get('hidden_size', '?')})"),
        ("corpus", f"`{corpus.get('source', settings.get('corpus'))}` (content hash `{str(corpus.get('content_hash', ''))[:16]}`)"),
        ("inputs analysed", inputs_analysed(data)),
        ("tokens analysed", str(int(data.inputs["tokens"].map(len).sum()))),
        ("estimator", estimator),
        ("seed", str(settings.get("seed"))),
        ("device", f"{run.get('device', '?')}, {run.get('dtype', '?')}"),
        ("compute time", f"{num(run['seconds'], 1)} s (started {run.get('started')}, finished {run.get('finished')})"
                         if run.get("seconds") is not None else f"unfinished (started {run.get('started')})"),
        ("run id", f"`{run.get('run_id', data.run_dir.name)}`"),
    ]
    return rows


def inputs_analysed(data: RunData) -> str:
    """How many inputs the tables cover, of how many the corpus had; for an unfinished run,
    how many of the run's inputs the tables leave out."""
    corpus, settings = data.run.get("corpus", {}), data.run.get("settings", {})
    text = (f"{len(data.inputs)} of {corpus.get('n_available', '?')} available "
            f"({corpus.get('n_skipped_too_long', 0)} skipped as longer than {settings.get('max_tokens')} tokens")
    if data.unanalysed:
        total = len(data.inputs) + len(data.unanalysed)
        text += (f"; {len(data.unanalysed)} of the run's {total} inputs left out: they had no maps when "
                 "`bertstory findings` ran")
    return text + ")"


def layer_rows(data: RunData) -> list[list[str]]:
    """Rows of the Layers index: link, median JS attention vs local and vs global, fraction
    of heads whose pattern persists, median own-token share."""
    summary = tables.layer_summary(data.tables["layers"]).set_index("layer")
    mix = tables.mixing(data.tables["layers"]).set_index("layer")
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
        "mass": {v: {c: num(row[f"mass_{c}_{v}"]) for c in CLASSES} for v in VIEWS},
        "pairs": {},
    }
    for pair in PAIRS:
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


def nearest_heads(data: RunData) -> dict[tuple[int, int], dict[str, list[tuple[str, str]]]]:
    """Per head (layer, head) and view: the :data:`NEAREST` closest other heads by JS distance,
    as (name, distance formatted)."""
    found = tables.nearest_heads(data.tables["head_distances"], NEAREST)
    return {key: {view: [(name, num(d)) for name, d in near] for view, near in views.items()}
            for key, views in found.items()}


THRESHOLDS = (
    ("threshold_positional", "self, prev, next", "largest class mass at least"),
    ("threshold_token", "CLS, SEP, punct", "largest class mass at least"),
    ("threshold_broad", "broad", "otherwise, normalised entropy at least"),
)
"""Label thresholds in ``findings.json`` ``config``, the labels they decide and the rule."""


def thresholds(data: RunData) -> list[list[str]]:
    """Rows (labels, rule, value) of the label thresholds in force for this run."""
    config = data.findings.get("config", {})
    return [[labels, rule, num(config[key], 2)] for key, labels, rule in THRESHOLDS if key in config]
