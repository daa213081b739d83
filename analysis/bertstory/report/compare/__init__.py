"""Runs side by side: the comparison section of a report project (``docs/method.md#comparing-models``).

* :mod:`~bertstory.report.compare.runs` — the runs compared, checked finished, as per-layer curves
  and pattern counts read from their tables;
* :mod:`~bertstory.report.compare.paired` — two runs on the same corpus, input by input;
* :mod:`~bertstory.report.compare.figures` — the figures' registry;
* :mod:`~bertstory.report.compare.pages` — the index and a page per pair of runs;
* :mod:`~bertstory.report.compare.build` — :func:`compare_runs`, the report of the first run with
  the comparison section, and its site.
"""
