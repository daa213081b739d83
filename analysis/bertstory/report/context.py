"""Per-page numbers: what each generated page states, computed from the tables.

Functions return plain dicts and lists (already formatted where a page prints them),
so templates only lay text out: every text from the corpus is escaped here
(:func:`~bertstory.report.markdown.escape`), never in a template. Layers and heads are 1-based.
"""

from __future__ import annotations

import pandas as pd

from bertstory.findings import schema
from bertstory.findings.metrics import METRICS
from bertstory.findings.patterns import MASS_CLASSES, POSITIONAL, label_column
from bertstory.findings.persistence import NO_PATTERN
from bertstory.findings.schema import INTERVAL_SUFFIXES
from bertstory.maps import pair_names, persistence_views
from bertstory.report import frames
from bertstory.report.examples import choose_examples, inputs_with_maps, is_pair
from bertstory.report.markdown import escape, interval, num, pct
from bertstory.report.naming import ClassNames, head_name, layer_name, layer_slug, pair_title, view_title
from bertstory.results import RunFolder
from bertstory.maps import views

NEAREST = 3
"""Nearest heads listed on a head's page, per view."""


def run_summary(run: RunFolder) -> list[tuple[str, str]]:
    """(what, value) rows describing what was run, for the Overview and Reproduce pages."""
    record = run.record
    settings, model, corpus = record.settings, record.model, record.corpus
    estimator = f"probes, K = {settings.probes}" if settings.estimator == "probes" else settings.estimator
    inputs, _ = run.analysed_inputs()
    return [
        ("model", f"`{model.name_or_path}` ({model.model_type}{', a decoder: causal mask' if model.causal else ''}, "
                  f"revision `{model.revision}`)"),
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
    if record.corpus.n_skipped_no_text:
        text += f", {record.corpus.n_skipped_no_text} as giving only special tokens"
    if unanalysed:
        total = len(inputs) + len(unanalysed)
        text += (f"; {len(unanalysed)} of the run's {total} inputs left out: they had no maps when "
                 "`bertstory findings` ran")
    return text + ")"


def example_inputs(run: RunFolder) -> list[dict]:
    """The head pages' example inputs (:func:`bertstory.report.examples.choose_examples` among the
    inputs with maps): ``id``, ``kind`` (sentence or pair), ``n`` tokens and the ``text`` shown
    (Markdown: the text and its pair, escaped, in quotes)."""
    inputs = inputs_with_maps(run)
    rows = inputs.set_index("id")
    examples = []
    for input_id in choose_examples(inputs):
        row = rows.loc[input_id]
        pair = row.get("text_pair")
        parts = [row["text"], pair] if is_pair(pair) else [row["text"]]
        examples.append({"id": input_id, "kind": "pair" if is_pair(pair) else "sentence", "n": len(row["tokens"]),
                         "text": " | ".join(f"“{escape(part)}”" for part in parts)})
    return examples


def layer_persistence(heads: pd.DataFrame) -> dict:
    """A layer's (or any set of heads') pattern counts: ``heads``, ``patterned`` (with a
    pattern), and per view (local, global) ``persist`` and ``specific``."""
    out = {"heads": len(heads), "patterned": int((heads[schema.PATTERN] != NO_PATTERN).sum())}
    for view in persistence_views():
        out[view] = {"persist": int(heads[schema.persists(view)].sum()),
                     "specific": int(heads[schema.persists_specific(view)].sum())}
    return out


PATTERN_FATE_COLUMNS = [
    "pattern", "heads", *(f"into {view} (specifically)" for view in persistence_views()),
    "enrichment if kept", "if vanished",
]
"""Columns of :func:`pattern_fates`."""


def pattern_fates(heads: pd.DataFrame, names: ClassNames) -> list[list[str]]:
    """The Overview's table of which attention patterns persist, one row per pattern class that
    some head has (in ``names.pattern_classes`` order, titled as the run names it): how many heads
    have it, and per view (local, global) in how many it persists, "k (s)" with s of them
    specifically; then the median enrichment under global attribution of the heads whose pattern
    persists there, and of those whose pattern vanishes ("—" for none)."""
    found = frames.patterned_heads(heads, "global")
    rows = []
    for name in names.pattern_classes:
        group = found[found["pattern"] == name]
        if group.empty:
            continue
        counts = layer_persistence(heads[heads[schema.PATTERN] == name])
        cells = [f"{counts[view]['persist']} ({counts[view]['specific']})" for view in persistence_views()]
        medians = [num(part["E"].median(), 2) + "×" if len(part) else "—"
                   for part in (group[group["persists"]], group[~group["persists"]])]
        rows.append([names.markdown_patterns[name], str(counts["patterned"]), *cells, *medians])
    return rows


def layer_rows(run: RunFolder) -> list[list[str]]:
    """Rows of the Layers index: link, median JS attention vs local and vs global, heads with a
    pattern, how many persist into global attribution (and specifically), the share of heads
    whose label is unchanged, median own-token share."""
    summary = frames.layer_summary(run.table("layers")).set_index("layer")
    mix = frames.mixing(run.table("layers")).set_index("layer")
    heads = run.table("heads")
    rows = []
    for layer in summary.index:
        counts = layer_persistence(heads[heads["layer"] == layer])
        rows.append([
            f"[{layer_name(layer)}]({layer_slug(layer)}.md)",
            num(summary.loc[layer, frames.LAYER_JS_MEDIANS["local"]]),
            num(summary.loc[layer, frames.LAYER_JS_MEDIANS["global"]]),
            f"{counts['patterned']} of {counts['heads']}",
            str(counts["global"]["persist"]),
            str(counts["global"]["specific"]),
            pct(summary.loc[layer, schema.PERSISTS_LABEL_FRACTION]),
            num(mix.loc[layer, schema.own_share("median")]),
        ])
    return rows


def _persistence_word(row: pd.Series, view: str) -> str:
    """How a head's pattern fares in ``view``: ``specifically``, ``yes``, ``no`` or ``—`` (no pattern)."""
    if row[schema.PATTERN] == NO_PATTERN:
        return "—"
    if row[schema.persists_specific(view)]:
        return "specifically"
    return "yes" if row[schema.persists(view)] else "no"


def _ratio(row: pd.Series, kind: str, c: str, view: str) -> str:
    """An enrichment (``kind``: ``schema.ENRICHMENT``) or specificity (``schema.SPECIFICITY``) with its
    interval: ``3.10 [2.80, 3.40]``."""
    lo, hi = (row[schema.evidence(kind, c, view, bound)] for bound in schema.BOUNDS)
    return f"{num(row[schema.evidence(kind, c, view)], 2)} [{num(lo, 2)}, {num(hi, 2)}]"


def head_row(row: pd.Series) -> dict:
    """A head's numbers as the layer and head pages print them."""
    out = {
        "layer": int(row["layer"]),
        "head": int(row["head"]),
        "name": head_name(int(row["layer"]), int(row["head"])),
        "pattern": str(row[schema.PATTERN]),
        "persists": {v: _persistence_word(row, v) for v in persistence_views()},
        "persists_label": bool(row[schema.PERSISTS_LABEL]),
        "cluster": {"attention": int(row["cluster"]), "global": int(row["cluster_global"])},
        "labels": {v: str(row[schema.label(v)]) for v in views()},
        "entropy": {v: num(row[schema.entropy(v)]) for v in views()},
        "mass": {v: {c: num(row[schema.mass(c, v)]) for c in MASS_CLASSES} for v in views()},
        "evidence": {c: {v: {"enrichment": _ratio(row, schema.ENRICHMENT, c, v),
                             "specific": _ratio(row, schema.SPECIFICITY, c, v)}
                         for v in views()} for c in MASS_CLASSES},
        "pairs": {},
    }
    for pair in pair_names():
        out["pairs"][pair] = {"title": pair_title(pair), **metric_cells(row, pair)}
    return out


def metric_closeness() -> str:
    """Which way each metric (:data:`~bertstory.findings.metrics.METRICS`) reads:
    ``lower is closer: JS (bits), total variation; higher is closer: Spearman, top-1 agreement``."""
    parts = []
    for higher, word in ((False, "lower"), (True, "higher")):
        titles = [metric.title for metric in METRICS.values() if metric.higher_is_closer == higher]
        if titles:
            parts.append(f"{word} is closer: {', '.join(titles)}")
    return "; ".join(parts)


def metric_cells(row: pd.Series, name: str) -> dict[str, str]:
    """The formatted metrics of one comparison ``name`` (a view pair, a rollout method) in a
    table row: per metric (:data:`~bertstory.findings.metrics.METRICS`) its mean under its name,
    and for one with intervals ``{metric}_median`` and ``{metric}_ci``."""
    cells = {}
    for metric in METRICS.values():
        cells[metric.name] = num(row[schema.metric(metric.name, name)])
        if metric.intervals:
            median, lo, hi = (row[schema.metric(metric.name, name, suffix)] for suffix in INTERVAL_SUFFIXES)
            cells[f"{metric.name}_median"] = num(median)
            cells[f"{metric.name}_ci"] = interval(lo, hi)
    return cells


def nearest_heads(run: RunFolder) -> dict[tuple[int, int], dict[str, list[tuple[str, str]]]]:
    """Per head (layer, head) and view: the :data:`NEAREST` closest other heads by JS distance,
    as (name, distance formatted)."""
    found = frames.nearest_heads(run.table("head_distances"), NEAREST)
    return {key: {view: [(name, num(d)) for name, d in near] for view, near in views.items()}
            for key, views in found.items()}


THRESHOLDS = (
    ("threshold_positional", "label self, prev, next", "largest class mass at least"),
    ("threshold_token", "label CLS, SEP, punct", "largest class mass at least"),
    ("threshold_broad", "label broad", "otherwise, normalised entropy at least (else mixed)"),
    ("pattern_enrichment", "pattern found by enrichment", "attention enrichment at least, lower bound above 1"),
    ("pattern_specificity", "pattern found by enrichment", "attention specificity at least, lower bound above 1"),
    ("persist_enrichment", "pattern persists into a view", "enrichment in the view at least, lower bound above 1"),
    ("persist_specificity", "pattern persists specifically", "also specificity in the view at least, lower bound "
                                                               "above 1"),
    ("bootstrap_samples", "95% intervals", "bootstrap resamples of the inputs"),
)
"""Thresholds in ``findings.json`` ``config``: the setting, what it decides and the rule."""


def _setting(value) -> str:
    return str(value) if isinstance(value, int) else num(value, 2)


def thresholds(run: RunFolder) -> list[list[str]]:
    """Rows (decides, rule, value, option) of every threshold in force for this run."""
    config = run.summary().get("config", {})
    return [[decides, rule, _setting(config[key]), f"`--{key.replace('_', '-')}`"]
            for key, decides, rule in THRESHOLDS if key in config]


def pattern_story(row: pd.Series, config: dict) -> list[str]:
    """Sentences that say a head's pattern and how it fares in local and global attribution,
    with the numbers and the thresholds (``config``: ``findings.json`` ``config``) that decide."""
    pattern, label = str(row[schema.PATTERN]), str(row[schema.label("attention")])
    lower = "both lower bounds above 1"
    if pattern == NO_PATTERN:
        return [f"It has no pattern under attention: its label there is **{label}**, and no class has an enrichment "
                f"of at least {num(config['pattern_enrichment'], 2)} and a specificity of at least "
                f"{num(config['pattern_specificity'], 2)} with {lower}."]
    c = label_column(pattern)
    if label == pattern:
        threshold = config["threshold_positional" if c in POSITIONAL else "threshold_token"]
        sentences = [f"Its pattern is **{pattern}**, its label under attention (mass "
                     f"{num(row[schema.mass(c, 'attention')])} ≥ {num(threshold, 2)}; enrichment "
                     f"{_ratio(row, schema.ENRICHMENT, c, 'attention')}, specificity "
                     f"{_ratio(row, schema.SPECIFICITY, c, 'attention')})."]
    else:
        sentences = [f"Its label under attention is **{label}**, but it is enriched on **{pattern}**: enrichment "
                     f"{_ratio(row, schema.ENRICHMENT, c, 'attention')} ≥ {num(config['pattern_enrichment'], 2)} and "
                     f"specificity {_ratio(row, schema.SPECIFICITY, c, 'attention')} ≥ "
                     f"{num(config['pattern_specificity'], 2)}, {lower}: its pattern is **{pattern}**."]
    need_e, need_s = num(config["persist_enrichment"], 2), num(config["persist_specificity"], 2)
    for view in persistence_views():
        e, sp = _ratio(row, schema.ENRICHMENT, c, view), _ratio(row, schema.SPECIFICITY, c, view)
        title = view_title(view)
        if row[schema.persists_specific(view)]:
            sentences.append(f"It persists specifically into {title}: enrichment {e} ≥ {need_e} and specificity "
                             f"{sp} ≥ {need_s}, {lower}.")
        elif row[schema.persists(view)]:
            sentences.append(f"It persists into {title}, but not specifically: enrichment {e} ≥ {need_e} with its "
                             f"lower bound above 1, specificity {sp} (specifically needs ≥ {need_s}, lower bound "
                             f"above 1): its layer's other heads favour {pattern} about as much.")
        else:
            sentences.append(f"It vanishes under {title}: enrichment {e} (persisting needs ≥ {need_e}, lower bound "
                             f"above 1).")
    return sentences


def worked_example(heads: pd.DataFrame) -> pd.Series | None:
    """The head the Patterns page explains the rule with: among the heads with a pattern, one
    that persists specifically into global attribution, else one that persists, else any;
    preferring a layer above the first (where local and global attribution coincide), then the
    largest global enrichment of its pattern (ties: head order). ``None`` when no head has a
    pattern."""
    found = frames.patterned_heads(heads, "global")
    if found.empty:
        return None
    found = found.assign(rank_specific=~found["specific"], rank_persists=~found["persists"],
                         rank_first=found["layer"] == 1, rank_e=-found["E"])
    best = found.sort_values(["rank_specific", "rank_persists", "rank_first", "rank_e", "layer", "head"]).iloc[0]
    return heads[(heads["layer"] == best["layer"]) & (heads["head"] == best["head"])].iloc[0]
