"""Key findings as sentences, every number taken from the findings tables.

Each function returns Markdown text whose wording follows the numbers (which view is
closer, whether a share rises or falls), so no sentence claims more than its table says.
Layers and heads are 1-based; links are relative to the Overview (``docs/generated/index.md``).
"""

from __future__ import annotations

import pandas as pd

from bertstory.findings.persistence import NO_PATTERN, PATTERN_CLASSES
from bertstory.findings.schema import ESTIMATOR_TABLE
from bertstory.report import faithfulness, frames
from bertstory.report.markdown import num, pct
from bertstory.report.naming import class_names, ClassNames, head_name, label_order, view_title
from bertstory.results import RunFolder


def _head_link(layer: int, head: int) -> str:
    name = head_name(layer, head)
    return f"[{name}](heads/{name}.md)"


def _trend(first: float, last: float, up: str, down: str, level: str) -> str:
    """``up``/``down``/``level`` as ``last`` compares with ``first`` at the precision the page prints."""
    if num(first) == num(last):
        return level
    return up if last > first else down


def divergence(heads: pd.DataFrame) -> str:
    """Attention vs local and vs global attribution over all heads (median of head means)."""
    local, glob = heads["js_attention_local"].median(), heads["js_attention_global"].median()
    if num(local) == num(glob):
        claim = "attention is as close to local as to global attribution"
    else:
        claim = f"attention is closer to **{'local' if local < glob else 'global'} attribution**"
    return (
        f"Over all {len(heads)} heads, {claim}: the median JS divergence of attention vs local attribution is "
        f"{num(local)} bits, vs global attribution {num(glob)} bits."
    )


def parting(layers: pd.DataFrame) -> str:
    """Where attention and global attribution part ways: per-layer gap of median JS."""
    summary = frames.layer_summary(layers).set_index("layer")
    gap = summary["js_attention_global_median"] - summary["js_attention_local_median"]
    top = int(gap.idxmax())
    first, last = int(summary.index.min()), int(summary.index.max())
    text = (
        f"The gap is largest in layer {top}: there the median JS of attention vs global attribution is "
        f"{num(summary.loc[top, 'js_attention_global_median'])}, against "
        f"{num(summary.loc[top, 'js_attention_local_median'])} vs local attribution."
    )
    if last > first:
        trend = _trend(gap[first], gap[last], "widens", "narrows", "stays level")
        text += (
            f" From layer {first} to layer {last} the gap {trend} "
            f"({num(gap[first])} → {num(gap[last])} bits)."
        )
    return text


def extremes(heads: pd.DataFrame) -> str:
    """The heads whose attention is furthest from and closest to their global attribution."""
    ranked = heads.sort_values(["js_attention_global", "layer", "head"])
    low, high = ranked.iloc[0], ranked.iloc[-1]
    return (
        f"Attention misdescribes {_head_link(int(high['layer']), int(high['head']))} most "
        f"(JS vs global attribution {num(high['js_attention_global'])}) and "
        f"{_head_link(int(low['layer']), int(low['head']))} least ({num(low['js_attention_global'])})."
    )


def label_persistence(heads: pd.DataFrame, transitions: pd.DataFrame) -> str:
    """The label rule's view: how many heads keep their attention label under global
    attribution, overall and per label (``persists_label``, the ``transitions`` table)."""
    kept = int(heads["persists_label"].sum())
    by_class = frames.label_kept_by_class(transitions)
    parts = [f"{label} {int(r.persist)}/{int(r.heads)}" for label, r in by_class.iterrows()]
    return (
        f"By the label rule alone, {kept} of {len(heads)} heads ({pct(kept / len(heads))}) keep their attention "
        f"label under global attribution (by attention label: {', '.join(parts)})."
    )


def _times(value: float) -> str:
    """An enrichment or specificity: ``3.10×``."""
    return f"{num(value, 2)}×"


def _bounds(lo: float, hi: float) -> str:
    return f"[{num(lo, 2)}, {num(hi, 2)}]"


