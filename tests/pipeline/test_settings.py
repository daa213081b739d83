"""``AnalyzeSettings`` checks every value against its declared choices and bounds, in one line, as
the command line does; ``bertstory.explain`` takes its defaults and checks from it."""

import inspect

import pytest

from bertstory.api.explain import explain
from bertstory.errors import BertstoryError
from bertstory.pipeline.settings import AnalyzeSettings


@pytest.mark.parametrize("values, fragment", [
    ({"estimator": "fast"}, "estimator 'fast' is unknown; use one of exact, probes"),
    ({"device": "tpu"}, "device 'tpu' is unknown"),
    ({"probes": 0}, "probes must be a positive integer, not 0"),
    ({"probes": True}, "probes must be a positive integer"),
    ({"max_tokens": 2}, "max_tokens must be an integer of at least 3, not 2"),
    ({"max_inputs": -1}, "max_inputs must be an integer of at least 0"),
    ({"check_budget": -0.5}, "check_budget must be a number of at least 0, not -0.5"),
    ({"check_budget": "a lot"}, "check_budget must be a number of at least 0"),
])
def test_values_outside_their_setting_are_refused_in_one_line(values, fragment):
    with pytest.raises(BertstoryError, match=fragment) as caught:
        AnalyzeSettings(**values)
    assert "\n" not in str(caught.value)


def test_none_and_values_within_bounds_are_taken():
    settings = AnalyzeSettings(max_tokens=None, max_inputs=None, keep_maps=0, check_budget=1, probes=1,
                               estimator="exact", device="cpu")
    assert settings.check_budget == 1 and settings.max_tokens is None


def test_explain_defaults_are_analyzes():
    defaults = AnalyzeSettings()
    parameters = inspect.signature(explain).parameters
    for name in ("estimator", "probes", "seed", "device"):
        assert parameters[name].default == getattr(defaults, name), name
