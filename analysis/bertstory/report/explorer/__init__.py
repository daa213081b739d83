"""The explorer: one input, one head, its attention, local and global attribution and the layer's
token contribution side by side as token-labelled heat maps and as lines, in the static site.

:func:`write_explorer` writes, under ``docs/generated/``: ``explorer.md`` (the page),
``explorer/index.js`` and ``explorer/data/<id>/<layer>.js`` (see :mod:`.export`) for a seeded
sample of the run's inputs with maps that holds the head pages' examples (:mod:`.sample`),
quantised per map (:mod:`.quantise`), and the page's script and styles ``assets/explorer.js`` and
``assets/explorer.css``. The page loads one layer of one input at a time and works from
``file://`` and over http, without a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex

from bertstory.report import project, style
from bertstory.report.examples import inputs_with_maps, is_pair
from bertstory.report.explorer.export import FORMAT, InputFiles, write_index, write_input
from bertstory.report.explorer.quantise import LEVELS
from bertstory.report.explorer.sample import DEFAULT_COUNT, explorer_inputs
from bertstory.report.figures.head_maps import MAP_GAMMA
from bertstory.report.pages import environment
from bertstory.report.project import Layout
from bertstory.results import RunFolder
from bertstory.maps import MAPS, explorer_maps, run_maps

__all__ = ["DEFAULT_COUNT", "Explorer", "write_explorer"]

FOLDER = "explorer"
"""The data's folder under ``docs/generated/``, beside the page ``explorer.md``."""
ASSETS: tuple[str, ...] = ("explorer.js", "explorer.css")


@dataclass(frozen=True)
class Explorer:
    """What :func:`write_explorer` wrote: the ``page``, the ``seed`` of the sample and the data
    files of each sampled input (``files``, in the run's order)."""

    page: Path
    seed: int
    files: list[InputFiles]


def colour_scale() -> dict:
    """The heat maps' colours, those of the head pages' maps: ``colormap`` (256 hex colours of
    :data:`style.MAP_CMAP`) over a power norm with exponent ``gamma`` from ``vmin`` to ``vmax``."""
    cmap = colormaps[style.MAP_CMAP].resampled(LEVELS + 1)
    return {"colormap": [to_hex(cmap(k)) for k in range(LEVELS + 1)], "vmin": 0.0, "vmax": 1.0, "gamma": MAP_GAMMA}


def write_explorer(run: RunFolder, layout: Layout, count: int = DEFAULT_COUNT) -> Explorer:
    """Write the explorer of ``run`` into ``layout.generated``: ``count`` of the inputs whose maps
    the run keeps, sampled with the run's seed, the head pages' examples among them; it shows the
    maps of :func:`~bertstory.maps.explorer_maps` that the run has (:func:`~bertstory.maps.run_maps`)."""
    with run_maps(run.record.settings.faithfulness):
        return _write_explorer(run, layout, count)


def _write_explorer(run: RunFolder, layout: Layout, count: int) -> Explorer:
    seed = run.record.settings.seed
    candidates = inputs_with_maps(run)
    ids = explorer_inputs(candidates, count, seed)
    rows = candidates.set_index("id")
    folder = layout.generated / FOLDER
    files = [write_input(folder / "data", input_id, list(rows.loc[input_id, "tokens"]), run.load_maps(input_id))
             for input_id in ids]
    num_layers, num_heads = run.record.num_layers, run.record.num_heads
    inputs = []
    for file in files:
        row = rows.loc[file.id]
        pair = row.get("text_pair")
        inputs.append({"id": file.id, "n": file.n, "tokens": [str(t) for t in row["tokens"]],
                       "text": str(row.get("text", "")), "text_pair": pair if is_pair(pair) else None,
                       "pair": is_pair(pair), "layer_bytes": list(file.sizes)})
    write_index(folder, {
        "format": FORMAT, "run_id": run.record.run_id, "num_layers": num_layers, "num_heads": num_heads,
        "seed": seed, "total_inputs": len(candidates), "inputs": inputs,
        "kinds": list(explorer_maps()), "titles": {name: MAPS[name].title for name in explorer_maps()},
        "scopes": {name: MAPS[name].scope for name in explorer_maps()},
        "colors": {name: MAPS[name].colour for name in explorer_maps()}, "scale": colour_scale(),
    })
    for asset in ASSETS:
        project.copy_asset(asset, layout.generated / "assets" / asset)
    layer_sizes = np.array([size for f in files for size in f.sizes])
    page = layout.generated / "explorer.md"
    page.write_text(environment().get_template("explorer.md.j2").render(
        L=num_layers, H=num_heads, sampled=len(files), total=len(candidates), seed=seed,
        median_kb=float(np.median(layer_sizes)) / 1000, max_kb=float(layer_sizes.max()) / 1000,
        max_input_kb=max(f.bytes for f in files) / 1000, titles={name: MAPS[name].title for name in explorer_maps()},
    ), encoding="utf-8")
    return Explorer(page=page, seed=seed, files=files)
