"""The report: figures, Markdown pages and the MkDocs-Material site of one run.

:func:`bertstory.report.build.build_report` turns a results directory (with its
``tables/`` written by ``bertstory findings``) into a report project: paper figures in
``figures/`` (PNG and PDF, with the CSV tables they were drawn from), generated pages in
``docs/generated/`` and a static site built by MkDocs.
"""
