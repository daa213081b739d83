"""The lock that lets one ``analyze`` at a time write a run folder.

``analyze`` holds an exclusive ``flock`` on ``<run>/.analyze.lock`` while it writes the run (under
``torchrun`` rank 0 holds it for the whole job, see :mod:`bertstory.pipeline.analyze`). A second
``analyze`` of the same run is refused in one line instead of computing every input a second time
beside the first. The kernel releases the lock when its holder exits, killed or not, so a dead run
never blocks the next one; the empty lock file stays (deleting it would let two processes lock two
different files of the same name).
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bertstory.errors import BertstoryError

LOCK_FILE = ".analyze.lock"
_HELD_ELSEWHERE = (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
"""What ``flock`` says when another process holds the lock (the rest: the file system has no locks)."""


@contextmanager
def analyze_lock(run_dir: Path, note: Callable[[str], None]) -> Iterator[None]:
    """Hold the run folder ``run_dir``'s lock for the ``with`` block, without waiting.

    Raises :class:`~bertstory.errors.BertstoryError` when another process holds it. On a file
    system without ``flock`` (some network file systems) the block runs unlocked, after one
    ``note`` saying so.
    """
    path = Path(run_dir) / LOCK_FILE
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in _HELD_ELSEWHERE:
                raise BertstoryError(
                    f"another bertstory analyze is writing the run {run_dir} (it holds {path}); "
                    "wait for it to end, then rerun this command: it reuses every input that run finished"
                ) from None
            note(f"note: {run_dir} does not support file locks ({error.strerror}); "
                 "make sure no other analyze writes this run")
        yield
    finally:
        os.close(handle)  # releases the lock
