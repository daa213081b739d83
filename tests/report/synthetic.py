"""Fabricate a results directory without a model: random row-stochastic maps of short
sentences and pairs, the findings tables computed from them by ``write_findings``, and an
``estimator_error`` table, so the report can be tested fast and at any size.

Two heads are planted so that the pattern sentences have something to say: L1-H1 attends to
the previous token and its global attribution still favours it (the pattern persists); L2-H2
(when the run has one) attends to [CLS] while its global attribution is random (it vanishes).

The ``faithfulness`` and ``faithfulness_layers`` tables are planted too (:func:`faithfulness_tables`):
attention's agreement with global ablation falls linearly with depth, global attribution's stays level.

Seeded: the same arguments give the same files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from bertstory.findings import FindingsConfig, write_findings
from bertstory.results import CorpusInfo, ModelInfo, RunFolder, RunRecord, RunSettings, SpecialTokens

WORDS = ("the", "cat", "sat", "on", "mat", "##s", "a", "dog", "ran", "42", "quick", "##ly", "bank", "river")


def _tokens(rng: np.random.Generator, pair: bool) -> list[str]:
    def sentence() -> list[str]:
        body = list(rng.choice(WORDS, size=int(rng.integers(3, 7))))
        if rng.random() < 0.5:
            body.insert(int(rng.integers(1, len(body))), ",")
        return body + ["."]

    tokens = ["[CLS]", *sentence(), "[SEP]"]
    if pair:
        tokens += [*sentence(), "[SEP]"]
    return tokens


def _stochastic(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    x = rng.gamma(0.3, size=shape).astype(np.float32) + 1e-6
    return (x / x.sum(axis=-1, keepdims=True)).astype(np.float32)


def _plant(maps: np.ndarray, layer: int, head: int, key_of_row, weight: float) -> None:
    """Move ``weight`` of each row of head (layer, head) onto key ``key_of_row(j)`` (rows with a key)."""
    n = maps.shape[-1]
    for j in range(n):
        key = key_of_row(j)
        if key is not None:
            row = maps[layer, head, j] * (1 - weight)
            row[key] += weight
            maps[layer, head, j] = row


HEAD_VIEWS = ("attention", "local", "global", "attention_norm")
LAYER_VIEWS = ("contribution", "rollout", "value_zeroing", "value_zeroing_rollout")
PLANTED_RHO = {"attention": (0.7, 0.2), "local": (0.45, 0.45), "global": (0.6, 0.6), "attention_norm": (0.65, 0.35),
               "contribution": (0.5, 0.4), "rollout": (0.3, 0.1), "value_zeroing": (0.6, 0.5),
               "value_zeroing_rollout": (0.4, 0.3)}
"""Planted Spearman ρ of each view with its ground truth in the first and the last layer (linear between)."""
HALF_WIDTH = 0.05
"""Half the width of every planted 95% interval."""


def faithfulness_tables(num_layers: int, num_heads: int, rho: dict[str, tuple[float, float]] = PLANTED_RHO,
                        seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``faithfulness`` (per head and view against global and local ablation, per layer and view against
    hidden-state ablation; ρ per ``rho`` — first and last layer, linear between — plus small per-head noise)
    and ``faithfulness_layers`` (the median over each layer's heads, interval ± :data:`HALF_WIDTH`)."""
    rng = np.random.default_rng(seed)
    rows = []

    def row(layer, head, view, truth, value):
        return {"layer": layer, "head": head, "view": view, "ground_truth": truth, "spearman": value,
                "spearman_lo": value - HALF_WIDTH, "spearman_hi": value + HALF_WIDTH, "js": 1 - value,
                "js_lo": 1 - value - HALF_WIDTH, "js_hi": 1 - value + HALF_WIDTH, "top1": (1 + value) / 2,
                "n_rows": int(rng.integers(20, 40))}

    for layer in range(1, num_layers + 1):
        depth = (layer - 1) / max(num_layers - 1, 1)
        planted = {view: first + depth * (last - first) for view, (first, last) in rho.items()}
        for truth in ("ablation_global", "ablation_local"):
            for head in range(1, num_heads + 1):
                rows += [row(layer, head, view, truth, planted[view] + float(rng.uniform(-0.01, 0.01)))
                         for view in HEAD_VIEWS]
        rows += [row(layer, None, view, "ablation_hidden", planted[view]) for view in LAYER_VIEWS]
    table = pd.DataFrame(rows).astype({"layer": "int64", "head": "Int64", "n_rows": "int64"})
    grouped = table.groupby(["layer", "view", "ground_truth"], sort=False)
    layers = grouped.agg(n_heads=("spearman", "size"), spearman_median=("spearman", "median"),
                         js_median=("js", "median"), top1_median=("top1", "median")).reset_index()
    layers.insert(5, "spearman_median_lo", layers["spearman_median"] - HALF_WIDTH)
    layers.insert(6, "spearman_median_hi", layers["spearman_median"] + HALF_WIDTH)
    return table, layers.astype({"n_heads": "int64"})


