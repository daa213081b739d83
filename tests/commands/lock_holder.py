"""Another process that holds a run's ``analyze`` lock, as a second ``analyze`` would find it."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOLD = """
import fcntl, os, sys, time
handle = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("held", flush=True)
time.sleep(600)
"""
"""The program of that process: it holds the lock file given as its argument until it is killed."""


@contextmanager
def held_by_another_process(run_dir: Path) -> Iterator[None]:
    """The lock of ``run_dir`` held by another process for the ``with`` block, which then kills it."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir / ".analyze.lock")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()
