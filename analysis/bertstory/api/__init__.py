"""The Python API for notebooks and scripts (``docs/api.md``), re-exported as ``bertstory.*``:

* :func:`explain` — the maps of one text, from a model name, folder or in-memory model,
  as an :class:`Explanation` (numpy arrays, tokens, settings, ``plot``, ``to_dataframe``, ``save``);
* :func:`load_run` — a run folder as a :class:`Run` (record, inputs, tables and maps, read lazily).

It sits on top of the package: it loads and computes through :mod:`bertstory.models` and
:mod:`bertstory.pipeline`, and reads and writes run folders through :mod:`bertstory.results`,
as the commands do.
"""

from bertstory.api.explain import EXPLAIN_INPUT_ID, explain
from bertstory.api.explanation import ExplainSettings, Explanation
from bertstory.api.run import Run, RunMaps, RunTables, load_run

__all__ = ["EXPLAIN_INPUT_ID", "ExplainSettings", "Explanation", "Run", "RunMaps", "RunTables", "explain", "load_run"]
