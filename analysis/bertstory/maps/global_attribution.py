"""``global`` (L, H, n, n): global attribution, ``‖∂oˡʰ_j/∂e⁰_i‖_F`` per row normalised: how each
head's output depends on the original input tokens (``docs/method.md#the-four-maps``)."""

from bertstory.maps.attention import ATTENTION
from bertstory.maps.kind import MapKind, register_map
from bertstory.maps.local_attribution import LOCAL


def global_attribution(source):
    """Shares of global attribution (L, H, n, n), from the shared pass of tangents."""
    from bertstory.engine.attribution import attribution_shares  # torch only where a model runs

    return source.shared(attribution_shares)["global"]


GLOBAL = register_map(MapKind(
    name="global", title="global attribution", colour="#D55E00", scope="head", compute=global_attribution,
    estimated=True, compared_with=(ATTENTION.name, LOCAL.name), clustered=True, persistence=True,
))
