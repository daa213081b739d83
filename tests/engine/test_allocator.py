"""After :func:`keep_freed_memory`, glibc serves a large tensor from its heap and keeps it there once
freed; before, the same tensor got its own mmap. Observed through glibc's own ``mallinfo2``, in a
fresh interpreter so that no earlier test has set the thresholds already."""

import platform
import subprocess
import sys

import pytest

PROBE = r"""
import ctypes, torch
from bertstory.engine.allocator import keep_freed_memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
SIZE = 64 << 20

def mapped_and_heap():  # bytes in blocks of their own mmap; of the heap in use; of the heap in all
    info = libc.mallinfo2()
    return info.hblkhd, info.uordblks, info.arena

def allocated_then_freed():
    before = mapped_and_heap()
    block = torch.ones(SIZE, dtype=torch.uint8)
    during = mapped_and_heap()
    del block
    return before, during, mapped_and_heap()

(m0, u0, h0), (m1, u1, h1), (m2, u2, h2) = allocated_then_freed()
assert m1 - m0 >= SIZE and m2 == m0, "by default glibc maps a 64 MiB block and unmaps it on free"
assert keep_freed_memory()
(m0, u0, h0), (m1, u1, h1), (m2, u2, h2) = allocated_then_freed()
assert m1 == m0, f"the block was mapped on its own ({m1 - m0} bytes)"
assert u1 - u0 >= SIZE, "the block did not come from the heap"
assert h2 == h1 >= h0 + SIZE // 2, "the heap gave the freed block back to the system"
print("kept")
"""


@pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_large_blocks_come_from_the_heap_and_stay_there_once_freed():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "kept"
