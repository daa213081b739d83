"""``ablation_hidden`` (L, n, n): hidden-state ablation, the ground truth of token contribution —
``‖eˡ_j(e⁰) − eˡ_j(e⁰⁽ⁱ⁾)‖₂`` with input token ``i`` taken away from the first layer's input
(``docs/method.md#faithfulness``); rows normalised."""

from bertstory.maps.kind import MapKind, register_map


def hidden_ablation(source):
    """Shares of hidden-state ablation (L, n, n), from the ablated copies it shares with ``ablation_global``."""
    from bertstory.engine.faithful import global_ablation_shares  # torch only where a model runs

    return source.shared(global_ablation_shares)["ablation_hidden"]


ABLATION_HIDDEN = register_map(MapKind(
    name="ablation_hidden", title="hidden-state ablation", colour="#555555", scope="layer", compute=hidden_ablation,
    still_rows=True, faithfulness=True,
))
