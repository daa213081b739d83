"""Fabricate a results directory with findings tables, following docs/results.md column by
column, so the report can be tested fast and at any size without a model.

The numbers are random but consistent (labels and persistence agree, intervals contain
medians, maps are row-stochastic); seeded, so the same arguments give the same files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

VIEWS = ("attention", "local", "global")
PAIRS = ("attention_local", "attention_global", "local_global")
CLASSES = ("cls", "sep", "punct", "period", "comma", "self", "prev", "next")
LABELS = ("CLS", "SEP", "punct", "self", "prev", "next", "broad", "mixed")
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


def _write_table(tables: Path, name: str, frame: pd.DataFrame) -> None:
    frame.to_csv(tables / f"{name}.csv", index=False)
    frame.to_parquet(tables / f"{name}.parquet", index=False)


def make_results(
    root: Path, num_layers: int = 2, num_heads: int = 2, n_inputs: int = 6, estimator: str = "probes", seed: int = 0
) -> Path:
    """Write a complete synthetic run under ``root`` and return its directory."""
    rng = np.random.default_rng(seed)
    L, H = num_layers, num_heads
    run_id = f"tiny-bert-{seed:012x}"
    run_dir = Path(root) / run_id
    (run_dir / "maps").mkdir(parents=True)
    tables = run_dir / "tables"
    tables.mkdir()

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
        np.savez(
            run_dir / "maps" / f"{input_id}.npz",
            attention=_stochastic(rng, (L, H, n, n)),
            local=_stochastic(rng, (L, H, n, n)),
            **{"global": _stochastic(rng, (L, H, n, n))},
            contribution=_stochastic(rng, (L, n, n)),
            tokens=np.array(tokens),
        )
    (run_dir / "inputs.jsonl").write_text("".join(json.dumps(i) + "\n" for i in inputs), encoding="utf-8")

    k = 8 if estimator == "probes" else None
    run = {
        "bertstory_version": "0.1.0",
        "run_id": run_id,
        "settings": {
            "model": "/tmp/tiny-bert",
            "corpus": "builtin",
            "text_column": None,
            "pair_column": None,
            "estimator": estimator,
            "probes": k,
            "seed": seed,
            "max_tokens": 128,
            "max_inputs": n_inputs,
        },
        "model": {
            "name_or_path": "/tmp/tiny-bert",
            "revision": "0123456789abcdef",
            "model_type": "bert",
            "num_layers": L,
            "num_heads": H,
            "hidden_size": 16,
            "max_positions": 64,
        },
        "corpus": {
            "source": "builtin",
            "content_hash": "f" * 64,
            "n_available": 200,
            "n_selected": n_inputs,
            "n_skipped_too_long": 0,
        },
        "special_tokens": {"cls": "[CLS]", "sep": "[SEP]"},
        "device": "cpu",
        "dtype": "float32",
        "versions": {"python": "3.11.7", "torch": "2.13.0", "transformers": "5.24.0", "numpy": "2.4.6"},
        "started": "2025-01-01T00:00:00+00:00",
        "finished": "2025-01-01T00:01:40+00:00",
        "status": "complete",
        "n_inputs": n_inputs,
        "n_tokens": n_tokens,
        "seconds": 100.0,
    }
    (run_dir / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")

    rows = []
    for layer in range(1, L + 1):
        for head in range(1, H + 1):
            row: dict = {"layer": layer, "head": head, "n_inputs": n_inputs, "n_queries": n_tokens}
            for v in VIEWS:
                masses = rng.dirichlet(np.full(6, 0.5))
                for c, m in zip(("cls", "sep", "punct", "self", "prev", "next"), masses):
                    row[f"mass_{c}_{v}"] = float(m)
                row[f"mass_period_{v}"] = row[f"mass_punct_{v}"] * 0.6
                row[f"mass_comma_{v}"] = row[f"mass_punct_{v}"] * 0.3
                row[f"entropy_{v}"] = float(rng.uniform(0.2, 1.0))
                row[f"label_{v}"] = str(rng.choice(LABELS))
            for pair in PAIRS:
                js = float(rng.uniform(0.0, 0.2) + (0.1 * layer / L if "global" in pair else 0.0))
                row[f"js_{pair}"] = js
                row[f"tv_{pair}"] = min(1.0, js * 1.5)
                row[f"spearman_{pair}"] = float(rng.uniform(-0.2, 1.0))
                row[f"top1_{pair}"] = float(rng.uniform(0.0, 1.0))
                row[f"js_{pair}_median"] = js * 0.95
                row[f"js_{pair}_lo"] = js * 0.8
                row[f"js_{pair}_hi"] = js * 1.2
            row["persists"] = row["label_attention"] == row["label_global"]
            row["cluster"] = int(rng.integers(0, 4))
            rows.append(row)
    heads = pd.DataFrame(rows)

    heads["cluster_global"] = rng.integers(1, 5, size=len(heads))
    heads["cluster"] = heads["cluster"] + 1
    _write_table(tables, "heads", heads)

    metrics = [c for c in heads.columns if c.startswith(("mass_", "entropy_", "js_", "tv_", "spearman_", "top1_"))
               and not c.endswith(("_median", "_lo", "_hi"))]
    layer_rows = []
    for layer in range(1, L + 1):
        sub = heads[heads.layer == layer]
        share = float(0.8 * (1 - layer / (L + 1)) + 0.05)
        row = {"layer": layer, "n_heads": H, "n_inputs": n_inputs, "n_queries": n_tokens}
        for m in metrics:
            row[f"{m}_mean"] = sub[m].mean()
            row[f"{m}_median"] = sub[m].median()
        for v in VIEWS:
            for label in LABELS:
                row[f"heads_{label.lower()}_{v}"] = int((sub[f"label_{v}"] == label).sum())
        row.update(
            persists_fraction=sub["persists"].mean(), own_share_mean=share, own_share_median=share,
            own_share_q25=share * 0.8, own_share_q75=min(1.0, share * 1.2), own_share_iqr=min(1.0, share * 1.2) - share * 0.8,
            own_top1_fraction=min(1.0, share + 0.1),
        )
        layer_rows.append(row)
    _write_table(tables, "layers", pd.DataFrame(layer_rows))

    transition_rows = []
    for scope, layer, sub in [("all", pd.NA, heads)] + [("layer", l, heads[heads.layer == l]) for l in range(1, L + 1)]:
        for a in LABELS:
            total = int((sub["label_attention"] == a).sum())
            for g in LABELS:
                count = int(((sub["label_attention"] == a) & (sub["label_global"] == g)).sum())
                transition_rows.append({"scope": scope, "layer": layer, "label_attention": a, "label_global": g,
                                        "count": count, "share": count / total if total else np.nan})
    _write_table(tables, "transitions", pd.DataFrame(transition_rows).astype({"layer": "Int64"}))

    rollout_rows = []
    for layer in range(1, L + 1):
        row = {"layer": layer, "n_inputs": n_inputs, "n_queries": n_tokens}
        for method in ("rollout", "attention"):
            js = float(rng.uniform(0.05, 0.5))
            row.update({f"js_{method}": js, f"tv_{method}": float(rng.uniform(0.1, 0.7)),
                        f"spearman_{method}": float(rng.uniform(0.0, 1.0)), f"top1_{method}": float(rng.uniform(0.0, 1.0)),
                        f"js_{method}_median": js * 0.95, f"js_{method}_lo": js * 0.8, f"js_{method}_hi": js * 1.2})
        rollout_rows.append(row)
    _write_table(tables, "rollout", pd.DataFrame(rollout_rows))

    position_rows = []
    for layer in range(1, L + 1):
        for head in range(1, H + 1):
            for v in VIEWS:
                masses = rng.dirichlet(np.full(11, 0.4)) * rng.uniform(0.5, 1.0)
                position_rows += [
                    {"layer": layer, "head": head, "view": v, "offset": o, "mass": float(m), "n_queries": n_tokens}
                    for o, m in zip(range(-5, 6), masses)
                ]
    _write_table(tables, "positions", pd.DataFrame(position_rows))

    embedding_rows = [
        {"view": v, "layer": layer, "head": head, "x": float(rng.normal()), "y": float(rng.normal()),
         "cluster": int(rng.integers(1, 5))}
        for v in ("attention", "global")
        for layer in range(1, L + 1)
        for head in range(1, H + 1)
    ]
    embedding = pd.DataFrame(embedding_rows)
    _write_table(tables, "head_embedding", embedding)

    distance_rows = []
    for v, part in embedding.groupby("view"):
        xy = part[["x", "y"]].to_numpy()
        keys = list(zip(part["layer"], part["head"]))
        for a, (la, ha) in enumerate(keys):
            for b, (lb, hb) in enumerate(keys):
                distance_rows.append({"view": v, "layer_a": la, "head_a": ha, "layer_b": lb, "head_b": hb,
                                      "js": float(np.linalg.norm(xy[a] - xy[b]) / 10)})
    _write_table(tables, "head_distances", pd.DataFrame(distance_rows))

    findings = {
        "config": {"threshold_positional": 0.5, "threshold_token": 0.6, "threshold_broad": 0.8,
                   "bootstrap_samples": 1000, "seed": seed, "max_offset": 5, "n_clusters": 6},
        "estimator": estimator, "probes": 8 if estimator == "probes" else None,
        "n_inputs": n_inputs, "n_queries": n_tokens, "mds_stress": {"attention": 0.1, "global": 0.1},
    }
    (tables / "findings.json").write_text(json.dumps(findings, indent=2), encoding="utf-8")

    if estimator == "probes":
        error_rows = [
            {
                "input_id": inputs[i]["id"],
                "n_tokens": len(inputs[i]["tokens"]),
                "view": view,
                "probes": k,
                "mean_tv": float(rng.uniform(0.01, 0.1)),
                "max_abs_error": float(rng.uniform(0.05, 0.3)),
            }
            for i in range(min(3, n_inputs))
            for view in ("local", "global", "contribution")
        ]
        _write_table(tables, "estimator_error", pd.DataFrame(error_rows))
    return run_dir
