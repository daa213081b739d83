"""Key-finding sentences follow the numbers of their tables."""

import pandas as pd

from bertstory.report import story


def test_divergence_sentence_says_which_view_is_closer():
    heads = pd.DataFrame({"js_attention_local": [0.2, 0.1], "js_attention_global": [0.1, 0.2]})
    assert "as close to local as to global" in story.divergence(heads)
    heads["js_attention_global"] = [0.3, 0.4]
    assert "closer to **local attribution**" in story.divergence(heads)
    assert "median JS divergence of attention vs local attribution is 0.150 bits" in story.divergence(heads)


def test_mixing_sentence_states_the_trend():
    layers = pd.DataFrame({"layer": [1, 2], "own_share_median": [0.45, 0.2], "own_share_q25": [0.4, 0.1],
                           "own_share_q75": [0.5, 0.3], "own_top1_fraction": [1.0, 0.57]})
    assert story.mixing(layers) == (
        "After layer 1, the median own-token share of token contribution is 0.450; it falls to 0.200 after layer 2, "
        "where 57% of outputs still have their own token as the largest contributor."
    )


def test_key_findings_cover_every_table(synthetic_run):
    from bertstory.results import RunFolder

    found = story.key_findings(RunFolder(synthetic_run))
    assert len(found) == 8  # seven from the findings tables, one from the estimator check
    assert found[-1].startswith("With K = 8 probes")
