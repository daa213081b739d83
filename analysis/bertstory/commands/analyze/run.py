"""The ``analyze`` pipeline: corpus → tokens → maps per input → results directory.

Resumable: inputs whose map file is complete are skipped; the probe estimator's accuracy
check caches its exact maps under ``estimator/``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
import transformers
from tqdm import tqdm

from bertstory import __version__
from bertstory.commands.analyze.args import DEFAULT_MAX_TOKENS, AnalyzeArgs
from bertstory.commands.analyze.estimator_check import check_estimator
from bertstory.corpus import CorpusInput, load_corpus, sample
from bertstory.engine import compute_maps
from bertstory.engine.embedding import Encoded, encode, model_features
from bertstory.errors import BertstoryError
from bertstory.findings import write_findings
from bertstory.models import DEFAULT_MODEL, EMBEDDED_MODEL_NAME, LoadedModel, load_model
from bertstory.results import RunDirectory, atomic_write_jsonl, ensure_writable, run_key, slug


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


def run_analyze(args: AnalyzeArgs, log=print) -> AnalyzeSummary:
    """Run (or resume) the analysis described by ``args``; returns where it wrote."""
    ensure_writable(args.out)
    corpus = load_corpus(args.corpus, args.text_column, args.pair_column)
    loaded = load_model(args.model, args.device)
    if args.max_tokens is None:
        args = replace(args, max_tokens=min(DEFAULT_MAX_TOKENS, loaded.max_tokens))
    elif args.max_tokens > loaded.max_tokens:
        raise BertstoryError(
            f"--max-tokens {args.max_tokens} exceeds what the model accepts ({loaded.max_tokens} tokens)"
        )
    selected = sample(list(corpus.inputs), args.max_inputs, args.seed)
    prepared, too_long = _prepare(loaded, selected, args.max_tokens)
    if not prepared:
        raise BertstoryError(
            f"no input fits --max-tokens {args.max_tokens} ({too_long} of {len(selected)} are longer)"
        )
    content_hash = corpus_hash(prepared)
    settings = _settings(args)
    key = run_key({**settings, "model_revision": loaded.revision, "corpus": content_hash})
    run_dir = RunDirectory(args.out / f"{slug(EMBEDDED_MODEL_NAME if args.model == DEFAULT_MODEL else args.model)}-{key}")
    ensure_writable(run_dir.path)

    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    run = {
        "bertstory_version": __version__,
        "run_id": run_dir.path.name,
        "settings": settings,
        "model": _model_info(loaded),
        "corpus": {
            "source": corpus.source,
            "content_hash": content_hash,
            "n_available": len(corpus.inputs),
            "n_selected": len(selected),
            "n_skipped_too_long": too_long,
        },
        "special_tokens": {"cls": loaded.tokenizer.cls_token, "sep": loaded.tokenizer.sep_token},
        "device": str(loaded.device),
        "dtype": str(next(loaded.model.parameters()).dtype).removeprefix("torch."),
        "versions": _versions(),
        "started": started,
        "finished": None,
        "status": "running",
        "n_inputs": len(prepared),
        "n_tokens": sum(len(p.encoded.tokens) for p in prepared),
        "seconds": None,
    }
    run_dir.write_run(run)
    atomic_write_jsonl(
        run_dir.inputs_jsonl,
        ({"id": p.item.id, "text": p.item.text, "text_pair": p.item.text_pair, "tokens": p.encoded.tokens} for p in prepared),
    )

    clock = time.perf_counter()
    computed = _compute_missing(loaded, run_dir, prepared, args, log)
    if args.estimator == "probes" and args.check_inputs:
        check_estimator(loaded, run_dir, [(p.item.id, p.encoded) for p in prepared], args, log)
    seconds = time.perf_counter() - clock
    run.update(finished=datetime.now(timezone.utc).isoformat(timespec="seconds"), status="complete", seconds=round(seconds, 3))
    run_dir.write_run(run)
    write_findings(run_dir.path)
    return AnalyzeSummary(run_dir.path, len(prepared), computed, too_long, seconds)


def corpus_hash(prepared: list[PreparedInput]) -> str:
    """SHA-256 of the analysed inputs (ids and texts), the corpus part of the run key."""
    rows = [[p.item.id, p.item.text, p.item.text_pair] for p in prepared]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def _prepare(loaded: LoadedModel, selected: list[CorpusInput], max_tokens: int) -> tuple[list[PreparedInput], int]:
    prepared, too_long = [], 0
    for item in selected:
        encoded = encode(loaded, item.text, item.text_pair)
        if len(encoded.tokens) > max_tokens:
            too_long += 1
        else:
            prepared.append(PreparedInput(item, encoded))
    return prepared, too_long


def _compute_missing(loaded: LoadedModel, run_dir: RunDirectory, prepared: list[PreparedInput], args: AnalyzeArgs, log) -> int:
    """Compute and save the maps of every input without a complete map file; returns how many."""
    num_heads = loaded.architecture.num_heads(loaded.model)
    todo = [p for p in prepared if not run_dir.has_complete_maps(p.item.id, p.encoded.tokens, loaded.num_layers, num_heads)]
    if args.verbose and len(todo) < len(prepared):
        log(f"resuming: {len(prepared) - len(todo)} of {len(prepared)} inputs already done")
    show_bar = not (args.quiet or args.verbose) and sys.stderr.isatty()
    tokens_done, clock = 0, time.perf_counter()
    with tqdm(total=len(prepared), initial=len(prepared) - len(todo), unit="input", disable=not show_bar,
              desc="analyze", dynamic_ncols=True) as bar:
        for p in todo:
            started = time.perf_counter()
            maps = compute_maps(
                loaded.model, model_features(loaded, p.encoded),
                estimator=args.estimator, probes=args.probes, seed=args.seed, input_id=p.item.id,
            )
            run_dir.save_maps(p.item.id, maps.as_arrays(), p.encoded.tokens)
            tokens_done += len(p.encoded.tokens)
            bar.update()
            bar.set_postfix(tokens_per_s=f"{tokens_done / (time.perf_counter() - clock):.1f}")
            if args.verbose:
                log(f"{p.item.id}: {len(p.encoded.tokens)} tokens, {time.perf_counter() - started:.2f} s")
    return len(todo)


def _settings(args: AnalyzeArgs) -> dict:
    return {
        "model": args.model,
        "corpus": args.corpus or "builtin",
        "text_column": args.text_column,
        "pair_column": args.pair_column,
        "estimator": args.estimator,
        "probes": args.probes if args.estimator == "probes" else None,
        "seed": args.seed,
        "max_tokens": args.max_tokens,
        "max_inputs": args.max_inputs,
    }


def _model_info(loaded: LoadedModel) -> dict:
    config = loaded.model.config
    return {
        "name_or_path": loaded.name_or_path,
        "revision": loaded.revision,
        "model_type": loaded.architecture.model_type,
        "num_layers": loaded.num_layers,
        "num_heads": loaded.architecture.num_heads(loaded.model),
        "hidden_size": getattr(config, "hidden_size", None) or config.dim,
        "max_positions": loaded.max_tokens,
    }


def _versions() -> dict:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "numpy": np.__version__,
    }
