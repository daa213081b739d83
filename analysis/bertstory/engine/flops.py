"""The useful floating-point work of the forward-mode estimators (``docs/method.md#estimators``)
and of the reverse-mode rows of the estimator check (``docs/method.md#estimator-check``),
counted for BERT-shaped layers: four d×d attention projections, one feed-forward block of two
d×f matrices, attention over all ``n`` positions.

Each tangent (or cotangent) costs what the layer's forward costs in matrix products: a Linear map applied to
a tangent is the same product as applied to the hidden states. Only the matrix products are
counted (2 FLOPs per multiply-add); normalisations, softmax, activations and their derivatives
are elementwise and left out, and so is the primal, computed once per batch of tangents. The
count is therefore a floor: the work any method that forms these Jacobians column by column
must do at least once per column.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerFlops:
    """Matrix-product FLOPs of one layer's forward on an input of ``n`` tokens.

    Attributes:
        projections: queries, keys, values (3 · 2nd²) and the attention output (2nd²).
        scores: query–key products, 2n²d over all heads.
        weighted_values: attention probabilities times values, 2n²d over all heads.
        feed_forward: the two feed-forward products, 2 · 2ndf.
    """

    n: int
    d: int
    projections: int
    scores: int
    weighted_values: int
    feed_forward: int

    @property
    def up_to_heads(self) -> int:
        """Input to head outputs (queries, keys, values, scores, weighted values): a local pass."""
        return 3 * 2 * self.n * self.d * self.d + self.scores + self.weighted_values

    @property
    def whole(self) -> int:
        """The whole layer: one layer of a global pass."""
        return self.projections + self.scores + self.weighted_values + self.feed_forward


def layer_flops(n: int, d: int, feed_forward_width: int) -> LayerFlops:
    """Matrix-product FLOPs of a BERT-shaped layer of hidden size ``d`` and feed-forward width
    ``f`` on ``n`` tokens (the head count does not change them)."""
    return LayerFlops(
        n=n,
        d=d,
        projections=4 * 2 * n * d * d,
        scores=2 * n * n * d,
        weighted_values=2 * n * n * d,
        feed_forward=2 * 2 * n * d * feed_forward_width,
    )


def estimator_flops(n: int, d: int, feed_forward_width: int, num_layers: int, tangents_per_token: int) -> int:
    """FLOPs of the JVPs behind the maps of one input, ``tangents_per_token`` tangents on each of
    its ``n`` tokens (``d`` for ``exact``, ``K`` for ``probes``): every tangent runs through all
    ``num_layers`` layers from ``e⁰`` (global and contribution) and through each layer up to its
    head outputs (local)."""
    per_layer = layer_flops(n, d, feed_forward_width)
    return n * tangents_per_token * num_layers * (per_layer.whole + per_layer.up_to_heads)


def row_flops(view: str, layer: int, n: int, d: int, feed_forward_width: int, num_heads: int) -> int:
    """FLOPs of the VJPs behind one exact map row (:mod:`bertstory.engine.rows`) of an input of
    ``n`` tokens: one cotangent per component of the row's output — a head's d/H for ``local``
    and ``global``, d for ``contribution`` — each back through layer ``layer`` (0-based) up to its
    head outputs (``local``), also through every layer below it (``global``), or through layers
    ``0..layer`` whole (``contribution``)."""
    per_layer = layer_flops(n, d, feed_forward_width)
    if view == "local":
        return d // num_heads * per_layer.up_to_heads
    if view == "global":
        return d // num_heads * (layer * per_layer.whole + per_layer.up_to_heads)
    return d * (layer + 1) * per_layer.whole
