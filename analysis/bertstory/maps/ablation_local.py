"""``ablation_local`` (L, H, n, n): local ablation, the ground truth of local attribution —
``‖oˡʰ_j(eˡ⁻¹) − oˡʰ_j(eˡ⁻¹⁽ⁱ⁾)‖₂`` with row ``i`` of the layer's actual input set to zero and the
layer alone run again (``docs/method.md#faithfulness``); rows normalised."""

from bertstory.maps.kind import MapKind, register_map


def local_ablation(source):
    """Shares of local ablation (L, H, n, n)."""
    from bertstory.engine.faithful import local_ablation_shares  # torch only where a model runs

    return source.shared(local_ablation_shares)


ABLATION_LOCAL = register_map(MapKind(
    name="ablation_local", title="local ablation", colour="#999999", scope="head", compute=local_ablation,
    still_rows=True, faithfulness=True,
    explorer=False,  # close to local attribution: without it the explorer's data stay within 2× of the first four maps'
))
