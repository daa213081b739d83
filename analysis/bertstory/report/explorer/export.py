"""The explorer's data files: one script per input, loaded by the page when the input is shown.

Browsers refuse ``fetch()`` of local files under ``file://``, so the data travel as scripts
that hand a JSON object to the page's global ``bertstoryExplorer`` (explorer.js):

- ``index.js`` calls ``bertstoryExplorer.run(INDEX)``: the run's shape, the sampled inputs
  (``id``, ``n`` tokens, ``text``, ``text_pair``, ``pair``, ``bytes`` of its data file), the
  views and the colour scale;
- ``data/<id>.js`` calls ``bertstoryExplorer.register(INPUT)``: ``id``, ``tokens`` and, per map
  kind (``attention``, ``local``, ``global``: shape (L, H, n, n); ``contribution``: (L, n, n)),
  ``shape``, ``scales`` (one per n×n map, C order) and ``codes`` — the uint8 codes of
  :mod:`bertstory.report.explorer.quantise` in C order, base64. Entry ``[l, h, j, i]`` (query
  ``j``, input token ``i``) reads back as ``codes[((l·H + h)·n + j)·n + i] × scales[l·H + h]``.

A data file holds (3·L·H + L)·n² codes, 4/3 bytes each in base64, plus the tokens and scales.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bertstory.errors import BertstoryError
from bertstory.report.explorer.quantise import quantise

MAP_KINDS: tuple[str, ...] = ("attention", "local", "global", "contribution")
"""The maps of an input, in the order the explorer draws them."""
FORMAT = 1
"""Version of the data files' layout, written into each."""


@dataclass(frozen=True)
class InputFile:
    """One written data file: the input's ``id``, its ``n`` tokens and the file's ``path`` and ``bytes``."""

    id: str
    n: int
    path: Path
    bytes: int


def script(function: str, payload: dict) -> str:
    """JavaScript that calls ``bertstoryExplorer.<function>`` with ``payload`` (ASCII JSON)."""
    return f"bertstoryExplorer.{function}({json.dumps(payload, ensure_ascii=True, separators=(',', ':'))});\n"


def input_payload(input_id: str, tokens: list[str], maps: dict[str, np.ndarray]) -> dict:
    """The object ``data/<id>.js`` registers: the input's tokens and its quantised maps.

    Raises :class:`BertstoryError` when a map does not fit the tokens or has entries that are
    negative or not finite.
    """
    n = len(tokens)
    payload: dict = {"format": FORMAT, "id": input_id, "tokens": list(tokens), "maps": {}}
    for kind in MAP_KINDS:
        array = maps[kind]
        if array.shape[-2:] != (n, n):
            raise BertstoryError(f"the {kind} map of input {input_id} is {array.shape}, not (…, {n}, {n}) for its "
                                 f"{n} tokens; rerun `bertstory analyze` for it")
        try:
            q = quantise(array)
        except ValueError:
            raise BertstoryError(f"the {kind} map of input {input_id} has negative or non-finite entries; "
                                 "rerun `bertstory analyze` for it") from None
        payload["maps"][kind] = {
            "shape": list(array.shape),
            "scales": [float(s) for s in q.scales.ravel()],
            "codes": base64.b64encode(q.codes.tobytes(order="C")).decode("ascii"),
        }
    return payload


def write_input(data_dir: Path, input_id: str, tokens: list[str], maps: dict[str, np.ndarray]) -> InputFile:
    """Write ``data_dir/<id>.js`` for one input; returns what was written."""
    path = Path(data_dir) / f"{input_id}.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script("register", input_payload(input_id, tokens, maps)), encoding="ascii")
    return InputFile(id=input_id, n=len(tokens), path=path, bytes=path.stat().st_size)


def write_index(folder: Path, index: dict) -> Path:
    """Write ``folder/index.js``, which hands ``index`` to the page."""
    path = Path(folder) / "index.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script("run", index), encoding="ascii")
    return path
