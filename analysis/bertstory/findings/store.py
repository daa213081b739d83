"""The statistics files of a run folder: write an input's statistics from its maps, bring
every input's statistics up to date, and reduce them.

Statistics are written by ``analyze`` beside each map (from the maps it just computed); a
run written before statistics existed, or whose statistics are stale (another format, or
older than their map), gets them here from its saved maps — maps are never recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bertstory.errors import BertstoryError
from bertstory.findings.reduction import Sums, reduce_statistics
from bertstory.findings.statistics import STATISTICS_FORMAT, InputStatistics, compute_statistics
from bertstory.maps import run_maps
from bertstory.results import RunFolder


def write_statistics(folder: RunFolder, input_id: str, maps: Mapping[str, np.ndarray],
                     tokens: list[str]) -> InputStatistics:
    """Compute one input's statistics from its row-normalised float64 ``maps``
    (:func:`bertstory.results.normalise_map` of each map) and write ``stats/<id>.npz``."""
    record = folder.record
    with run_maps(record.settings.faithfulness):
        stats = compute_statistics(maps, tokens, record.special_tokens.cls, record.special_tokens.sep,
                                   record.model.causal)
        folder.save_stats(input_id, stats.arrays(), tokens, STATISTICS_FORMAT)
    return stats


def has_current_statistics(folder: RunFolder, input_id: str, tokens: list[str] | None = None) -> bool:
    """Whether the input's statistics are current: of this format, holding every registered
    metric's arrays (a metric registered since they were written makes them stale), ``tokens``
    when given, and not older than the input's map."""
    with run_maps(folder.record.settings.faithfulness):
        return folder.has_stats(input_id, STATISTICS_FORMAT, tokens, names=InputStatistics.array_names())


def refresh_statistics(folder: RunFolder, ids: list[str]) -> list[str]:
    """Write the statistics of every input of ``ids`` that lacks current ones, from its saved
    maps (one input in memory at a time); returns the ids written."""
    written = []
    with_maps = folder.map_ids()
    for input_id in ids:
        if has_current_statistics(folder, input_id):
            continue
        if input_id not in with_maps:
            raise BertstoryError(
                f"input {input_id} of {folder.path} has no current statistics (unreadable, or of another bertstory "
                f"version) and no map to compute them from; rerun `bertstory analyze` with the run's settings"
            )
        maps = folder.load_maps(input_id, normalise=True)
        write_statistics(folder, input_id, maps, maps["tokens"])
        written.append(input_id)
    return written


def load_statistics(folder: RunFolder, input_id: str) -> InputStatistics:
    """One input's statistics from ``stats/<id>.npz``; a one-line error when they do not fit the run."""
    arrays = folder.load_stats(input_id, STATISTICS_FORMAT)
    record = folder.record
    try:
        with run_maps(record.settings.faithfulness):
            return InputStatistics.from_arrays(arrays, record.num_layers, record.num_heads)
    except ValueError as error:
        raise BertstoryError(
            f"the statistics of input {input_id} in {folder.path} do not fit the run ({error}); delete "
            f"stats/{input_id}.npz and rerun `bertstory findings {folder.path}`"
        ) from None


def reduce_run(folder: RunFolder, ids: list[str], max_offset: int) -> Sums:
    """The statistics of inputs ``ids``, reduced (read one input at a time)."""
    record = folder.record
    return reduce_statistics(((input_id, load_statistics(folder, input_id)) for input_id in ids),
                             len(ids), record.num_layers, record.num_heads, max_offset)
