"""The example inputs drawn on every head's page."""

import pandas as pd

from bertstory.report.examples import choose_examples, load_examples
from bertstory.results import RunFolder


def test_examples_are_a_sentence_and_a_pair(synthetic_run):
    inputs, _ = RunFolder(synthetic_run).analysed_inputs()
    chosen = choose_examples(inputs)
    pairs = inputs.set_index("id")["text_pair"].notna()
    assert len(chosen) == 2 and {bool(pairs[i]) for i in chosen} == {False, True}


def test_nearest_to_the_target_length_wins():
    inputs = pd.DataFrame({"id": ["a", "b", "c"], "tokens": [["t"] * 30, ["t"] * 13, ["t"] * 15],
                           "text_pair": [None, None, None]})
    assert choose_examples(inputs, 2) == ["b", "c"]


def test_loaded_maps_are_the_run_maps(synthetic_run):
    run = RunFolder(synthetic_run)
    for example in load_examples(run):
        maps = run.load_maps(example.input_id)
        assert example.tokens == maps["tokens"]
        assert (example.maps["global"] == maps["global"]).all()
