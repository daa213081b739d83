"""The analysis engine: the encoder layers run functionally, and the forward-mode (JVP)
estimators of attribution and token contribution (``docs/method.md#the-four-maps``,
``docs/method.md#estimators``). It imports nothing of bertstory but :mod:`bertstory.errors`
and :mod:`bertstory.views`."""
