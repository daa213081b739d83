"""``analyze`` as one of several ``torchrun`` workers (torch.distributed elastic).

Under ``torchrun`` every worker reads ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and
``TORCHELASTIC_RESTART_COUNT`` (:class:`Workers`), computes on GPU ``LOCAL_RANK`` when there is
CUDA, else on the CPU (:func:`worker_device`), and joins the process group
(:func:`worker_group`: NCCL on CUDA, gloo on the CPU) through the launcher's store
(``MASTER_ADDR:MASTER_PORT``). The group offers shared counters in that store, which any worker
adds to without waiting for the others, and the barrier that ends the workers' part of the run.
Without ``torchrun`` (no ``WORLD_SIZE``) the process is the only worker and nothing is
initialised: the counters are local and the barrier returns at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import torch
import torch.distributed as dist

from bertstory.errors import BertstoryError
from bertstory.models import Device

BARRIER_TIMEOUT = timedelta(days=7)
"""How long a worker waits at the barrier (and any other collective) for the others. A worker
that finishes its share early waits there for the slowest one, which after a restart may still
have most of its share to do, and exact estimator runs of large models take days: hence
generous. A worker that dies is noticed by ``torchrun`` at once, never by this timeout."""

_STORE_PREFIX = "bertstory/analyze"


@dataclass(frozen=True)
class Workers:
    """Where this process stands among the workers: ``rank`` of ``count`` (0 of 1 without
    ``torchrun``), its ``local_rank`` on its node, and how many times ``torchrun`` has
    restarted the workers (``restart``)."""

    rank: int = 0
    count: int = 1
    local_rank: int = 0
    restart: int = 0
    launched: bool = False
    """True under ``torchrun`` (even with one worker): a process group is set up."""

    @property
    def is_main(self) -> bool:
        """Rank 0, which writes ``run.json``, ``inputs.jsonl``, the estimator check and the findings."""
        return self.rank == 0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Workers:
        """The workers ``torchrun`` set up (from ``environ``), or the only worker without it."""
        if "WORLD_SIZE" not in environ:
            return cls()
        values = {}
        for name, key, default in (("count", "WORLD_SIZE", None), ("rank", "RANK", None),
                                   ("local_rank", "LOCAL_RANK", "0"), ("restart", "TORCHELASTIC_RESTART_COUNT", "0")):
            text = environ.get(key, default)
            if text is None or not text.strip().isdigit():
                raise BertstoryError(f"{key}={text or ''} is not a whole number; start the workers with torchrun")
            values[name] = int(text)
        if not 0 <= values["rank"] < values["count"]:
            raise BertstoryError(f"RANK={values['rank']} is not below WORLD_SIZE={values['count']}; "
                                 "start the workers with torchrun")
        return cls(**values, launched=True)


def worker_device(device: Device, workers: Workers) -> Device:
    """The device this worker computes on: ``device`` itself, except that a ``torchrun`` worker
    with CUDA (``device`` ``auto`` or ``cuda``) makes GPU ``LOCAL_RANK`` its current CUDA device,
    which ``cuda`` then means."""
    if not workers.launched or device == "cpu" or not torch.cuda.is_available():
        return device
    gpus = torch.cuda.device_count()
    if workers.local_rank >= gpus:
        raise BertstoryError(f"worker LOCAL_RANK={workers.local_rank} has no GPU of its own: this node has {gpus}; "
                             f"start at most {gpus} workers per node (torchrun --nproc-per-node {gpus})")
    torch.cuda.set_device(workers.local_rank)
    return "cuda"


class WorkerGroup(Protocol):
    """What the workers share while they analyse their shares."""

    def add(self, counter: str, amount: int) -> int:
        """Add ``amount`` to the shared counter ``counter`` (0 at first) and return its new value."""

    def barrier(self) -> None:
        """Return once every worker has called it."""


class _LocalGroup:
    """The group of a process that is the only worker."""

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}

    def add(self, counter: str, amount: int) -> int:
        self._counters[counter] = self._counters.get(counter, 0) + amount
        return self._counters[counter]

    def barrier(self) -> None:
        return None


class _ProcessGroup:
    """The ``torch.distributed`` group of the ``torchrun`` workers; counters live in the
    launcher's store under the restart's prefix, so a restarted group counts afresh."""

    def __init__(self, store: dist.Store, device_ids: list[int] | None):
        self._store = store
        self._device_ids = device_ids

    def add(self, counter: str, amount: int) -> int:
        return int(self._store.add(counter, amount))

    def barrier(self) -> None:
        dist.barrier(device_ids=self._device_ids)


@contextmanager
def worker_group(workers: Workers, device: torch.device) -> Iterator[WorkerGroup]:
    """The workers' group for the ``with`` block: joined on entry (waits for every worker), torn
    down on exit. NCCL when this worker computes on CUDA, gloo on the CPU; every collective
    waits at most :data:`BARRIER_TIMEOUT`."""
    if not workers.launched:
        yield _LocalGroup()
        return
    store, _, _ = next(dist.rendezvous("env://", workers.rank, workers.count, timeout=BARRIER_TIMEOUT))
    # The launcher's store outlives a restart: the keys of this attempt get a prefix of their own,
    # or the restarted workers would read the addresses the killed ones published and fail to connect.
    attempt = dist.PrefixStore(f"{_STORE_PREFIX}/{workers.restart}", store)
    on_cuda = device.type == "cuda"
    gpu = torch.device("cuda", torch.cuda.current_device()) if on_cuda else None
    dist.init_process_group("nccl" if on_cuda else "gloo", store=dist.PrefixStore("group", attempt),
                            rank=workers.rank, world_size=workers.count, timeout=BARRIER_TIMEOUT, device_id=gpu)
    try:
        yield _ProcessGroup(dist.PrefixStore("counters", attempt), [gpu.index] if gpu is not None else None)
    finally:
        dist.destroy_process_group()
