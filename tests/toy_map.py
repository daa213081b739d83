"""A toy map for the registry test: each head's attention squared and renormalised per row,
``A²_ji / Σ_i A²_ji`` — a sharper view of where the head looks, compared with attention."""

from bertstory.maps import MapKind


def squared_attention(source):
    """(L, H, n, n) the captured attention, squared, rows renormalised."""
    squared = source.forward.attention.square()
    return squared / squared.sum(-1, keepdim=True)


SQUARED_ATTENTION = MapKind(
    name="attention_squared", title="attention squared", colour="#E69F00", scope="head",
    compute=squared_attention, compared_with=("attention",),
)
