"""The example inputs whose maps every head's page draws (and the explorer always holds)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bertstory.results import RunFolder
from bertstory.results.map_sample import is_pair
from bertstory.maps import views

EXAMPLE_COUNT = 2
"""Example inputs per head page."""
TARGET_TOKENS = 14
"""Preferred example length, tokens: long enough to show a pattern, short enough for readable labels."""
MAX_TOKENS = 24
"""Longest input considered as an example, tokens (longer ones only if nothing shorter exists)."""


@dataclass(frozen=True)
class Example:
    """One example input and its maps: ``maps[view]`` is (L, H, n, n) for view in attention, local, global."""

    input_id: str
    tokens: list[str]
    is_pair: bool
    maps: dict[str, np.ndarray]


def choose_examples(inputs: pd.DataFrame, count: int = EXAMPLE_COUNT) -> list[str]:
    """Ids of up to ``count`` inputs: the single sentence and the pair nearest to
    :data:`TARGET_TOKENS` tokens (ties: earlier id), then the next nearest of any kind."""
    frame = pd.DataFrame(
        {
            "id": inputs["id"].astype(str),
            "n": inputs["tokens"].map(len),
            "pair": inputs["text_pair"].map(is_pair) if "text_pair" in inputs else False,
        }
    )
    frame["too_long"] = frame["n"] > MAX_TOKENS
    frame["distance"] = (frame["n"] - TARGET_TOKENS).abs()
    frame = frame.sort_values(["too_long", "distance", "id"], kind="stable")
    chosen: list[str] = []
    for pair in (False, True):
        kind = frame[frame["pair"] == pair]
        if len(kind) and len(chosen) < count:
            chosen.append(kind["id"].iloc[0])
    chosen += [i for i in frame["id"] if i not in chosen][: count - len(chosen)]
    return chosen


def inputs_with_maps(run: RunFolder) -> pd.DataFrame:
    """The inputs the run's tables cover whose maps are kept (a run may keep statistics only for
    some): the candidates for the examples and the explorer, in analysis order."""
    inputs, _ = run.analysed_inputs()
    return inputs[inputs["id"].isin(run.map_ids())].reset_index(drop=True)


def load_examples(run: RunFolder, count: int = EXAMPLE_COUNT) -> list[Example]:
    """Load the maps (views attention, local, global) of the inputs :func:`choose_examples`
    chooses among :func:`inputs_with_maps`."""
    inputs = inputs_with_maps(run)
    rows = inputs.set_index("id")
    examples = []
    for input_id in choose_examples(inputs, count):
        maps = run.load_maps(input_id)
        examples.append(
            Example(
                input_id=input_id,
                tokens=list(rows.loc[input_id, "tokens"]),
                is_pair=is_pair(rows.loc[input_id].get("text_pair")),
                maps={view: maps[view] for view in views()},
            )
        )
    return examples
