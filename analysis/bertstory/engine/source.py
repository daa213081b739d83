"""One input's captured forward, from which every registered map is computed
(:class:`bertstory.maps.MapKind` ``compute``).

:func:`open_source` checks that the model can give the maps, runs it once on the input and
records its layer calls (:func:`~bertstory.engine.layer_calls.capture_forward`). Maps that share
work — local and global attribution and token contribution come from one pass of tangents — ask
for it through :meth:`MapSource.shared`, which computes it once per input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import torch
from torch import nn

from bertstory.engine.ablation_baselines import AblationBaseline
from bertstory.engine.families import Family, family_for
from bertstory.engine.layer_calls import CapturedForward, capture_forward
from bertstory.engine.tangents import ESTIMATORS, Estimator
from bertstory.errors import BertstoryError

T = TypeVar("T")


@dataclass
class MapSource:
    """One input of ``n`` tokens run through a model, with the settings its maps are computed with.

    Attributes:
        model: the transformers base model (eager attention, eval mode, frozen).
        family: its :class:`~bertstory.engine.families.Family`.
        features: the tokenizer's output for the input, (1, n) tensors on the model's device.
        forward: the captured forward: layer calls, ``e⁰``, layer outputs, attention (L, H, n, n).
        estimator, probes: the Frobenius-norm estimator and its K (``docs/method.md#estimators``).
        seed, input_id: seed the probe directions.
        ablation_baseline: what takes an ablated token's place in ``e⁰`` (``zero`` or ``mask``,
            :mod:`bertstory.engine.ablation_baselines`); ``mask_token_id`` the tokenizer's mask token.
    """

    model: nn.Module
    family: Family
    features: dict[str, torch.Tensor]
    forward: CapturedForward
    estimator: Estimator
    probes: int
    seed: int
    input_id: str
    ablation_baseline: AblationBaseline = "zero"
    mask_token_id: int | None = None
    _shared: dict[Callable[..., Any], Any] = field(default_factory=dict, repr=False)

    @property
    def num_heads(self) -> int:
        """H, attention (query) heads per layer."""
        return self.family.num_heads(self.model)

    def shared(self, compute: Callable[[MapSource], T]) -> T:
        """``compute(self)``, computed once per source: work several maps take their part of."""
        if compute not in self._shared:
            self._shared[compute] = compute(self)
        return self._shared[compute]


def open_source(model: nn.Module, features: dict[str, torch.Tensor], *, estimator: Estimator = "probes",
                probes: int = 8, seed: int = 0, input_id: str = "", ablation_baseline: AblationBaseline = "zero",
                mask_token_id: int | None = None) -> MapSource:
    """Check the model and settings, run the model once on ``features`` and record it.

    Args:
        model: a transformers base model of a supported family (:func:`family_for`), loaded with
            ``attn_implementation="eager"``, in eval mode, frozen, on its device and dtype.
        features: the tokenizer's output for one input, (1, n) tensors on the model's device
            (``input_ids``, ``attention_mask``, ``token_type_ids`` when the model takes them).
        estimator, probes: the Frobenius-norm estimator and its K (ignored for ``exact``).
        seed, input_id: seed the probe directions (same seed and id, same numbers).
        ablation_baseline, mask_token_id: the ablation maps' baseline, and the tokenizer's mask
            token id (``None`` without one; :func:`~bertstory.engine.ablation_baselines.check_ablation_baseline`).
    """
    family = family_for(model.config)
    _check_ready(model, estimator, probes)
    forward = capture_forward(model, family, features)
    return MapSource(model=model, family=family, features=features, forward=forward, estimator=estimator,
                     probes=probes, seed=seed, input_id=input_id, ablation_baseline=ablation_baseline,
                     mask_token_id=mask_token_id)


def _check_ready(model: nn.Module, estimator: str, probes: int) -> None:
    if estimator not in ESTIMATORS:
        raise BertstoryError(f"unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}")
    if estimator == "probes" and probes < 1:
        raise BertstoryError(f"the probes estimator needs at least 1 probe per token, got {probes}")
    implementation = getattr(model.config, "_attn_implementation", None)
    if implementation != "eager":
        raise BertstoryError(
            f"the model runs {implementation!r} attention; load it with attn_implementation=\"eager\" "
            "so that its attention probabilities can be read"
        )
    if model.training:
        raise BertstoryError("the model is in training mode (dropout on); call model.eval() first")
