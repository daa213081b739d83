"""The ``bertstory`` command group.

Each command lives in ``bertstory.commands.<name>``; this module only assembles them and
turns :class:`~bertstory.errors.BertstoryError` into a one-line message and exit status 2.
Importing it, as both ``bertstory`` and ``python -m bertstory`` do first, hides Python warnings
unless the user asked for them (:func:`_quiet_dependencies`).
"""

from __future__ import annotations

import sys
import warnings

import click

from bertstory import __version__
from bertstory.errors import BertstoryError


class _Group(click.Group):
    """A click group that reports :class:`BertstoryError` and file-system errors (a full
    disk, a folder that turned read-only) as one line, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BertstoryError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(2)
        except OSError as error:
            where = f": {error.filename}" if error.filename else ""
            click.echo(f"Error: {error.strerror or error}{where}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("Interrupted: finished inputs are saved; rerun the same command to resume.", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bertstory")
def cli() -> None:
    """Tell the full story of a BERT-style encoder's attention heads.

    \b
    Examples:
      bertstory analyze                       # embedded MiniLM, built-in corpus
      bertstory analyze --model bert-base-uncased --corpus my.txt --estimator exact
    """


def _quiet_dependencies() -> None:
    """Hide Python warnings — the deprecation notices of torch, transformers and the other dependencies,
    which are not the user's to act on (bertstory itself speaks through click) — unless the user asked
    for them with ``python -W`` or ``PYTHONWARNINGS``. Runs before the commands import the dependencies."""
    if not sys.warnoptions:
        warnings.simplefilter("ignore")


def _register() -> None:
    from bertstory.commands.analyze import analyze
    from bertstory.commands.build_site import build_site
    from bertstory.commands.compare import compare
    from bertstory.commands.findings import findings
    from bertstory.commands.report import report

    cli.add_command(analyze)
    cli.add_command(findings)
    cli.add_command(report)
    cli.add_command(build_site)
    cli.add_command(compare)


_quiet_dependencies()
_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="bertstory")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
