"""Two runs on the same corpus compared input by input (``docs/method.md#comparing-models``).

For every input x both runs analysed, and every layer l of a run, the input's mean JS divergence
(bits) between attention and global attribution over its query rows and the layer's heads,

    js(x, l) = pair_attention_global_js[l, :].mean() / rows

from the input's statistics (:func:`bertstory.findings.store.load_statistics`,
``docs/results.md#stats``). Layers are matched by depth: each layer k = 1 … L_s of the run with
fewer layers is matched to layer ⌈k · L_d / L_s⌉ of the other (the same layer when L is equal,
the last with the last). Per matched pair of layers, and for the
mean over all of each run's layers, the paired difference d(x) = js_B(x) − js_A(x) is summarised
by its mean over inputs, the 2.5th/97.5th percentiles of that mean over seeded bootstrap resamples
of the inputs (:func:`bertstory.findings.resampling.resampled`), and the fraction of inputs
with d(x) > 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bertstory.findings.resampling import percentile_interval, resampled
from bertstory.findings.store import load_statistics
from bertstory.maps import pair_names
from bertstory.report.compare.runs import ComparedRun
from bertstory.results.map_sample import is_pair

PAIR = "attention_global"
"""The pair of views compared input by input."""
ALL_LAYERS = 0
"""``layer_a``/``layer_b`` of the row that compares the mean over all of each run's layers."""


@dataclass(frozen=True)
class Corpora:
    """Whether two runs analysed the same corpus (``same``) and the ids of the inputs both runs'
    tables cover with the same text and text pair, in the first run's order (``paired_ids``;
    empty for different corpora)."""

    same: bool
    paired_ids: tuple[str, ...]


def _listed(run: ComparedRun) -> list[tuple[str, str, str | None]]:
    inputs = run.run.inputs
    return [(str(i), str(t), p if is_pair(p) else None)
            for i, t, p in zip(inputs["id"], inputs["text"], inputs["text_pair"])]


def corpora(a: ComparedRun, b: ComparedRun) -> Corpora:
    """The same corpus when ``run.json`` ``corpus.content_hash`` is equal, or when both runs list the
    same inputs (ids, texts and text pairs, in order) in ``inputs.jsonl``; the paired inputs are then
    those both runs' tables cover whose id, text and text pair agree."""
    listed_a, listed_b = _listed(a), _listed(b)
    same = a.run.record.corpus.content_hash == b.run.record.corpus.content_hash or listed_a == listed_b
    if not same:
        return Corpora(same=False, paired_ids=())
    covered_b = set(b.run.analysed_inputs()[0]["id"])
    texts_b = {row[0]: row for row in listed_b}
    covered_a = a.run.analysed_inputs()[0]["id"]
    by_id_a = {row[0]: row for row in listed_a}
    ids = tuple(i for i in covered_a if i in covered_b and texts_b.get(i) == by_id_a[i])
    return Corpora(same=True, paired_ids=ids)


def input_layer_js(run: ComparedRun, ids: tuple[str, ...]) -> np.ndarray:
    """``(len(ids), L)`` float64: js(x, l), each input's mean JS (bits) of attention vs global
    attribution over its query rows and the layer's heads, from its statistics file."""
    p = pair_names().index(PAIR)
    out = np.empty((len(ids), run.num_layers))
    for k, input_id in enumerate(ids):
        stats = load_statistics(run.run, input_id)
        out[k] = stats.pair.sums["js"][p].mean(axis=-1) / float(stats.rows)
    return out


def matched_layers(num_layers_a: int, num_layers_b: int) -> list[tuple[int, int]]:
    """1-based ``(layer of A, layer of B)`` pairs at the same depth: each layer k of the run with
    fewer layers, with layer ⌈k · L_deeper / L_fewer⌉ of the other."""
    fewer, deeper = min(num_layers_a, num_layers_b), max(num_layers_a, num_layers_b)
    pairs = [(k, -(-k * deeper // fewer)) for k in range(1, fewer + 1)]
    return pairs if num_layers_a <= num_layers_b else [(d, k) for k, d in pairs]


def paired_differences(a: ComparedRun, b: ComparedRun, ids: tuple[str, ...], samples: int,
                       seed: int) -> pd.DataFrame:
    """One row per matched pair of layers, then one for all layers (``layer_a`` = ``layer_b`` =
    :data:`ALL_LAYERS`): ``layer_a``, ``layer_b``, ``depth`` (layer_a / L_A; 1 for all layers),
    ``js_a``, ``js_b`` (means over the paired inputs), ``difference`` (mean of js_B − js_A), ``lo``,
    ``hi`` (its bootstrap 95% interval over ``samples`` resamples seeded by ``seed``) and
    ``b_higher`` (fraction of inputs with js_B > js_A); ``n_inputs`` the paired inputs."""
    js_a, js_b = input_layer_js(a, ids), input_layer_js(b, ids)
    pairs = matched_layers(a.num_layers, b.num_layers)
    columns_a = [js_a[:, la - 1] for la, _ in pairs] + [js_a.mean(axis=1)]
    columns_b = [js_b[:, lb - 1] for _, lb in pairs] + [js_b.mean(axis=1)]
    values_a, values_b = np.stack(columns_a, axis=1), np.stack(columns_b, axis=1)  # (N, pairs + 1)
    difference = values_b - values_a
    n = len(ids)
    (boots,) = resampled(n, samples, seed, lambda weights: [weights @ difference / n])
    lo, hi = percentile_interval(boots)
    labels = [*pairs, (ALL_LAYERS, ALL_LAYERS)]
    return pd.DataFrame({
        "layer_a": [la for la, _ in labels], "layer_b": [lb for _, lb in labels],
        "depth": [la / a.num_layers if la else 1.0 for la, _ in labels],
        "js_a": values_a.mean(axis=0), "js_b": values_b.mean(axis=0),
        "difference": difference.mean(axis=0), "lo": lo, "hi": hi,
        "b_higher": (difference > 0).mean(axis=0), "n_inputs": n,
    })
