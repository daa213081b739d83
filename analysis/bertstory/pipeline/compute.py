"""The maps of one tokenised input of a loaded model, and exact rows of them for the estimator
check: where the pipeline meets the engine."""

from __future__ import annotations

from collections.abc import Sequence

from bertstory.engine.rows import MapRow, RowNorms, row_norms
from bertstory.engine.tangents import probe_generator, token_directions
from bertstory.maps import InputMaps
from bertstory.maps.compute import compute_maps
from bertstory.models import Encoded, LoadedModel, model_features


def input_maps(loaded: LoadedModel, encoded: Encoded, *, estimator: str, probes: int, seed: int,
               input_id: str, ablation_baseline: str = "zero", names: Sequence[str] | None = None) -> InputMaps:
    """The registered maps ``names`` (default: all) of one tokenised input (probe directions seeded by
    ``seed`` and ``input_id``; ablations with ``ablation_baseline``, the mask token the tokenizer's)."""
    return compute_maps(loaded.model, model_features(loaded, encoded), estimator=estimator, probes=probes, seed=seed,
                        input_id=input_id, ablation_baseline=ablation_baseline,
                        mask_token_id=loaded.tokenizer.mask_token_id, names=names)


def input_row_norms(loaded: LoadedModel, encoded: Encoded, rows: Sequence[MapRow], *, probes: Sequence[int],
                    seed: int, input_id: str) -> RowNorms:
    """Exact squared norms of ``rows`` of one input's maps, and their probe estimates for each K of
    ``probes`` along the very directions :func:`input_maps` draws for that K."""
    n, d = len(encoded.tokens), loaded.hidden_size
    directions = [token_directions("probes", n, d, k, probe_generator(seed, input_id)) for k in probes]
    return row_norms(loaded.model, model_features(loaded, encoded), rows, directions)
