"""Whether the findings' bootstrap can fit in this machine's memory, checked before anything is
computed: every resample's statistics are held until their percentiles are taken
(:func:`bertstory.findings.resampling.resampled`), so the memory grows with ``--bootstrap-samples``
and with the model's heads."""

from __future__ import annotations

import os
from pathlib import Path

from bertstory.errors import BertstoryError
from bertstory.findings.enrichment import CLASSES, compared_views
from bertstory.findings.faithfulness import INTERVAL_METRICS as FAITHFULNESS_INTERVALS
from bertstory.findings.faithfulness import comparisons, measured
from bertstory.findings.metrics import interval_metrics
from bertstory.findings.resampling import chunk_rows
from bertstory.findings.statistics import ROLLOUT_METHODS
from bertstory.maps import view_pairs, views

CHUNK_WORK = 2.5
"""Bytes one chunk of resamples takes while it is computed, per byte of its statistics (measured:
about 2.2 for the enrichment intervals of 72 heads and 40 inputs)."""
CGROUP_LIMIT = Path("/sys/fs/cgroup/memory.max")
"""Where Linux states a container's memory limit (cgroup v2): ``max`` or a number of bytes."""


def resampled_values(num_layers: int, num_heads: int) -> int:
    """Statistics held per resample: ``E_c`` and ``S_c`` of every view, head and class and the
    across-heads Spearman of every compared view, layer and class (the enrichment intervals), and
    the pooled value of every metric with intervals (:func:`~bertstory.findings.metrics.interval_metrics`)
    for every pair of views and head and every rollout method and layer, and of the faithfulness
    metrics with intervals for every comparison, head or layer (the maps of the run at hand,
    :func:`bertstory.maps.run_maps`)."""
    heads, classes = num_layers * num_heads, len(CLASSES)
    enrichment = 2 * len(views()) * heads * classes + len(compared_views(views())) * num_layers * classes
    pooled = len(interval_metrics()) * (len(view_pairs()) * heads + len(ROLLOUT_METHODS) * num_layers)
    faithful = sum(heads if per_head else num_layers for *_, per_head in comparisons()) if measured() else 0
    return enrichment + pooled + len(FAITHFULNESS_INTERVALS) * faithful


def bootstrap_bytes(samples: int, n_inputs: int, num_layers: int, num_heads: int) -> int:
    """About the most memory the bootstrap of ``samples`` resamples of ``n_inputs`` inputs takes,
    in bytes: every resample's float64 statistics, and the work of one chunk of resamples."""
    per_resample = 8 * resampled_values(num_layers, num_heads)
    return int(per_resample * (samples + CHUNK_WORK * min(samples, chunk_rows(n_inputs))))


def memory_limit() -> int | None:
    """Bytes of memory this process can ever have: the machine's physical memory, or its
    container's limit when lower; ``None`` where neither is known (nothing is refused then)."""
    limits = []
    try:
        limits.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        pass
    try:
        text = CGROUP_LIMIT.read_text().strip()
    except OSError:
        text = ""
    if text.isdigit():
        limits.append(int(text))
    return min(limits) if limits else None


def check_bootstrap_memory(samples: int, n_inputs: int, num_layers: int, num_heads: int) -> None:
    """Refuse, in one line, a number of resamples whose bootstrap cannot fit in
    :func:`memory_limit`, saying how many can."""
    limit = memory_limit()
    needed = bootstrap_bytes(samples, n_inputs, num_layers, num_heads)
    if limit is None or needed <= limit:
        return
    raise BertstoryError(
        f"--bootstrap-samples {samples} needs about {needed / 1e9:.3g} GB of memory for the resampled statistics of "
        f"{num_layers} × {num_heads} heads over {n_inputs} inputs, more than this machine's {limit / 1e9:.3g} GB; "
        f"use at most {_most_fitting(limit, n_inputs, num_layers, num_heads)}"
    )


def _most_fitting(limit: int, n_inputs: int, num_layers: int, num_heads: int) -> int:
    """The largest number of resamples whose bootstrap fits in ``limit`` bytes (0 if none does)."""
    low, high = 0, 1
    while bootstrap_bytes(high, n_inputs, num_layers, num_heads) <= limit:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if bootstrap_bytes(middle, n_inputs, num_layers, num_heads) <= limit else (low, middle)
    return low
