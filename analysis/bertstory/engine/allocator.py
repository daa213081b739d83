"""Keeping freed memory in the process on the CPU, where the C library is glibc.

On the CPU every chunk of tangents allocates, frees and allocates again the same few large tensors
(up to :data:`bertstory.engine.attribution.CPU_CHUNK_ELEMENTS` floats each), for every layer. glibc's
``malloc`` serves blocks above its mmap threshold (at most 32 MiB) with a fresh ``mmap`` and hands
them back to the kernel on ``free``, so each new tensor page-faults its way in again and the
kernel zeroes every page of it: on the embedded model that costs a fifth of the ``exact``
estimator's time. Raising the mmap and trim thresholds (``mallopt``) makes glibc keep those blocks in
its heap and reuse them. In exchange the process does not give memory back to the system after a
peak; the chunk budget bounds that peak. Other C libraries and other systems are left as they are.
"""

from __future__ import annotations

import ctypes
import functools
import platform
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""``mallopt`` parameters, from glibc's ``malloc.h``."""
MMAP_THRESHOLD_BYTES = 1 << 30
"""Blocks below 1 GiB come from the heap, not from their own ``mmap``."""
TRIM_THRESHOLD_BYTES = (1 << 31) - 1
"""Free memory at the top of the heap is kept up to 2 GiB (``mallopt`` takes a C ``int``)."""


@functools.cache
def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for the rest of the process, once.

    Returns:
        whether both thresholds were set (False off Linux, or with another C library).
    """
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
