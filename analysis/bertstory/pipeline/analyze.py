"""The ``analyze`` pipeline: corpus → tokens → maps and statistics per input → run folder →
findings tables.

Resumable: inputs whose map file is complete, or that have current statistics and no map
file, are skipped (statistics missing or stale beside a complete map are computed from the saved
map by the findings step); the probe estimator's accuracy check caches its exact maps in the
run's estimator folder.

One loop analyses this process's share of the inputs: all of them without ``torchrun``, a
balanced share under it (:mod:`bertstory.pipeline.workers`, :mod:`bertstory.pipeline.split`).
With ``--keep-maps N`` only the seeded sample of N inputs keeps its map files; every input keeps
its statistics, from which the tables are reduced, so the tables do not depend on N.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from bertstory import __version__
from bertstory.corpus import CorpusInput, content_hash, load_corpus, sample
from bertstory.engine.ablation_baselines import check_ablation_baseline
from bertstory.errors import BertstoryError
from bertstory.findings import FindingsConfig, write_findings
from bertstory.findings.bootstrap_memory import check_bootstrap_memory
from bertstory.findings.store import has_current_statistics, refresh_statistics, write_statistics
from bertstory.maps import run_maps
from bertstory.models import (
    DEFAULT_MODEL,
    EMBEDDED_MODEL_NAME,
    Encoded,
    LoadedModel,
    encode,
    has_pair_template,
    has_text,
    load_model,
)
from bertstory.pipeline.compute import input_maps
from bertstory.pipeline.estimator_check import MapsTimed, check_estimator
from bertstory.pipeline.record import model_dtype, model_info, software_versions, special_tokens
from bertstory.pipeline.progress import Progress
from bertstory.pipeline.settings import DEFAULT_MAX_TOKENS, AnalyzeSettings
from bertstory.pipeline.split import balanced_split, input_cost
from bertstory.pipeline.workers import Workers, worker_device, worker_group
from bertstory.results import (
    CorpusInfo, DiskUse, KeptMaps, RunFolder, RunRecord, WorkerSplit, analyze_lock, ensure_writable, normalise_map,
    run_key, sample_inputs, slug,
)

Log = Callable[[str], None]


@dataclass(frozen=True)
class PreparedInput:
    """A corpus input that fits the model, with its tokenisation."""

    item: CorpusInput
    encoded: Encoded


@dataclass(frozen=True)
class AnalyzeSummary:
    """What one ``analyze`` invocation did: ``n_computed`` inputs analysed now (by all workers),
    in ``seconds``; sampled inputs skipped as longer than ``--max-tokens`` or as giving only
    special tokens (:func:`~bertstory.models.has_text`); ``workers`` processes, of which this is
    rank 0 when ``is_main`` (the other workers' summaries lack ``kept_maps`` and ``disk``);
    ``without_maps``: ids of the kept sample that have statistics only (analysed earlier with a
    smaller ``--keep-maps``)."""

    run_dir: Path
    n_inputs: int
    n_computed: int
    n_skipped_too_long: int
    seconds: float
    n_skipped_no_text: int = 0
    workers: int = 1
    is_main: bool = True
    kept_maps: KeptMaps | None = None
    disk: DiskUse | None = None
    without_maps: list[str] = dataclasses.field(default_factory=list)


def run_analyze(settings: AnalyzeSettings, findings: FindingsConfig | None = None, log: Log = print) -> AnalyzeSummary:
    """Run (or resume) the analysis described by ``settings``, then write its findings tables
    with ``findings`` (default thresholds when ``None``; its seed, when ``None``, is the run's);
    returns where it wrote.

    Under ``torchrun`` this is one worker's part (:mod:`bertstory.pipeline.workers`): it
    analyses its share of the inputs (:func:`~bertstory.pipeline.split.balanced_split`), and after
    the barrier rank 0 alone checks the estimator, ends the run and writes the findings; the
    other workers return a summary with ``is_main`` false.

    One ``analyze`` at a time writes a run: rank 0 (the only process without ``torchrun``) holds
    the run folder's lock (:func:`~bertstory.results.analyze_lock`) until it returns, and refuses
    the run when another process holds it; the other workers touch the folder only once rank 0
    holds it.
    """
    with ExitStack() as held:
        return _run_analyze(settings, findings, log, held)


def _run_analyze(settings: AnalyzeSettings, findings: FindingsConfig | None, log: Log,
                 held: ExitStack) -> AnalyzeSummary:
    """:func:`run_analyze`, which takes the run's lock into ``held`` as soon as it knows the run."""
    held.enter_context(run_maps(settings.faithfulness))
    ensure_writable(settings.out)
    workers = Workers.from_environment()
    corpus = load_corpus(settings.corpus, settings.text_column, settings.pair_column)
    loaded = load_model(settings.model, worker_device(settings.device, workers))
    if settings.max_tokens is None:
        settings = replace(settings, max_tokens=min(DEFAULT_MAX_TOKENS, loaded.max_tokens))
    elif settings.max_tokens > loaded.max_tokens:
        raise BertstoryError(
            f"--max-tokens {settings.max_tokens} exceeds what the model accepts ({loaded.max_tokens} tokens)"
        )
    if settings.faithfulness:
        check_ablation_baseline(settings.ablation_baseline, loaded.tokenizer.mask_token_id)
    selected = sample(list(corpus.inputs), settings.max_inputs, settings.seed)
    _refuse_pairs_without_template(loaded, selected, corpus.source)
    prepared, too_long, no_text = _prepare(loaded, selected, settings.max_tokens)
    if not prepared:
        reasons = [f"{too_long} are longer than --max-tokens {settings.max_tokens}"] if too_long else []
        reasons += [f"{no_text} give only special tokens (no text the tokenizer keeps)"] if no_text else []
        raise BertstoryError(f"no input can be analysed: of the {len(selected)} sampled, {' and '.join(reasons)}")
    check_bootstrap_memory((findings or FindingsConfig()).bootstrap_samples, len(prepared), loaded.num_layers,
                           loaded.num_heads)
    recorded = settings.recorded(settings.max_tokens)
    corpus_hash = content_hash([p.item for p in prepared])
    key = run_key({**dataclasses.asdict(recorded), "model_revision": loaded.revision, "corpus": corpus_hash})
    run_dir = settings.out / f"{slug(EMBEDDED_MODEL_NAME if settings.model == DEFAULT_MODEL else settings.model)}-{key}"
    ensure_writable(run_dir)
    if workers.is_main:
        held.enter_context(analyze_lock(run_dir, log))
    shares = balanced_split([input_cost(len(p.encoded.tokens)) for p in prepared], workers.count)
    record = RunRecord(
        bertstory_version=__version__,
        run_id=run_dir.name,
        settings=recorded,
        model=model_info(loaded),
        corpus=CorpusInfo(source=corpus.source, content_hash=corpus_hash, n_available=len(corpus.inputs),
                          n_selected=len(selected), n_skipped_too_long=too_long, n_skipped_no_text=no_text),
        special_tokens=special_tokens(loaded),
        device=str(loaded.device),
        dtype=model_dtype(loaded),
        versions=software_versions(),
        started=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        status="running",
        n_inputs=len(prepared),
        n_tokens=sum(len(p.encoded.tokens) for p in prepared),
        workers=WorkerSplit(count=workers.count, inputs_per_worker=[len(share) for share in shares]),
    )
    folder = RunFolder(run_dir, record=record)  # every worker knows the record without reading run.json
    kept = set(kept_map_ids(prepared, settings.keep_maps, settings.seed))

    with worker_group(workers, loaded.device) as group:
        group.barrier()  # rank 0 holds the run's lock: no worker touches the folder before
        if workers.is_main:
            folder.write_record(record)
            folder.write_inputs(
                {"id": p.item.id, "text": p.item.text, "text_pair": p.item.text_pair, "tokens": p.encoded.tokens}
                for p in prepared
            )
        clock = time.perf_counter()
        show_bar = workers.is_main and not (settings.quiet or settings.verbose) and sys.stderr.isatty()
        with Progress(group, len(prepared), show_bar) as progress:
            timed = _analyse_share(loaded, folder, [prepared[i] for i in shares[workers.rank]], kept, settings,
                                   progress, _worker_log(log, workers))
            progress.wait_for_others()
            group.barrier()  # every worker's maps and statistics are on disk
            computed = progress.computed()
    if not workers.is_main:
        return AnalyzeSummary(folder.path, len(prepared), computed, too_long, time.perf_counter() - clock,
                              no_text, workers=workers.count, is_main=False)

    if settings.estimator == "probes" and settings.check_budget:
        check_estimator(loaded, folder, [(p.item.id, p.encoded) for p in prepared], settings, log, timed)
    seconds = time.perf_counter() - clock
    ids = [p.item.id for p in prepared]
    kept_maps = KeptMaps(asked=settings.keep_maps, count=len(folder.map_ids() & set(ids)))
    disk = folder.disk_use(ids)
    folder.write_record(record.replace(finished=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                       status="complete", seconds=round(seconds, 3), kept_maps=kept_maps, bytes=disk))
    write_findings(folder, findings)
    return AnalyzeSummary(folder.path, len(prepared), computed, too_long, seconds, no_text, workers=workers.count,
                          kept_maps=kept_maps, disk=disk, without_maps=_kept_without_maps(folder, kept))


def kept_map_ids(prepared: list[PreparedInput], keep_maps: int | None, seed: int) -> list[str]:
    """Ids of the inputs whose maps the run keeps: all of them, or the seeded sample of
    ``keep_maps`` that the report draws from (:func:`bertstory.results.sample_inputs`)."""
    ids = [p.item.id for p in prepared]
    if keep_maps is None:
        return ids
    inputs = pd.DataFrame({"id": ids, "text_pair": [p.item.text_pair for p in prepared]})
    return sample_inputs(inputs, keep_maps, seed)


def _refuse_pairs_without_template(loaded: LoadedModel, selected: list[CorpusInput], source: str) -> None:
    """Refuse, once and before anything is tokenised or computed, a sample with a sentence pair
    when the model's tokenizer has no pair template (decoders usually): naming the first pair."""
    first_pair = next((item for item in selected if item.text_pair is not None), None)
    if first_pair is None or has_pair_template(loaded.tokenizer):
        return
    pairs = sum(item.text_pair is not None for item in selected)
    raise BertstoryError(
        f"input {first_pair.id} of {source} is a sentence pair ({pairs} of the {len(selected)} sampled inputs are), "
        f"but the tokenizer of {loaded.name_or_path} has no pair template: it would run the two texts together as "
        "one; use a corpus of single sentences (one per line of a .txt file, no TAB; no --pair-column)"
    )


def _prepare(loaded: LoadedModel, selected: list[CorpusInput],
             max_tokens: int) -> tuple[list[PreparedInput], int, int]:
    """The inputs to analyse, and how many are skipped as longer than ``max_tokens`` and as
    giving only special tokens (their text has nothing the tokenizer keeps, e.g. control characters)."""
    prepared, too_long, no_text = [], 0, 0
    for item in selected:
        encoded = encode(loaded, item.text, item.text_pair)
        if not has_text(loaded.tokenizer, encoded):
            no_text += 1
        elif len(encoded.tokens) > max_tokens:
            too_long += 1
        else:
            prepared.append(PreparedInput(item, encoded))
    return prepared, too_long, no_text


def _worker_log(log: Log, workers: Workers) -> Log:
    """``log`` whose lines name the worker when there are several."""
    if workers.count == 1:
        return log
    return lambda line: log(f"[worker {workers.rank}] {line}")


def _analyse_share(loaded: LoadedModel, folder: RunFolder, share: list[PreparedInput], kept: set[str],
                   settings: AnalyzeSettings, progress: Progress, log: Log) -> MapsTimed:
    """Analyse this worker's ``share`` of the inputs: compute the maps of every input not yet
    finished, save them when the input is in ``kept``, and write their statistics (from the
    float32 maps as saved, rows renormalised in float64 as the findings read them). Returns how
    long computing the maps took, and of which inputs.

    Finished inputs are skipped: those with a complete map file (their statistics are written
    from it when missing or stale: a worker may have been killed between the two files), and
    those with current statistics and no map file. Before that, temporary files left by a killed
    worker are deleted, and inputs outside ``kept`` lose their map file once their statistics exist.
    """
    ids = [p.item.id for p in share]
    folder.clear_unfinished_writes(ids)
    _drop_maps_not_kept(folder, [p for p in share if p.item.id not in kept])
    with_maps = folder.map_ids()
    todo = [p for p in share if not _finished(folder, p, with_maps)]
    todo_ids = {p.item.id for p in todo}
    refresh_statistics(folder, [i for i in ids if i in with_maps and i not in todo_ids])
    if settings.verbose and len(todo) < len(share):
        log(f"resuming: {len(share) - len(todo)} of {len(share)} inputs already done")
    progress.found_done(len(share) - len(todo))
    timed = MapsTimed()
    for p in todo:
        started = time.perf_counter()
        arrays = input_maps(loaded, p.encoded, estimator=settings.estimator, probes=settings.probes,
                            seed=settings.seed, input_id=p.item.id, ablation_baseline=settings.ablation_baseline)
        timed.add(len(p.encoded.tokens), time.perf_counter() - started)
        if p.item.id in kept:
            folder.save_maps(p.item.id, arrays, p.encoded.tokens)
        normalised = {name: normalise_map(array, f"maps of input {p.item.id}: {name}", name)
                      for name, array in arrays.items()}
        write_statistics(folder, p.item.id, normalised, p.encoded.tokens)
        progress.analysed(len(p.encoded.tokens))
        if settings.verbose:
            log(f"{p.item.id}: {len(p.encoded.tokens)} tokens, {time.perf_counter() - started:.2f} s")
    return timed


def _finished(folder: RunFolder, p: PreparedInput, with_maps: set[str]) -> bool:
    """Whether the input needs no computing: its map file is complete, or it has none and its
    statistics are current."""
    if p.item.id in with_maps:
        return folder.has_maps(p.item.id, p.encoded.tokens)
    return has_current_statistics(folder, p.item.id, p.encoded.tokens)


def _drop_maps_not_kept(folder: RunFolder, not_kept: list[PreparedInput]) -> None:
    """Delete the map files of inputs outside the kept sample (a run resumed with a smaller
    ``--keep-maps``), writing their statistics from the map first when they lack current ones;
    an unreadable map is deleted and its input computed again."""
    with_maps = folder.map_ids()
    for p in not_kept:
        if p.item.id not in with_maps:
            continue
        current = has_current_statistics(folder, p.item.id, p.encoded.tokens)
        if not current and folder.has_maps(p.item.id, p.encoded.tokens):
            maps = folder.load_maps(p.item.id, normalise=True)
            write_statistics(folder, p.item.id, maps, maps["tokens"])
        folder.delete_maps(p.item.id)


def _kept_without_maps(folder: RunFolder, kept: set[str]) -> list[str]:
    """Ids of the kept sample that have no map file: analysed earlier with a smaller
    ``--keep-maps``, they have statistics only (their maps are not computed again unasked)."""
    return sorted(kept - folder.map_ids())