def make_results(
    root: Path, num_layers: int = 2, num_heads: int = 2, n_inputs: int = 6, estimator: str = "probes", seed: int = 0,
    faithfulness: bool = True,
) -> Path:
    """Write a complete synthetic run under ``root`` and return its directory (without the faithfulness
    tables unless ``faithfulness``)."""
    rng = np.random.default_rng(seed)
    L, H = num_layers, num_heads
    run_id = f"tiny-bert-{seed:012x}"
    run_dir = Path(root) / run_id
    (run_dir / "maps").mkdir(parents=True)

    inputs = []
    n_tokens = 0
    for k in range(n_inputs):
        tokens = _tokens(rng, pair=k % 3 == 2)
        n = len(tokens)
        n_tokens += n
        input_id = f"{k:05d}"
        words = [t for t in tokens if t != "[CLS]"]
        first = " ".join(words[: words.index("[SEP]")])
        second = " ".join(words[words.index("[SEP]") + 1: -1]) or None
        inputs.append({"id": input_id, "text": first, "text_pair": second, "tokens": tokens})
        attention, local, global_ = (_stochastic(rng, (L, H, n, n)) for _ in range(3))
        previous = lambda j: j - 1 if j >= 1 else None  # noqa: E731
        _plant(attention, 0, 0, previous, 0.9)
        _plant(global_, 0, 0, previous, 0.5)
        if L > 1 and H > 1:
            _plant(attention, 1, 1, lambda j: 0, 0.9)
        np.savez(
            run_dir / "maps" / f"{input_id}.npz",
            attention=attention, local=local, **{"global": global_},
            contribution=_stochastic(rng, (L, n, n)),
            tokens=np.array(tokens),
        )
    (run_dir / "inputs.jsonl").write_text("".join(json.dumps(i) + "\n" for i in inputs), encoding="utf-8")

    record = RunRecord(
        bertstory_version="0.1.0", run_id=run_id,
        settings=RunSettings(model="/tmp/tiny-bert", corpus="builtin", text_column="text", pair_column=None,
                             estimator=estimator, probes=8 if estimator == "probes" else None, seed=seed,
                             max_tokens=128, max_inputs=n_inputs),
        model=ModelInfo(name_or_path="/tmp/tiny-bert", revision="0123456789abcdef", model_type="bert",
                        num_layers=L, num_heads=H, hidden_size=16, max_positions=64),
        corpus=CorpusInfo(source="builtin", content_hash="f" * 64, n_available=200, n_selected=n_inputs),
        special_tokens=SpecialTokens(cls="[CLS]", sep="[SEP]"),
        device="cpu", dtype="float32",
        versions={"python": "3.11.7", "torch": "2.13.0", "transformers": "5.24.0", "numpy": "2.4.6"},
        started="2025-01-01T00:00:00+00:00", finished="2025-01-01T00:01:40+00:00", status="complete",
        n_inputs=n_inputs, n_tokens=n_tokens, seconds=100.0,
    )
    folder = RunFolder(run_dir)
    folder.write_record(record)
    write_findings(folder, FindingsConfig(bootstrap_samples=50))
    if faithfulness:
        table, layers = faithfulness_tables(L, H, seed=seed)
        folder.write_table("faithfulness", table)
        folder.write_table("faithfulness_layers", layers)

    if estimator == "probes":
        k = record.settings.probes
        error_rows = [
            {
                "input_id": inputs[i]["id"],
                "n_tokens": len(inputs[i]["tokens"]),
                "view": view,
                "layer": 1,
                "head": None if view == "contribution" else 1,
                "query": 0,
                "probes": k,
                "tv": float(rng.uniform(0.01, 0.1)),
                "max_abs_error": float(rng.uniform(0.05, 0.3)),
            }
            for i in range(min(3, n_inputs))
            for view in ("local", "global", "contribution")
        ]
        folder.write_table("estimator_error", pd.DataFrame(error_rows))
    return run_dir