def _evidence(group: pd.DataFrame) -> str:
    """The enrichment of a group of heads' pattern in one view (rows of
    :func:`~bertstory.report.frames.patterned_heads`): the head and its interval for one head,
    the median and the span of the intervals for several."""
    if len(group) == 1:
        row = group.iloc[0]
        return (f"{_head_link(int(row['layer']), int(row['head']))}: enrichment {_times(row['E'])}, "
                f"95% interval {_bounds(row['E_lo'], row['E_hi'])}")
    return (f"enrichment median {_times(group['E'].median())}, 95% intervals within "
            f"{_bounds(group['E_lo'].min(), group['E_hi'].max())}")


def patterns_found(heads: pd.DataFrame, names: ClassNames) -> str:
    """How many heads have a pattern under attention, by class (named by the run's ``names``), and
    how many of the patterns are found by enrichment rather than by the label."""
    found = heads[heads["pattern"] != NO_PATTERN]
    if found.empty:
        return (f"None of the {len(heads)} heads has a pattern under attention: no class label, and no class "
                "enriched enough over chance and over its layer's heads.")
    counts = found["pattern"].value_counts()
    titles = names.markdown_patterns
    listed = ", ".join(f"{titles[c]} {int(counts[c])}" for c in PATTERN_CLASSES if c in counts)
    text = f"{len(found)} of {len(heads)} heads have a pattern under attention ({listed})"
    by_enrichment = int((found["label_attention"] != found["pattern"]).sum())
    if by_enrichment:
        text += (f"; {by_enrichment} of them {'is' if by_enrichment == 1 else 'are'} labelled broad or mixed and "
                 "found by enrichment")
    return text + "."


def pattern_fates(heads: pd.DataFrame, view: str, names: ClassNames) -> str:
    """Per pattern class (named by the run's ``names``), in how many of its heads the pattern
    persists into ``view`` (local or global attribution), how many of those specifically, and in
    how many it vanishes, with the enrichment in ``view`` of each group."""
    found = frames.patterned_heads(heads, view)
    title = view_title(view)
    if found.empty:
        return f"No head has a pattern under attention, so none persists into {title}."
    parts, titles = [], names.markdown_patterns
    for name in names.pattern_classes:
        group = found[found["pattern"] == name]
        if group.empty:
            continue
        kept, lost = group[group["persists"]], group[~group["persists"]]
        n = len(group)
        heads_word = "head" if n == 1 else "heads"
        if len(kept):
            specific = int(kept["specific"].sum())
            how = (("specifically" if specific else "not specifically") if len(kept) == 1
                   else f"{specific} of them specifically")
            text = (f"{titles[name]} patterns persist into {title} in {len(kept)} of {n} {heads_word} "
                    f"({how}; {_evidence(kept)})")
            if len(lost):
                text += f" and vanish in {len(lost)} ({_evidence(lost)})"
        else:
            text = f"{titles[name]} patterns vanish under {title} in {n} of {n} {heads_word} ({_evidence(lost)})"
        parts.append(text)
    sentence = "; ".join(parts) + "."
    return sentence[0].upper() + sentence[1:]


def mass_correlation(heads: pd.DataFrame, table: pd.DataFrame, names: ClassNames) -> str | None:
    """For the most common pattern class (named by the run's ``names``): the range over layers of the across-heads Spearman
    correlation of attention mass with global-attribution mass, and in how many layers its
    95% interval excludes 0; ``None`` when no head has a pattern or the correlation is undefined."""
    counts = heads.loc[heads["pattern"] != NO_PATTERN, "pattern"].value_counts()
    if counts.empty:
        return None
    name = max(counts.index, key=lambda c: (counts[c], -PATTERN_CLASSES.index(c)))
    curve = frames.spearman_curves(table, "global")
    curve = curve[(curve["class"] == name) & curve["rho"].notna()]
    if curve.empty:
        return None
    low, high = curve.loc[curve["rho"].idxmin()], curve.loc[curve["rho"].idxmax()]
    excludes = int(((curve["lo"] > 0) | (curve["hi"] < 0)).sum())
    return (
        f"Across the heads of a layer, attention mass and global-attribution mass on the {names.markdown_patterns[name]} "
        f"class correlate with Spearman ρ from {num(low['rho'])} (layer {int(low['layer'])}) to "
        f"{num(high['rho'])} (layer {int(high['layer'])}); the 95% interval excludes 0 in {excludes} of "
        f"{len(curve)} layers."
    )


