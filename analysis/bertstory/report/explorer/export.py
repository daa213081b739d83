"""The explorer's data files: one script per input and layer, loaded by the page when that layer of
that input is shown.

Browsers refuse ``fetch()`` of local files under ``file://``, so the data travel as scripts
that hand a JSON object to the page's global ``bertstoryExplorer`` (explorer.js):

- ``index.js`` calls ``bertstoryExplorer.run(INDEX)``: the run's shape, the sampled inputs
  (``id``, ``n`` tokens, ``tokens``, ``text``, ``text_pair``, ``pair``, ``layer_bytes``: the
  size of each layer's data file), the views and the colour scale;
- ``data/<id>/<layer>.js`` (layer from 1) calls ``bertstoryExplorer.register(LAYER)``: ``id``,
  ``layer`` and, per map kind, that layer's maps (``attention``, ``local``, ``global``: shape
  (H, n, n); ``contribution``: (n, n)) as ``shape``, ``scales`` (one per n×n map, C order) and
  ``codes`` — the uint8 codes of :mod:`bertstory.report.explorer.quantise` in C order, base64.
  Entry ``[h, j, i]`` (query ``j``, input token ``i``) reads back as
  ``codes[(h·n + j)·n + i] × scales[h]``; the contribution's ``[j, i]`` as ``codes[j·n + i] × scales[0]``.

A layer's file holds (3·H + 1)·n² codes, 4/3 bytes each in base64, plus H + 1 scales: at n = 128
on bert-base (H = 12), about 0.8 MB, against L times that for the whole input.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bertstory.errors import BertstoryError
from bertstory.report.explorer.quantise import quantise
from bertstory.maps import explorer_maps

FORMAT = 2
"""Version of the data files' layout, written into each (2: one file per input and layer)."""


@dataclass(frozen=True)
class InputFiles:
    """The written data files of one input: its ``id``, its ``n`` tokens, and per layer (from 1,
    in order) the file's path (``paths``) and size in bytes (``sizes``)."""

    id: str
    n: int
    paths: tuple[Path, ...]
    sizes: tuple[int, ...]

    @property
    def bytes(self) -> int:
        """Bytes of all the input's layers together."""
        return sum(self.sizes)


def script(function: str, payload: dict) -> str:
    """JavaScript that calls ``bertstoryExplorer.<function>`` with ``payload`` (ASCII JSON)."""
    return f"bertstoryExplorer.{function}({json.dumps(payload, ensure_ascii=True, separators=(',', ':'))});\n"


def layer_payloads(input_id: str, tokens: list[str], maps: dict[str, np.ndarray]) -> list[dict]:
    """The objects ``data/<id>/<layer>.js`` register, one per layer in order: the layer's quantised maps.

    ``maps``: the registered maps by name, at least those the explorer shows
    (:func:`bertstory.maps.explorer_maps`, in the order it draws them), (L, H, n, n) or (L, n, n). Raises
    :class:`BertstoryError` when a map does not fit the tokens or has entries that are negative
    or not finite.
    """
    n = len(tokens)
    quantised = {}
    for kind in explorer_maps():
        array = maps[kind]
        if array.shape[-2:] != (n, n):
            raise BertstoryError(f"the {kind} map of input {input_id} is {array.shape}, not (…, {n}, {n}) for its "
                                 f"{n} tokens; rerun `bertstory analyze` for it")
        try:
            quantised[kind] = quantise(array)
        except ValueError:
            raise BertstoryError(f"the {kind} map of input {input_id} has negative or non-finite entries; "
                                 "rerun `bertstory analyze` for it") from None
    num_layers = next(iter(quantised.values())).codes.shape[0]
    payloads = []
    for layer in range(num_layers):
        payload: dict = {"format": FORMAT, "id": input_id, "layer": layer + 1, "maps": {}}
        for kind, q in quantised.items():
            codes = q.codes[layer]
            scales = np.atleast_1d(q.scales[layer])
            payload["maps"][kind] = {
                "shape": list(codes.shape),
                "scales": [float(s) for s in scales.ravel()],
                "codes": base64.b64encode(codes.tobytes(order="C")).decode("ascii"),
            }
        payloads.append(payload)
    return payloads


def write_input(data_dir: Path, input_id: str, tokens: list[str], maps: dict[str, np.ndarray]) -> InputFiles:
    """Write ``data_dir/<id>/<layer>.js`` for every layer of one input; returns what was written."""
    folder = Path(data_dir) / input_id
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for payload in layer_payloads(input_id, tokens, maps):
        path = folder / f"{payload['layer']}.js"
        path.write_text(script("register", payload), encoding="ascii")
        paths.append(path)
    return InputFiles(id=input_id, n=len(tokens), paths=tuple(paths), sizes=tuple(p.stat().st_size for p in paths))


def write_index(folder: Path, index: dict) -> Path:
    """Write ``folder/index.js``, which hands ``index`` to the page."""
    path = Path(folder) / "index.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script("run", index), encoding="ascii")
    return path
