"""Map rows by reverse mode equal the rows of the forward-mode maps: exact, and estimated along the
run's own probe directions, per family."""

import numpy as np
import pytest

from bertstory.maps.compute import compute_maps
from bertstory.engine.attribution import frobenius_shares
from bertstory.engine.rows import MapRow, row_norms
from bertstory.engine.tangents import probe_generator, token_directions

from tiny_models import FAMILIES, HEADS, LAYERS
from engine.helpers import tiny_float64

PROBES = 4


def every_row(n: int) -> list[MapRow]:
    """All rows of the three maps of an input of ``n`` tokens, in a scrambled order."""
    rows = [MapRow(view, layer, head, query) for view in ("local", "global") for layer in range(LAYERS)
            for head in range(HEADS) for query in range(n)]
    rows += [MapRow("contribution", layer, None, query) for layer in range(LAYERS) for query in range(n)]
    return [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]


def as_map_rows(maps: dict[str, np.ndarray], rows: list[MapRow]) -> np.ndarray:
    """The rows of ``maps`` (arrays by map name, as :class:`~bertstory.maps.InputMaps` holds them), (R, n)."""
    return np.stack([maps[row.view][row.layer, row.query] if row.head is None else maps[row.view][row.layer, row.head, row.query]
                     for row in rows])


@pytest.mark.parametrize("family", FAMILIES)
def test_rows_equal_the_forward_mode_maps(family):
    case = tiny_float64(family)
    n = case.features["input_ids"].shape[1]
    d = case.layer_inputs[0].shape[1]
    rows = every_row(n)
    directions = token_directions("probes", n, d, PROBES, probe_generator(5, "x"))
    norms = row_norms(case.model, case.features, rows, [directions])
    exact = compute_maps(case.model, case.features, estimator="exact")
    probes = compute_maps(case.model, case.features, estimator="probes", probes=PROBES, seed=5, input_id="x")
    np.testing.assert_allclose(frobenius_shares(norms.exact).numpy(), as_map_rows(exact, rows), rtol=0, atol=1e-6)
    np.testing.assert_allclose(frobenius_shares(norms.estimates[0]).numpy(), as_map_rows(probes, rows), rtol=0, atol=1e-6)
    assert not np.allclose(as_map_rows(exact, rows), as_map_rows(probes, rows), atol=1e-3)
