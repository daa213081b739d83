"""Writing files of a results directory: atomically, and with bytes that depend only on the data.

Every file is written atomically (temporary file in the same folder, then rename), so an
interrupted run leaves either the old file or the new one, never half of one; a process killed
mid-write (SIGKILL) leaves its temporary file behind, named ``.<name>.<random>.tmp``
(:func:`unfinished_write_target` recognises it). The files get the mode of any new file under the
process's umask (0644 under umask 022), so results can be shared like the site built from them.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from bertstory.errors import BertstoryError

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_TEMPORARY_SUFFIX = ".tmp"


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` and prove it writable, or fail with a one-line message."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as error:
        raise BertstoryError(f"cannot write to output folder {folder}: {error.strerror or error}") from error


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Any failure of the write (a full disk, a folder that turned read-only) is raised as an
    :class:`OSError` that names ``path``, which the CLI prints in its one-line message.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL on a random name, as tempfile.mkstemp does, but with mode 0666 less the umask, as open()
    # creates files (mkstemp makes them 0600 whatever the umask)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}{_TEMPORARY_SUFFIX}"
    created = False
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException as error:
        if created:
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise


def unfinished_write_target(name: str) -> str | None:
    """The name of the file that the temporary file ``name`` of :func:`atomic_write_bytes` was
    to become (``00012.npz`` for ``.00012.npz.k3j9x_2a.tmp``), ``None`` when ``name`` is not one."""
    if not (name.startswith(".") and name.endswith(_TEMPORARY_SUFFIX)):
        return None
    target, dot, _ = name[1:-len(_TEMPORARY_SUFFIX)].rpartition(".")
    return target if dot and target else None


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
