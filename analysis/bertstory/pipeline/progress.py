"""One progress bar for all workers, drawn by rank 0.

Every worker adds to two shared counters of its :class:`~bertstory.pipeline.workers.WorkerGroup`
— inputs finished (those found done on disk when it starts, then one per input it analyses) and
tokens analysed now — and never waits for the others to do so. Under ``torchrun`` the counters
live in the launcher's store: one ``add`` is one small message, cheap beside an input's maps,
and needs neither a collective (which would make the workers wait for each other after every
input) nor a listing of the shared results folder. Rank 0 reads the counters after each of its
own inputs, and once its share is done keeps redrawing the bar from them until every input is
finished.
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

from bertstory.pipeline.workers import BARRIER_TIMEOUT, WorkerGroup

FINISHED = "inputs_finished"
"""Counter of inputs finished, on disk before this run or analysed now."""
TOKENS = "tokens_analysed"
"""Counter of the tokens of the inputs analysed now."""
COMPUTED = "inputs_computed"
"""Counter of the inputs analysed now."""
REDRAW_SECONDS = 0.5
"""How often rank 0 redraws the bar while it waits for the other workers."""


class Progress:
    """Counts finished inputs of all workers; draws the bar when ``show`` (rank 0 on a terminal,
    neither quiet nor verbose)."""

    def __init__(self, group: WorkerGroup, total: int, show: bool):
        self._group = group
        self._total = total
        self._show = show
        self._clock = time.perf_counter()
        self._bar = tqdm(total=total, unit="input", disable=not show, desc="analyze", dynamic_ncols=True,
                         file=sys.stderr)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_) -> None:
        self._bar.close()

    def found_done(self, count: int) -> None:
        """This worker found ``count`` inputs of its share finished before it started."""
        self._draw(self._group.add(FINISHED, count), self._group.add(TOKENS, 0))

    def analysed(self, tokens: int) -> None:
        """This worker analysed one more input, of ``tokens`` tokens."""
        self._group.add(COMPUTED, 1)
        tokens_now = self._group.add(TOKENS, tokens)
        self._draw(self._group.add(FINISHED, 1), tokens_now)

    def computed(self) -> int:
        """Inputs analysed now by all workers (complete once every worker passed the barrier)."""
        return self._group.add(COMPUTED, 0)

    def wait_for_others(self) -> None:
        """While the bar is shown, redraw it until every worker's inputs are finished (at most
        :data:`~bertstory.pipeline.workers.BARRIER_TIMEOUT`); the barrier then ends the wait."""
        deadline = time.perf_counter() + BARRIER_TIMEOUT.total_seconds()
        while self._show and time.perf_counter() < deadline:
            finished = self._group.add(FINISHED, 0)
            self._draw(finished, self._group.add(TOKENS, 0))
            if finished >= self._total:
                return
            time.sleep(REDRAW_SECONDS)

    def _draw(self, finished: int, tokens: int) -> None:
        if not self._show:
            return
        self._bar.n = finished
        self._bar.set_postfix(tokens_per_s=f"{tokens / (time.perf_counter() - self._clock):.1f}", refresh=False)
        self._bar.refresh()
