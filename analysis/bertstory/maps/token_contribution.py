"""``contribution`` (L, n, n): token contribution, ``‖∂eˡ_j/∂e⁰_i‖_F`` per row normalised: how much
of each layer's output at position ``j`` comes from input token ``i`` — the mixing
(``docs/method.md#the-four-maps``)."""

from bertstory.maps.kind import MapKind, register_map


def token_contribution(source):
    """Shares of token contribution (L, n, n), from the shared pass of tangents."""
    from bertstory.engine.attribution import attribution_shares  # torch only where a model runs

    return source.shared(attribution_shares)["contribution"]


CONTRIBUTION = register_map(MapKind(
    name="contribution", title="token contribution", colour="#CC79A7", scope="layer", compute=token_contribution,
    estimated=True,
))
