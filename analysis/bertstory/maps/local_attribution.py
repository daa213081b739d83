"""``local`` (L, H, n, n): local attribution, ``‖∂oˡʰ_j/∂eˡ⁻¹_i‖_F`` per row normalised: how each
head's output depends on its own layer's input (``docs/method.md#the-four-maps``)."""

from bertstory.maps.attention import ATTENTION
from bertstory.maps.kind import MapKind, register_map


def local_attribution(source):
    """Shares of local attribution (L, H, n, n), from the shared pass of tangents."""
    from bertstory.engine.attribution import attribution_shares  # torch only where a model runs

    return source.shared(attribution_shares)["local"]


LOCAL = register_map(MapKind(
    name="local", title="local attribution", colour="#009E73", scope="head", compute=local_attribution,
    estimated=True, compared_with=(ATTENTION.name,), persistence=True,
))
