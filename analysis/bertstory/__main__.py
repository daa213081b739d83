"""``python -m bertstory`` runs the command-line interface."""

from bertstory.cli import main

main()
