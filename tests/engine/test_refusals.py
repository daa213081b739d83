"""compute_maps refuses, in one line, what it cannot read attention from or would compute wrongly."""

import pytest

from bertstory.maps.compute import compute_maps
from bertstory.errors import BertstoryError

from tiny_models import build_tiny_model
from engine.helpers import tiny_float64


def _one_line_error(call, match):
    with pytest.raises(BertstoryError, match=match) as error:
        call()
    assert "\n" not in str(error.value)


def test_non_eager_attention_is_refused():
    case = tiny_float64("bert")
    model = build_tiny_model("bert", vocab_size=30522)
    model.set_attn_implementation("sdpa")
    _one_line_error(lambda: compute_maps(model.eval(), case.features), 'attn_implementation="eager"')


def test_training_mode_is_refused():
    case = tiny_float64("bert")
    _one_line_error(lambda: compute_maps(case.model.train(), case.features), "model.eval")


def test_unknown_estimator_and_probe_count_are_refused():
    case = tiny_float64("bert")
    _one_line_error(lambda: compute_maps(case.model, case.features, estimator="sampled"), "exact, probes")
    _one_line_error(lambda: compute_maps(case.model, case.features, probes=0), "at least 1")
