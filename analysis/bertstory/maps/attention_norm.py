"""``attention_norm`` (L, H, n, n): the norm of each token's weighted, transformed value vector,
``‖A_ji · (v_i W_Oʰ)‖₂`` (Kobayashi et al. 2020; ``docs/method.md#faithfulness``); rows normalised."""

from bertstory.maps.kind import MapKind, register_map


def attention_norm(source):
    """Shares of attention-norm (L, H, n, n)."""
    from bertstory.engine.faithful import attention_norm_shares  # torch only where a model runs

    return source.shared(attention_norm_shares)


ATTENTION_NORM = register_map(MapKind(
    name="attention_norm", title="attention-norm", colour="#56B4E9", scope="head", compute=attention_norm,
    still_rows=True, faithfulness=True,
))
