"""Reading a results directory (``docs/results.md``): ``run.json``, ``inputs.jsonl``, ``maps/``.

Inputs are taken in ``inputs.jsonl`` order (analysis order); an input listed there whose
map is missing (an interrupted run) is skipped and counted, and maps not listed there are
ignored. Without ``inputs.jsonl`` every ``maps/*.npz`` is used, sorted by name.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bertstory.errors import BertstoryError

VIEWS: tuple[str, ...] = ("attention", "local", "global")


@dataclass(frozen=True)
class RunInfo:
    """What findings needs to know about a run folder."""

    run_dir: Path
    num_layers: int
    num_heads: int
    cls: str
    sep: str
    seed: int | None
    ids: tuple[str, ...]
    skipped: tuple[str, ...] = field(default=())
    estimator: str | None = None
    probes: int | None = None

    def map_path(self, input_id: str) -> Path:
        return self.run_dir / "maps" / f"{input_id}.npz"


def _runs_below(path: Path) -> list[str]:
    if not path.is_dir():
        return []
    return sorted(p.parent.name for p in path.glob("*/run.json"))


def read_run(run_dir: Path) -> RunInfo:
    """Read ``run.json`` and list the analysed inputs; a :class:`BertstoryError` if unusable."""
    run_dir = Path(run_dir)
    run_json = run_dir / "run.json"
    if not run_json.is_file():
        below = _runs_below(run_dir)
        hint = (f"; it holds runs {', '.join(below[:5])}{' …' if len(below) > 5 else ''}: pass one of them"
                if below else "; pass a folder written by `bertstory analyze`")
        raise BertstoryError(f"{run_dir} is not a run folder (no run.json){hint}")
    try:
        meta = json.loads(run_json.read_text(encoding="utf-8"))
        num_layers = int(meta["model"]["num_layers"])
        num_heads = int(meta["model"]["num_heads"])
        cls = str(meta["special_tokens"]["cls"])
        sep = str(meta["special_tokens"]["sep"])
    except (ValueError, KeyError, TypeError) as error:
        raise BertstoryError(
            f"{run_json} is unreadable or lacks model.num_layers/num_heads or special_tokens ({error})"
        ) from None
    settings = meta.get("settings") or {}
    seed = settings.get("seed")

    maps_dir = run_dir / "maps"
    available = {p.stem for p in maps_dir.glob("*.npz")} if maps_dir.is_dir() else set()
    inputs = run_dir / "inputs.jsonl"
    if inputs.is_file():
        listed: list[str] = []
        with inputs.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    listed.append(str(json.loads(line)["id"]))
                except (ValueError, KeyError, TypeError):
                    raise BertstoryError(f"{inputs}:{number} is not a JSON object with an id") from None
        ids = [i for i in listed if i in available]
        skipped = [i for i in listed if i not in available]
    else:
        ids, skipped = sorted(available), []
    if not ids:
        raise BertstoryError(f"no maps in {maps_dir}; run `bertstory analyze` to compute them")
    return RunInfo(run_dir, num_layers, num_heads, cls, sep,
                   int(seed) if seed is not None else None, tuple(ids), tuple(skipped),
                   settings.get("estimator"), settings.get("probes"))


def maps_fingerprint(run: RunInfo) -> list[list]:
    """Name, size and modification time (ns) of every map used, in order."""
    out = []
    for input_id in run.ids:
        stat = run.map_path(input_id).stat()
        out.append([input_id, stat.st_size, stat.st_mtime_ns])
    return out


def fingerprint(run: RunInfo, config_dict: dict, format_version: int) -> str:
    """SHA-256 over the maps used (names, sizes, mtimes), the run's shape and special
    tokens, the findings settings and the table format version."""
    payload = {
        "format": format_version,
        "shape": [run.num_layers, run.num_heads],
        "special_tokens": [run.cls, run.sep],
        "config": config_dict,
        "maps": maps_fingerprint(run),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def load_maps(run: RunInfo, input_id: str) -> dict[str, np.ndarray]:
    """One input's maps, checked and row-normalised in float64, plus its ``tokens`` list.

    Raises :class:`BertstoryError` naming the file if it is unreadable, has the wrong
    shapes, or holds negative, non-finite or all-zero rows.
    """
    path = run.map_path(input_id)
    name = f"maps/{path.name}"
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in (*VIEWS, "contribution", "tokens")}
    except KeyError as error:
        raise BertstoryError(f"{name} lacks array {error}; rerun `bertstory analyze` to recompute it") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise BertstoryError(f"{name} is unreadable ({error}); delete it and rerun `bertstory analyze`") from None
    tokens = [str(t) for t in arrays.pop("tokens").tolist()]
    n = len(tokens)
    expected = {v: (run.num_layers, run.num_heads, n, n) for v in VIEWS}
    expected["contribution"] = (run.num_layers, n, n)
    out: dict[str, np.ndarray] = {}
    for key, shape in expected.items():
        array = np.asarray(arrays[key], dtype=np.float64)
        if array.shape != shape:
            raise BertstoryError(f"{name}: {key} has shape {array.shape}, expected {shape} "
                                 f"(L={run.num_layers}, H={run.num_heads}, n={n} tokens)")
        if not np.all(np.isfinite(array)) or array.min(initial=0.0) < -1e-6:
            raise BertstoryError(f"{name}: {key} holds negative or non-finite values")
        array = np.maximum(array, 0.0)
        totals = array.sum(axis=-1, keepdims=True)
        if np.any(totals <= 0):
            raise BertstoryError(f"{name}: {key} has an all-zero row")
        out[key] = array / totals
    out["tokens"] = tokens  # type: ignore[assignment]
    return out
