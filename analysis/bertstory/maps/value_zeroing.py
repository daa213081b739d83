"""``value_zeroing`` (L, n, n): the cosine distance between each output of layer ``l`` and its rerun
with token ``i``'s value vectors set to zero in every head (Mohebbi et al. 2023;
``docs/method.md#faithfulness``); rows normalised. Its rollout is computed in the findings."""

from bertstory.maps.kind import MapKind, register_map


def value_zeroing(source):
    """Shares of value zeroing (L, n, n)."""
    from bertstory.engine.faithful import value_zeroing_shares  # torch only where a model runs

    return source.shared(value_zeroing_shares)


VALUE_ZEROING = register_map(MapKind(
    name="value_zeroing", title="value zeroing", colour="#E69F00", scope="layer", compute=value_zeroing,
    still_rows=True, faithfulness=True,
))
