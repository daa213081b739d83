"""The explorer's data: the seeded sample (holding the head pages' examples), 8-bit quantisation and
its error bound, the per-layer data files decoded independently of the exporter (base64 + numpy,
following the format in export.py), sizes."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bertstory.errors import BertstoryError
from bertstory.report import project
from bertstory.report.examples import choose_examples
from bertstory.report.explorer import DEFAULT_COUNT, write_explorer
from bertstory.maps import explorer_maps, run_maps
from bertstory.report.explorer.export import write_input
from bertstory.report.explorer.quantise import quantise
from bertstory.results import RunFolder, sample_inputs

from .synthetic import make_results


def _inputs(n: int, pairs: set[int]) -> pd.DataFrame:
    return pd.DataFrame({
        "id": [f"{k:05d}" for k in range(n)],
        "text": [f"sentence {k}" for k in range(n)],
        "text_pair": [f"second {k}" if k in pairs else None for k in range(n)],
    })


def _stochastic(rng: np.random.Generator, shape: tuple[int, ...], concentration: float) -> np.ndarray:
    x = rng.gamma(concentration, size=shape) + 1e-9
    return (x / x.sum(axis=-1, keepdims=True)).astype(np.float32)


def _read_script(path: Path, function: str) -> dict:
    """The JSON object a data script hands to ``bertstoryExplorer.<function>``."""
    text = path.read_text(encoding="ascii")
    prefix, suffix = f"bertstoryExplorer.{function}(", ");\n"
    assert text.startswith(prefix) and text.endswith(suffix)
    return json.loads(text[len(prefix): -len(suffix)])


def _decode(entry: dict) -> np.ndarray:
    shape = tuple(entry["shape"])
    codes = np.frombuffer(base64.b64decode(entry["codes"]), dtype=np.uint8).reshape(shape)
    scales = np.array(entry["scales"], dtype=np.float64).reshape(shape[:-2])
    return codes * scales[..., None, None]


def test_sample_is_seeded_in_run_order_and_keeps_the_share_of_pairs():
    inputs = _inputs(100, pairs=set(range(0, 100, 5)))  # 20 pairs
    first = sample_inputs(inputs, 24, seed=7)
    assert first == sample_inputs(inputs, 24, seed=7)
    assert first != sample_inputs(inputs, 24, seed=8)
    assert len(first) == len(set(first)) == 24 and first == sorted(first)
    is_pair = inputs.set_index("id")["text_pair"].notna()
    assert sum(is_pair[i] for i in first) == round(24 * 20 / 100)


def test_sample_gives_each_kind_a_place_and_takes_small_runs_whole():
    one_pair = _inputs(100, pairs={42})
    assert "00042" in sample_inputs(one_pair, 24, seed=0)
    one_single = _inputs(100, pairs=set(range(100)) - {3})
    assert "00003" in sample_inputs(one_single, 24, seed=0)
    small = _inputs(10, pairs={1})
    assert sample_inputs(small, DEFAULT_COUNT, seed=0) == list(small["id"])
    assert sample_inputs(_inputs(30, set()).drop(columns="text_pair"), 5, seed=1) == \
        sample_inputs(_inputs(30, set()), 5, seed=1)


def test_sample_always_holds_the_included_inputs_and_keeps_the_share_of_pairs():
    inputs = _inputs(100, pairs=set(range(0, 100, 5)))  # 20 pairs
    include = ["00007", "00010", "00093"]  # two singles and a pair
    sample = sample_inputs(inputs, 24, seed=7, include=include)
    assert set(include) <= set(sample) and len(sample) == len(set(sample)) == 24 and sample == sorted(sample)
    assert sample == sample_inputs(inputs, 24, seed=7, include=list(reversed(include)))
    is_pair = inputs.set_index("id")["text_pair"].notna()
    assert sum(is_pair[i] for i in sample) == round(24 * 20 / 100)
    many_pairs = [f"{k:05d}" for k in range(0, 100, 5)][:8]  # more pairs than their share: all kept
    assert set(many_pairs) <= set(sample_inputs(inputs, 24, seed=7, include=many_pairs))
    assert len(sample_inputs(inputs, 2, seed=7, include=include)) == 3  # the sample grows to hold them
    with pytest.raises(ValueError, match="not among the inputs: 12345"):
        sample_inputs(inputs, 24, seed=7, include=["12345"])


@pytest.mark.parametrize("concentration", [0.05, 1.0, 50.0])  # peaked, mixed and near-uniform rows
def test_quantised_maps_are_within_half_a_step_of_the_maps(concentration):
    maps = _stochastic(np.random.default_rng(1), (3, 4, 17, 17), concentration)
    q = quantise(maps)
    assert q.codes.dtype == np.uint8 and q.codes.shape == maps.shape and q.scales.shape == (3, 4)
    peaks = maps.astype(np.float64).max(axis=(-2, -1))
    assert np.allclose(q.scales, peaks / 255, rtol=1e-6, atol=0)
    assert (q.codes.max(axis=(-2, -1)) == 255).all()
    error = np.abs(q.values() - maps).max(axis=(-2, -1))
    assert (error <= peaks / 510 * (1 + 1e-6)).all() and error.max() <= 1 / 510
    assert (error > peaks / 510 * 0.5).any()  # the bound is not loose by orders of magnitude


def test_quantise_refuses_what_the_bound_does_not_cover():
    assert (quantise(np.zeros((2, 3, 3))).codes == 0).all()
    for bad in (-0.1, np.nan):
        maps = np.full((1, 2, 2), 0.5)
        maps[0, 0, 1] = bad
        with pytest.raises(ValueError):
            quantise(maps)


def test_layer_files_decode_to_the_maps_and_each_is_its_layers_codes_plus_little(tmp_path):
    rng = np.random.default_rng(3)
    L, H, n = 12, 12, 32  # bert-base, a 32-token input
    tokens = ["[CLS]"] + [f"w{k}" for k in range(n - 2)] + ["[SEP]"]
    maps = {kind: _stochastic(rng, (L, H, n, n), 0.3) for kind in ("attention", "local", "global")}
    maps["contribution"] = _stochastic(rng, (L, n, n), 0.3)
    with run_maps(False):  # the maps of a run without the faithfulness maps
        written = write_input(tmp_path, "00042", tokens, maps)
        kinds = explorer_maps()
    assert written.paths == tuple(tmp_path / "00042" / f"{layer}.js" for layer in range(1, L + 1))
    assert written.sizes == tuple(p.stat().st_size for p in written.paths) and written.n == n
    assert sorted(p.name for p in (tmp_path / "00042").iterdir()) == sorted(f"{layer}.js" for layer in range(1, L + 1))
    decoded = {kind: [] for kind in kinds}
    for layer, path in enumerate(written.paths, start=1):
        payload = _read_script(path, "register")
        assert (payload["id"], payload["layer"], list(payload["maps"])) == ("00042", layer, list(kinds))
        for kind, entry in payload["maps"].items():
            decoded[kind].append(_decode(entry))
            assert len(entry["codes"]) == 4 * math.ceil(np.prod(entry["shape"]) / 3)  # one byte per entry, in base64
        codes = (3 * H + 1) * n * n
        assert codes * 4 / 3 <= path.stat().st_size <= codes * 4 / 3 * 1.05  # scales add under 5%
    for kind in kinds:
        whole = np.stack(decoded[kind])
        bound = maps[kind].max(axis=(-2, -1), keepdims=True) / 510 * (1 + 1e-6)
        assert whole.shape == maps[kind].shape and (np.abs(whole - maps[kind]) <= bound).all()


def test_maps_that_do_not_fit_the_tokens_are_a_one_line_error(tmp_path):
    maps = {kind: np.full((1, 1, 3, 3), 1 / 3, np.float32) for kind in ("attention", "local", "global")}
    maps["contribution"] = np.full((1, 3, 3), 1 / 3, np.float32)
    with pytest.raises(BertstoryError, match=r"^the attention map of input 7 is \(1, 1, 3, 3\), not \(…, 4, 4\)"):
        write_input(tmp_path, "7", ["a", "b", "c", "d"], maps)
    maps["global"][0, 0, 1, 1] = np.nan
    with pytest.raises(BertstoryError, match="^the global map of input 7 has negative or non-finite entries"):
        write_input(tmp_path, "7", ["a", "b", "c"], maps)


def test_write_explorer_writes_the_sample_its_index_and_the_page(tmp_path):
    run_dir = make_results(tmp_path / "runs", num_layers=2, num_heads=3, n_inputs=30, seed=4)
    run = RunFolder(run_dir)
    inputs = run.inputs
    layout = project.prepare(tmp_path / "project")
    explorer = write_explorer(run, layout)
    assert explorer.seed == 4
    examples = choose_examples(inputs)
    sampled = sample_inputs(inputs, DEFAULT_COUNT, seed=4, include=examples)
    assert [f.id for f in explorer.files] == sampled and set(examples) <= set(sampled)
    data = layout.generated / "explorer" / "data"
    assert sorted(p.relative_to(data).as_posix() for p in data.rglob("*.js")) == \
        sorted(f"{i}/{layer}.js" for i in sampled for layer in (1, 2))
    index = _read_script(layout.generated / "explorer" / "index.js", "run")
    assert (index["num_layers"], index["num_heads"], index["seed"], index["total_inputs"]) == (2, 3, 4, 30)
    assert [e["id"] for e in index["inputs"]] == sampled
    pairs = inputs.set_index("id")["text_pair"].notna()
    assert [e["pair"] for e in index["inputs"]] == [bool(pairs[i]) for i in sampled] and any(pairs[sampled])
    for entry, file in zip(index["inputs"], explorer.files):
        tokens = list(inputs.set_index("id").loc[entry["id"], "tokens"])
        assert entry["layer_bytes"] == [p.stat().st_size for p in file.paths]
        assert entry["tokens"] == tokens and entry["n"] == len(tokens)
    with np.load(run_dir / "maps" / f"{sampled[0]}.npz") as npz:
        second = _read_script(explorer.files[0].paths[1], "register")
        assert (np.abs(_decode(second["maps"]["global"]) - npz["global"][1]) <= 1 / 510).all()
        assert (np.abs(_decode(second["maps"]["contribution"]) - npz["contribution"][1]) <= 1 / 510).all()
    scale = index["scale"]
    assert len(scale["colormap"]) == 256 and (scale["vmin"], scale["vmax"]) == (0.0, 1.0)
    page = explorer.page.read_text(encoding="utf-8")
    assert '<div id="bs-explorer"' in page and '<script src="explorer/index.js"></script>' in page
    for layer in (1, 2):
        for head in (1, 2, 3):
            assert f"[L{layer}-H{head}](heads/L{layer}-H{head}.md)" in page
    for asset in ("explorer.js", "explorer.css"):
        assert (layout.generated / "assets" / asset).is_file()


def test_the_explorer_samples_among_the_inputs_whose_maps_are_kept(tmp_path):
    run_dir = make_results(tmp_path / "runs", num_layers=2, num_heads=3, n_inputs=30, seed=4)
    run = RunFolder(run_dir)
    kept = sample_inputs(run.inputs, 5, seed=4)
    for path in (run_dir / "maps").glob("*.npz"):
        if path.stem not in kept:
            path.unlink()  # as analyze --keep-maps 5 leaves the run
    explorer = write_explorer(run, project.prepare(tmp_path / "project"))
    assert [f.id for f in explorer.files] == kept
    assert _read_script(tmp_path / "project" / "docs" / "generated" / "explorer" / "index.js", "run")["total_inputs"] == 5  # inputs with maps
