"""The analysis engine: a differentiable re-implementation of the encoder layers and the
forward-mode (JVP) estimators of attribution and token contribution (DESIGN §2)."""
