"""The results directory of one run (DESIGN §6, documented in ``docs/results.md``).

Every file is written atomically (temporary file in the same folder, then rename), so an
interrupted run leaves either the old file or the new one, never half of one; a map that
is missing or unreadable is simply computed again.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from bertstory.errors import BertstoryError

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def run_key(identity: dict[str, Any]) -> str:
    """First 12 hex digits of the SHA-256 of the settings that define a run."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]


def slug(text: str) -> str:
    """A folder-name-safe, lower-case short form of a model name or path."""
    name = Path(text.rstrip("/\\")).name or text
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "model"


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` and prove it writable, or fail with a one-line message."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as error:
        raise BertstoryError(f"cannot write to output folder {folder}: {error.strerror or error}") from error


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write_bytes(path, (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode())


def atomic_write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    atomic_write_bytes(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode())


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A compressed ``.npz`` whose bytes depend only on the arrays (no timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


class RunDirectory:
    """Paths and readers/writers of one run folder ``<out>/<run_id>/``."""

    def __init__(self, path: Path):
        self.path = path

    @property
    def run_json(self) -> Path:
        return self.path / "run.json"

    @property
    def inputs_jsonl(self) -> Path:
        return self.path / "inputs.jsonl"

    @property
    def maps_dir(self) -> Path:
        return self.path / "maps"

    @property
    def tables_dir(self) -> Path:
        return self.path / "tables"

    def map_path(self, input_id: str) -> Path:
        return self.maps_dir / f"{input_id}.npz"

    def write_run(self, run: dict[str, Any]) -> None:
        atomic_write_json(self.run_json, run)

    def save_maps(self, input_id: str, maps: dict[str, np.ndarray], tokens: list[str]) -> None:
        atomic_write_bytes(self.map_path(input_id), npz_bytes({**maps, "tokens": np.array(tokens)}))

    def has_complete_maps(self, input_id: str, tokens: list[str], num_layers: int, num_heads: int) -> bool:
        """True when the input's map file loads and holds every array in the expected shape."""
        n = len(tokens)
        expected = {
            "attention": (num_layers, num_heads, n, n),
            "local": (num_layers, num_heads, n, n),
            "global": (num_layers, num_heads, n, n),
            "contribution": (num_layers, n, n),
        }
        try:
            with np.load(self.map_path(input_id), allow_pickle=False) as archive:
                if list(archive["tokens"]) != list(tokens):
                    return False
                return all(archive[name].shape == shape for name, shape in expected.items())
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
            return False
