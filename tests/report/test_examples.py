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


def test_examples_come_from_the_inputs_whose_maps_are_kept(synthetic_run, tmp_path):
    import shutil

    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    run = RunFolder(run_dir)
    inputs, _ = run.analysed_inputs()
    first_choice = choose_examples(inputs)
    for input_id in first_choice:
        (run_dir / "maps" / f"{input_id}.npz").unlink()  # statistics only, as with --keep-maps
    chosen = [example.input_id for example in load_examples(run)]
    assert len(chosen) == 2 and not set(chosen) & set(first_choice)
    assert chosen == choose_examples(inputs[inputs["id"].isin(run.map_ids())].reset_index(drop=True))
