"""Hand-made results directories that follow docs/results.md, for findings tests.

Tests reach the helpers through the ``runs`` fixture (``runs.write(...)``,
``runs.random(...)``) rather than importing this module, so that other test folders'
conftest files cannot shadow it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

WORDS = ["the", "cat", "sat", "on", "##s", "mat", "dog", "ran", "Ġhome", "▁it"]
PUNCT = [".", ",", "!", "##.", "?"]


def write_run(
    run_dir: Path,
    inputs: Sequence[dict],
    num_layers: int,
    num_heads: int,
    cls: str = "[CLS]",
    sep: str = "[SEP]",
    seed: int = 0,
) -> Path:
    """Write a results directory from explicit arrays.

    Each input is a dict with ``tokens`` (list of str) and the maps ``attention``,
    ``local``, ``global`` (L, H, n, n) and ``contribution`` (L, n, n); ``local``,
    ``global`` default to ``attention`` and ``contribution`` to the head average. An
    optional ``id`` names the map (default ``in-0000``…).
    """
    run_dir = Path(run_dir)
    (run_dir / "maps").mkdir(parents=True, exist_ok=True)
    run = {
        "bertstory_version": "test",
        "run_id": run_dir.name,
        "settings": {"model": "synthetic", "corpus": "synthetic", "text_column": "text", "pair_column": None,
                     "estimator": "exact", "probes": None, "seed": seed, "max_tokens": 128, "max_inputs": None},
        "model": {"name_or_path": "synthetic", "revision": "0" * 16, "model_type": "bert",
                  "num_layers": num_layers, "num_heads": num_heads, "hidden_size": 8 * num_heads,
                  "max_positions": 512},
        "corpus": {"source": "synthetic", "content_hash": "0" * 64, "n_available": len(inputs),
                   "n_selected": len(inputs), "n_skipped_too_long": 0},
        "special_tokens": {"cls": cls, "sep": sep},
        "status": "complete", "n_inputs": len(inputs),
    }
    (run_dir / "run.json").write_text(json.dumps(run, indent=2))
    lines = []
    for index, item in enumerate(inputs):
        input_id = item.get("id", f"in-{index:04d}")
        attention = np.asarray(item["attention"], dtype=np.float32)
        local = np.asarray(item.get("local", attention), dtype=np.float32)
        global_ = np.asarray(item.get("global", attention), dtype=np.float32)
        contribution = np.asarray(item.get("contribution", attention.mean(axis=1)), dtype=np.float32)
        np.savez(run_dir / "maps" / f"{input_id}.npz", attention=attention, local=local,
                 contribution=contribution, tokens=np.array(item["tokens"]), **{"global": global_})
        lines.append(json.dumps({"id": input_id, "text": " ".join(item["tokens"]), "text_pair": None,
                                 "tokens": list(item["tokens"])}))
    (run_dir / "inputs.jsonl").write_text("\n".join(lines) + "\n")
    return run_dir


def random_tokens(rng: np.random.Generator, n: int, cls: str = "[CLS]", sep: str = "[SEP]") -> list[str]:
    """``[CLS] w w . w , [SEP]``-like tokens, n ≥ 2."""
    body = [str(rng.choice(PUNCT)) if rng.random() < 0.25 else str(rng.choice(WORDS)) for _ in range(n - 2)]
    return [cls, *body, sep]


def random_maps(rng: np.random.Generator, n_layers: int, n_heads: int, n: int, sharpness: float = 3.0) -> dict:
    """Row-stochastic random maps of one input (softmax of Gaussian logits)."""
    def softmax(shape):
        logits = rng.normal(size=shape) * sharpness
        e = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    return {
        "attention": softmax((n_layers, n_heads, n, n)),
        "local": softmax((n_layers, n_heads, n, n)),
        "global": softmax((n_layers, n_heads, n, n)),
        "contribution": softmax((n_layers, n, n)),
    }


def random_run(run_dir: Path, n_inputs: int, n_layers: int, n_heads: int, n_range=(4, 12), seed: int = 0) -> Path:
    """A synthetic run of random maps with varying lengths."""
    rng = np.random.default_rng(seed)
    inputs = []
    for _ in range(n_inputs):
        n = int(rng.integers(n_range[0], n_range[1] + 1))
        inputs.append({"tokens": random_tokens(rng, n), **random_maps(rng, n_layers, n_heads, n)})
    return write_run(run_dir, inputs, n_layers, n_heads, seed=seed)


# ---- the table contract of issues 3 and 8 -----------------------------------------------

VIEWS = ("attention", "local", "global")
PAIRS = ("attention_local", "attention_global", "local_global")
CLASSES = ("cls", "sep", "punct", "period", "comma", "self", "prev", "next")
LABELS = ("CLS", "SEP", "punct", "self", "prev", "next", "broad", "mixed")
PATTERNS = ("CLS", "SEP", "punct", "self", "prev", "next")
TABLES = ("heads", "layers", "transitions", "persistence", "rollout", "positions", "head_embedding",
          "head_distances")
PERSISTENCE_COLUMNS = ["layer", "class", "view", "n_heads_with_pattern", "n_persist", "n_persist_specific",
                       "spearman_mass", "spearman_lo", "spearman_hi"]


def expected_head_columns() -> list[str]:
    columns = ["layer", "head", "n_inputs", "n_queries"]
    for v in VIEWS:
        columns += [f"mass_{c}_{v}" for c in CLASSES] + [f"entropy_{v}", f"label_{v}"]
    for p in PAIRS:
        columns += [f"js_{p}", f"tv_{p}", f"spearman_{p}", f"top1_{p}", f"js_{p}_median", f"js_{p}_lo", f"js_{p}_hi"]
    for v in VIEWS:
        for c in CLASSES:
            for name in ("enrichment", "specific"):
                columns += [f"{name}_{c}_{v}", f"{name}_{c}_{v}_lo", f"{name}_{c}_{v}_hi"]
    columns += ["pattern", "persists_local", "persists_global", "persists_specific_local", "persists_specific_global",
                "persists_label"]
    return columns + ["cluster", "cluster_global"]


def check_tables(run_dir, tables: dict[str, pd.DataFrame], n_layers: int, n_heads: int) -> None:
    """Every table and column that issue 3 asks for, in the returned frames and on disk."""
    for name in TABLES:
        assert name in tables
        for ext in ("csv", "parquet"):
            assert (run_dir / "tables" / f"{name}.{ext}").is_file(), (name, ext)
        pd.testing.assert_frame_equal(pd.read_parquet(run_dir / "tables" / f"{name}.parquet"), tables[name])
        assert list(pd.read_csv(run_dir / "tables" / f"{name}.csv").columns) == list(tables[name].columns)

    heads = tables["heads"]
    assert set(expected_head_columns()) <= set(heads.columns)
    assert len(heads) == n_layers * n_heads
    assert heads["layer"].min() == 1 and heads["head"].min() == 1
    assert heads["layer"].max() == n_layers and heads["head"].max() == n_heads
    for v in VIEWS:
        assert set(heads[f"label_{v}"]) <= set(LABELS)
    assert (heads["persists_label"] == (heads["label_attention"] == heads["label_global"])).all()
    assert set(heads["pattern"]) <= {*PATTERNS, "none"}
    labelled = heads["label_attention"].isin(PATTERNS)
    assert (heads.loc[labelled, "pattern"] == heads.loc[labelled, "label_attention"]).all()
    for v in ("local", "global"):
        assert not (heads[f"persists_specific_{v}"] & ~heads[f"persists_{v}"]).any()
        assert not (heads[f"persists_{v}"] & (heads["pattern"] == "none")).any()

    persistence = tables["persistence"]
    assert list(persistence.columns) == PERSISTENCE_COLUMNS
    assert len(persistence) == n_layers * len(PATTERNS) * 2
    assert set(persistence["view"]) == {"local", "global"} and set(persistence["class"]) == set(PATTERNS)
    for (layer, name, view), row in persistence.set_index(["layer", "class", "view"]).iterrows():
        has = heads[(heads["layer"] == layer) & (heads["pattern"] == name)]
        assert row["n_heads_with_pattern"] == len(has)
        assert row["n_persist"] == has[f"persists_{view}"].sum()
        assert row["n_persist_specific"] == has[f"persists_specific_{view}"].sum()

    layers = tables["layers"]
    assert list(layers["layer"]) == list(range(1, n_layers + 1))
    for column in ("js_attention_local", "js_attention_global", "js_local_global", "mass_cls_attention",
                   "entropy_global", "spearman_attention_global", "top1_local_global"):
        assert f"{column}_mean" in layers and f"{column}_median" in layers
    for v in VIEWS:
        counts = sum(layers[f"heads_{label.lower()}_{v}"] for label in LABELS)
        assert (counts == n_heads).all()
    for column in ("persists_label_fraction", "own_share_median", "own_share_q25", "own_share_q75",
                   "own_share_iqr", "own_top1_fraction"):
        assert column in layers
    assert np.allclose(layers["own_share_iqr"], layers["own_share_q75"] - layers["own_share_q25"])

    transitions = tables["transitions"]
    assert {"scope", "layer", "label_attention", "label_global", "count", "share"} <= set(transitions.columns)
    overall = transitions[transitions["scope"] == "all"]
    per_layer = transitions[transitions["scope"] == "layer"]
    assert overall["count"].sum() == n_layers * n_heads
    assert sorted(per_layer["layer"].unique()) == list(range(1, n_layers + 1))
    assert (per_layer.groupby("layer")["count"].sum() == n_heads).all()
    assert len(overall) == len(LABELS) ** 2

    rollout = tables["rollout"]
    assert list(rollout["layer"]) == list(range(1, n_layers + 1))
    for method in ("rollout", "attention"):
        for metric in ("js", "tv", "spearman", "top1"):
            assert f"{metric}_{method}" in rollout

    positions = tables["positions"]
    assert {"layer", "head", "view", "offset", "mass"} <= set(positions.columns)
    head_views = [c.removeprefix("label_") for c in heads.columns if c.startswith("label_")]  # the run's views
    assert set(positions["view"]) == set(head_views) and set(VIEWS) <= set(head_views)
    assert len(positions) == n_layers * n_heads * len(head_views) * 11
    assert sorted(positions["offset"].unique()) == list(range(-5, 6))

    embedding = tables["head_embedding"]
    assert {"view", "layer", "head", "x", "y", "cluster"} <= set(embedding.columns)
    assert set(embedding["view"]) == {"attention", "global"}
    assert len(embedding) == 2 * n_layers * n_heads
    attention_clusters = embedding[embedding["view"] == "attention"]["cluster"].to_numpy()
    assert (heads["cluster"].to_numpy() == attention_clusters).all()


@pytest.fixture
def runs() -> SimpleNamespace:
    """The helpers of this module: ``write``, ``random``, ``tokens``, ``maps``, ``check_tables``."""
    return SimpleNamespace(write=write_run, random=random_run, tokens=random_tokens, maps=random_maps,
                           check_tables=check_tables)


@pytest.fixture
def small_run(tmp_path: Path) -> Path:
    """10 random inputs, 2 layers × 3 heads."""
    return random_run(tmp_path / "run", n_inputs=10, n_layers=2, n_heads=3, seed=1)
