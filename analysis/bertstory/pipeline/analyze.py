"""The ``analyze`` pipeline: corpus → tokens → maps and statistics per input → run folder →
findings tables.

Resumable: inputs whose map file is complete are skipped (their statistics, when missing or
stale, are computed from the saved map by the findings step); the probe estimator's accuracy
check caches its exact maps in the run's estimator folder.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from bertstory import __version__
from bertstory.corpus import CorpusInput, content_hash, load_corpus, sample
from bertstory.errors import BertstoryError
from bertstory.findings import FindingsConfig, write_findings
from bertstory.findings.store import write_statistics
from bertstory.models import DEFAULT_MODEL, EMBEDDED_MODEL_NAME, Encoded, LoadedModel, encode, load_model
from bertstory.pipeline.compute import input_maps
from bertstory.pipeline.estimator_check import check_estimator
from bertstory.pipeline.record import model_dtype, model_info, software_versions, special_tokens
from bertstory.pipeline.settings import DEFAULT_MAX_TOKENS, AnalyzeSettings
from bertstory.results import CorpusInfo, RunFolder, RunRecord, ensure_writable, normalise_map, run_key, slug

Log = Callable[[str], None]


@dataclass(frozen=True)
class PreparedInput:
    """A corpus input that fits the model, with its tokenisation."""

    item: CorpusInput
    encoded: Encoded


@dataclass(frozen=True)
class AnalyzeSummary:
    """What one ``analyze`` invocation did."""

    run_dir: Path
    n_inputs: int
    n_computed: int
    n_skipped_too_long: int
    seconds: float


def run_analyze(settings: AnalyzeSettings, findings: FindingsConfig | None = None, log: Log = print) -> AnalyzeSummary:
    """Run (or resume) the analysis described by ``settings``, then write its findings tables
    with ``findings`` (default thresholds when ``None``; its seed, when ``None``, is the run's);
    returns where it wrote."""
    ensure_writable(settings.out)
    corpus = load_corpus(settings.corpus, settings.text_column, settings.pair_column)
    loaded = load_model(settings.model, settings.device)
    if settings.max_tokens is None:
        settings = replace(settings, max_tokens=min(DEFAULT_MAX_TOKENS, loaded.max_tokens))
    elif settings.max_tokens > loaded.max_tokens:
        raise BertstoryError(
            f"--max-tokens {settings.max_tokens} exceeds what the model accepts ({loaded.max_tokens} tokens)"
        )
    selected = sample(list(corpus.inputs), settings.max_inputs, settings.seed)
    prepared, too_long = _prepare(loaded, selected, settings.max_tokens)
    if not prepared:
        raise BertstoryError(
            f"no input fits --max-tokens {settings.max_tokens} ({too_long} of {len(selected)} are longer)"
        )
    recorded = settings.recorded(settings.max_tokens)
    corpus_hash = content_hash([p.item for p in prepared])
    key = run_key({**dataclasses.asdict(recorded), "model_revision": loaded.revision, "corpus": corpus_hash})
    folder = RunFolder(settings.out / f"{slug(EMBEDDED_MODEL_NAME if settings.model == DEFAULT_MODEL else settings.model)}-{key}")
    ensure_writable(folder.path)

    record = RunRecord(
        bertstory_version=__version__,
        run_id=folder.path.name,
        settings=recorded,
        model=model_info(loaded),
        corpus=CorpusInfo(source=corpus.source, content_hash=corpus_hash, n_available=len(corpus.inputs),
                          n_selected=len(selected), n_skipped_too_long=too_long),
        special_tokens=special_tokens(loaded),
        device=str(loaded.device),
        dtype=model_dtype(loaded),
        versions=software_versions(),
        started=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        status="running",
        n_inputs=len(prepared),
        n_tokens=sum(len(p.encoded.tokens) for p in prepared),
    )
    folder.write_record(record)
    folder.write_inputs(
        {"id": p.item.id, "text": p.item.text, "text_pair": p.item.text_pair, "tokens": p.encoded.tokens}
        for p in prepared
    )

    clock = time.perf_counter()
    computed = _compute_missing(loaded, folder, prepared, settings, log)
    if settings.estimator == "probes" and settings.check_inputs:
        check_estimator(loaded, folder, [(p.item.id, p.encoded) for p in prepared], settings, log)
    seconds = time.perf_counter() - clock
    folder.write_record(record.replace(finished=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                       status="complete", seconds=round(seconds, 3)))
    write_findings(folder, findings)
    return AnalyzeSummary(folder.path, len(prepared), computed, too_long, seconds)


def _prepare(loaded: LoadedModel, selected: list[CorpusInput], max_tokens: int) -> tuple[list[PreparedInput], int]:
    prepared, too_long = [], 0
    for item in selected:
        encoded = encode(loaded, item.text, item.text_pair)
        if len(encoded.tokens) > max_tokens:
            too_long += 1
        else:
            prepared.append(PreparedInput(item, encoded))
    return prepared, too_long


def _compute_missing(loaded: LoadedModel, folder: RunFolder, prepared: list[PreparedInput],
                     settings: AnalyzeSettings, log: Log) -> int:
    """Compute and save the maps of every input without a complete map file, and the statistics
    of those maps (from the float32 maps as saved, rows renormalised in float64 as the findings
    read them); returns how many."""
    todo = [p for p in prepared if not folder.has_maps(p.item.id, p.encoded.tokens)]
    if settings.verbose and len(todo) < len(prepared):
        log(f"resuming: {len(prepared) - len(todo)} of {len(prepared)} inputs already done")
    show_bar = not (settings.quiet or settings.verbose) and sys.stderr.isatty()
    tokens_done, clock = 0, time.perf_counter()
    with tqdm(total=len(prepared), initial=len(prepared) - len(todo), unit="input", disable=not show_bar,
              desc="analyze", dynamic_ncols=True) as bar:
        for p in todo:
            started = time.perf_counter()
            maps = input_maps(loaded, p.encoded, estimator=settings.estimator, probes=settings.probes,
                              seed=settings.seed, input_id=p.item.id)
            arrays = maps.as_arrays()
            folder.save_maps(p.item.id, arrays, p.encoded.tokens)
            normalised = {name: normalise_map(array, f"maps of input {p.item.id}: {name}")
                          for name, array in arrays.items()}
            write_statistics(folder, p.item.id, normalised, p.encoded.tokens)
            tokens_done += len(p.encoded.tokens)
            bar.update()
            bar.set_postfix(tokens_per_s=f"{tokens_done / (time.perf_counter() - clock):.1f}")
            if settings.verbose:
                log(f"{p.item.id}: {len(p.encoded.tokens)} tokens, {time.perf_counter() - started:.2f} s")
    return len(todo)
