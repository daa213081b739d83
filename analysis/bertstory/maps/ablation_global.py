"""``ablation_global`` (L, H, n, n): global ablation, the ground truth of global attribution —
``‖oˡʰ_j(e⁰) − oˡʰ_j(e⁰⁽ⁱ⁾)‖₂`` with input token ``i`` taken away from the first layer's input and every
layer run again (``docs/method.md#faithfulness``); rows normalised."""

from bertstory.maps.kind import MapKind, register_map


def global_ablation(source):
    """Shares of global ablation (L, H, n, n), from the batch of ablated copies it shares with ``ablation_hidden``."""
    from bertstory.engine.faithful import global_ablation_shares  # torch only where a model runs

    return source.shared(global_ablation_shares)["ablation_global"]


ABLATION_GLOBAL = register_map(MapKind(
    name="ablation_global", title="global ablation", colour="#000000", scope="head", compute=global_ablation,
    still_rows=True, faithfulness=True,
))
