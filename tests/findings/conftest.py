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
        "settings": {"model": "synthetic", "estimator": "exact", "probes": None, "seed": seed,
                     "max_tokens": 128, "max_inputs": None},
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


@pytest.fixture
def runs() -> SimpleNamespace:
    """The helpers of this module: ``write``, ``random``, ``tokens``, ``maps``."""
    return SimpleNamespace(write=write_run, random=random_run, tokens=random_tokens, maps=random_maps)


@pytest.fixture
def small_run(tmp_path: Path) -> Path:
    """10 random inputs, 2 layers × 3 heads."""
    return random_run(tmp_path / "run", n_inputs=10, n_layers=2, n_heads=3, seed=1)
