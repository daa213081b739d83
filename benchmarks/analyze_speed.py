"""Benchmark: seconds per input of the map engine, per device and estimator, and how far
the probe estimate and the devices disagree. Not a test: timings vary with the machine.

    python benchmarks/analyze_speed.py                          # embedded MiniLM, CPU, probes K=8 and exact
    python benchmarks/analyze_speed.py --devices cpu,cuda --random-base   # random bert-base-sized model

Prints one line per (device, estimator) and, when several were run, their mean total
variation against the first device's exact maps (or the first estimator's maps).
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import numpy as np
import torch
from transformers import BertConfig, BertModel

from bertstory.corpus import load_corpus, sample
from bertstory.engine.embedding import embedding_output, encode
from bertstory.engine.maps import compute_maps
from bertstory.models import embedded_model_path, load_model


def _mean_tv(a: np.ndarray, b: np.ndarray) -> float:
    return float(0.5 * np.abs(a.astype(np.float64) - b).sum(-1).mean())


def _random_base(folder: Path) -> str:
    """A randomly initialised model of bert-base's size (12 × 12 heads, d = 768), embedded tokenizer."""
    from transformers import AutoTokenizer

    torch.manual_seed(0)
    BertModel(BertConfig(attn_implementation="eager")).save_pretrained(folder)
    AutoTokenizer.from_pretrained(embedded_model_path()).save_pretrained(folder)
    return str(folder)


@click.command()
@click.option("--model", default="embedded")
@click.option("--random-base", is_flag=True, help="Use a random bert-base-sized model instead of --model.")
@click.option("--devices", default="cpu")
@click.option("--estimators", default="probes,exact")
@click.option("--probes", default=8)
@click.option("--inputs", "n_inputs", default=3)
@click.option("--seed", default=0)
def main(model, random_base, devices, estimators, probes, n_inputs, seed):
    if random_base:
        model = _random_base(Path("/tmp/bertstory-random-base"))
    corpus = load_corpus(None)
    chosen = sample(list(corpus.inputs), n_inputs, seed)
    results: dict[tuple[str, str], list[dict]] = {}
    device_list = devices.split(",")
    for device in device_list:
        loaded = load_model(model, device)
        layers = loaded.architecture.layers(loaded.model)
        heads = loaded.architecture.num_heads(loaded.model)
        for estimator in estimators.split(","):
            maps, seconds, tokens = [], 0.0, 0
            for item in chosen:
                encoded = encode(loaded, item.text, item.text_pair)
                e0 = embedding_output(loaded, encoded)
                _synchronize(device)
                start = time.perf_counter()
                maps.append(compute_maps(layers, heads, e0, estimator=estimator, probes=probes, seed=seed,
                                         input_id=item.id).as_arrays())
                _synchronize(device)
                seconds += time.perf_counter() - start
                tokens += len(encoded.tokens)
            results[device, estimator] = maps
            click.echo(f"{device:5s} {estimator:6s} K={probes if estimator == 'probes' else 'd':<3} "
                       f"{seconds / len(chosen):8.2f} s/input  ({tokens / len(chosen):.1f} tokens/input, "
                       f"{tokens / seconds:.1f} tokens/s)")
    first = device_list[0]
    for (device, estimator), maps in results.items():
        for reference in {(first, "exact"), (first, estimator)} - {(device, estimator)}:
            if reference in results:
                tv = {view: np.mean([_mean_tv(m[view], r[view]) for m, r in zip(maps, results[reference])])
                      for view in ("attention", "local", "global", "contribution")}
                click.echo(f"{device} {estimator} vs {reference[0]} {reference[1]}: mean TV "
                           + ", ".join(f"{view} {value:.2e}" for view, value in tv.items()))


def _synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()

if __name__ == "__main__":
    main()
