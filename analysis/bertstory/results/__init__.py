"""The results directory of a run (``docs/results.md``): the contract between ``analyze``,
``findings``, the report and users.

:class:`RunFolder` is the one API for a run folder (paths, ``run.json``, inputs, maps, per-input
statistics, tables, findings summary); :class:`RunRecord` is ``run.json``, typed;
:func:`sample_inputs` is the seeded sample of inputs whose maps are kept and shown.
"""

from bertstory.results.files import atomic_write_bytes, atomic_write_json, ensure_writable
from bertstory.results.folder import RunFolder, map_shapes, normalise_map
from bertstory.results.keys import run_key, slug
from bertstory.results.lock import analyze_lock
from bertstory.results.map_sample import sample_inputs
from bertstory.results.record import (
    EXPLAIN_SOURCE, CorpusInfo, DiskUse, KeptMaps, ModelInfo, RunRecord, RunSettings, SpecialTokens, WorkerSplit,
)

__all__ = [
    "EXPLAIN_SOURCE", "CorpusInfo", "DiskUse", "KeptMaps", "ModelInfo", "RunFolder", "RunRecord", "RunSettings", "SpecialTokens",
    "WorkerSplit", "analyze_lock", "atomic_write_bytes", "atomic_write_json", "ensure_writable", "map_shapes", "normalise_map",
    "run_key", "sample_inputs", "slug",
]
