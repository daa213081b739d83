"""``bertstory.explain(maps=..., ablation_baseline=...)``: a selection of maps, checked in one line
before any model is loaded; the baseline kept through save, load and the Reproduce page."""

import json

import numpy as np
import pytest

import bertstory
from bertstory.errors import BertstoryError
from bertstory.maps import run_maps, map_names
from bertstory.report.pages import explain_call
from bertstory.results import RunFolder

TEXT = "The cat sat on the mat."


@pytest.mark.parametrize("maps, message", [
    ("attention", "must be a non-empty list of map names, not 'attention'"),
    ([], "must be a non-empty list of map names"),
    (["attention", "nope"], "no map named 'nope'"),
])
def test_a_bad_selection_is_refused_before_the_model_loads(maps, message):
    with pytest.raises(BertstoryError, match=message) as raised:
        bertstory.explain("no-such-model-anywhere", TEXT, maps=maps)  # a model that would fail to load
    assert "\n" not in str(raised.value)


def test_mask_is_refused_for_local_ablation_alone_and_ignored_without_ablation(tiny_model_dirs):
    with pytest.raises(BertstoryError, match="local ablation always zeroes a row"):
        bertstory.explain(tiny_model_dirs["bert"], TEXT, maps=["ablation_local"], ablation_baseline="mask")
    with pytest.raises(BertstoryError, match="needs a tokenizer with a mask token"):
        bertstory.explain(tiny_model_dirs["gpt2"], TEXT, maps=["ablation_global"], ablation_baseline="mask")
    explanation = bertstory.explain(tiny_model_dirs["gpt2"], TEXT, maps=["attention"], ablation_baseline="mask")
    assert list(explanation.maps) == ["attention"]


def test_the_mask_baseline_survives_save_load_and_the_reproduce_line(tiny_model_dirs, tmp_path):
    explanation = bertstory.explain(tiny_model_dirs["bert"], TEXT, estimator="exact", ablation_baseline="mask")
    first = explanation.save(tmp_path / "a")
    assert json.loads((first / "run.json").read_text())["settings"]["ablation_baseline"] == "mask"
    again = bertstory.load_run(first).explanation("00000")
    assert again.settings.ablation_baseline == "mask"
    np.testing.assert_array_equal(again["ablation_global"], explanation["ablation_global"])
    assert "ablation_baseline='mask'" in explain_call(RunFolder.open(first))


def test_only_a_whole_run_s_maps_are_saved_and_a_refusal_writes_nothing(tiny_model_dirs, tmp_path):
    with run_maps(False):
        first_four = list(map_names())
    explanation = bertstory.explain(tiny_model_dirs["bert"], TEXT, maps=first_four)
    saved = explanation.save(tmp_path / "four")
    assert json.loads((saved / "run.json").read_text())["settings"]["faithfulness"] is False
    assert f"maps={first_four!r}" in explain_call(RunFolder.open(saved))
    assert set(bertstory.load_run(saved).explanation("00000").maps) == set(first_four)
    with pytest.raises(BertstoryError, match="only an explanation of every map"):
        bertstory.explain(tiny_model_dirs["bert"], TEXT, maps=["attention"]).save(tmp_path / "one")
    assert not (tmp_path / "one").exists()