def labels(heads: pd.DataFrame) -> str:
    """The most common label under attention and under global attribution."""
    def top(view: str) -> tuple[str, int]:
        counts = heads[f"label_{view}"].value_counts()
        order = label_order(counts.index)
        best = max(order, key=lambda label: (counts[label], -order.index(label)))
        return best, int(counts[best])

    (a, na), (g, ng) = top("attention"), top("global")
    return (
        f"The most common pattern is **{a}** under attention ({na} heads) and **{g}** under global "
        f"attribution ({ng} heads)."
    )


def mixing(layers: pd.DataFrame) -> str:
    """How the own-token share of token contribution changes with depth."""
    mix = frames.mixing(layers).set_index("layer")
    first, last = int(mix.index.min()), int(mix.index.max())
    a, b = mix.loc[first, "own_share_median"], mix.loc[last, "own_share_median"]
    text = f"After layer {first}, the median own-token share of token contribution is {num(a)}"
    if last > first:
        trend = _trend(a, b, "rises", "falls", "stays")
        text += f"; it {trend} {'at' if trend == 'stays' else 'to'} {num(b)} after layer {last}"
    return text + (
        f", where {pct(mix.loc[last, 'own_top1_fraction'])} of outputs still have their own token as the largest contributor."
    )


def rollout(table: pd.DataFrame) -> str:
    """Whether attention rollout tracks token contribution better than raw attention (JS per layer)."""
    wide = frames.rollout(table).pivot(index="layer", columns="method", values="js")
    better = int((wide["rollout"] < wide["attention"]).sum())
    last = int(wide.index.max())
    return (
        f"Attention rollout is closer to token contribution than raw head-averaged attention in {better} of "
        f"{len(wide)} layers (JS in layer {last}: rollout {num(wide.loc[last, 'rollout'])}, raw attention "
        f"{num(wide.loc[last, 'attention'])})."
    )


def estimator(errors: pd.DataFrame, k: int | None) -> str:
    """The measured error of the probe estimator against ``exact``: at the run's ``k`` (or
    the largest K measured below d) per map, and how it changes over the Ks measured."""
    by_view = errors.groupby(["probes", "view"], sort=False)["tv"].mean()
    by_k = by_view.groupby(level="probes").mean()
    shown = k if k in by_k.index else int(by_k.index.max())
    at_k = errors[errors["probes"] == shown]
    views = ", ".join(f"{view} {num(value)}" for view, value in by_view[shown].items())
    rows = at_k.groupby("view", sort=False).size()
    text = (
        f"With K = {shown} probes, the estimate differs from the exact computation by a mean total variation per "
        f"row of {views} (largest entry error {num(at_k['max_abs_error'].max())}; "
        f"{', '.join(f'{count} {view}' for view, count in rows.items())} rows of {at_k['input_id'].nunique()} inputs)."
    )
    if len(by_k) > 1:
        low, high = int(by_k.index.min()), int(by_k.index.max())
        text += (
            f" Averaged over maps, it {_trend(by_k[low], by_k[high], 'grows', 'shrinks', 'stays')} from "
            f"{num(by_k[low])} at K = {low} to {num(by_k[high])} at K = {high}."
        )
    return text


def key_findings(run: RunFolder) -> list[str]:
    """All key findings of the Overview, in reading order. Which patterns persist is the Overview's
    table (:func:`bertstory.report.context.pattern_fates`), in sentences on the Patterns page."""
    heads = run.table("heads")
    names = class_names(run.record)
    found = [
        divergence(heads),
        parting(run.table("layers")),
        extremes(heads),
        labels(heads),
        patterns_found(heads, names),
    ]
    correlation = mass_correlation(heads, run.table("persistence"), names)
    if correlation is not None:
        found.append(correlation)
    found += [mixing(run.table("layers")), rollout(run.table("rollout"))]
    faithful = run.optional_table(faithfulness.FAITHFULNESS_LAYERS_TABLE)
    found += [faithfulness.NOT_MEASURED] if faithful is None else faithfulness.overview_sentences(faithful)
    errors = run.optional_table(ESTIMATOR_TABLE)
    if errors is not None:
        found.append(estimator(errors, run.record.settings.probes))
    return found
