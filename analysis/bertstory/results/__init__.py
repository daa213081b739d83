"""The results directory of a run (``docs/results.md``): the contract between ``analyze``,
``findings``, the report and users.

:class:`RunFolder` is the one API for a run folder (paths, ``run.json``, inputs, maps, per-input
statistics, tables, findings summary); :class:`RunRecord` is ``run.json``, typed.
"""

from bertstory.results.files import atomic_write_bytes, atomic_write_json, ensure_writable
from bertstory.results.folder import RunFolder, map_shapes, normalise_map
from bertstory.results.keys import run_key, slug
from bertstory.results.record import CorpusInfo, ModelInfo, RunRecord, RunSettings, SpecialTokens

__all__ = [
    "CorpusInfo", "ModelInfo", "RunFolder", "RunRecord", "RunSettings", "SpecialTokens", "atomic_write_bytes",
    "atomic_write_json", "ensure_writable", "map_shapes", "normalise_map", "run_key", "slug",
]
