"""``attention`` (L, H, n, n): each head's attention probabilities, as the model returns them
(``docs/method.md#the-four-maps``); the local step of a head, exact by construction."""

from bertstory.maps.kind import MapKind, register_map


def attention_probabilities(source):
    """The captured forward's attention (L, H, n, n), rows = queries."""
    return source.forward.attention


ATTENTION = register_map(MapKind(
    name="attention", title="attention", colour="#0072B2", scope="head", compute=attention_probabilities,
    clustered=True,
))
