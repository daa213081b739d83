"""Key-finding sentences follow the numbers of their tables."""

from types import SimpleNamespace

import pandas as pd
import pytest

from bertstory.report import faithfulness, story
from bertstory.report.markdown import escape, num
from bertstory.report.naming import class_names
from bertstory.results import RunFolder, SpecialTokens

BERT = class_names(SimpleNamespace(model=SimpleNamespace(causal=False), special_tokens=SpecialTokens("[CLS]", "[SEP]")))
"""How a BERT run names its classes."""
CLS = escape("[CLS]")
"""The [CLS] class's title as the pages' Markdown writes it (escaped: the tokenizer names it)."""
DECODER = class_names(SimpleNamespace(model=SimpleNamespace(causal=True), special_tokens=SpecialTokens(None, "</s>")))
"""How a decoder's run names them."""


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


def ratio(value) -> str:
    return f"{num(value, 2)}"


def test_persistence_sentences_word_for_word_on_a_synthetic_run(synthetic_run):
    """The planted heads of the synthetic run: L1-H1's previous-token pattern persists into global
    attribution, specifically; L2-H2's [CLS] pattern vanishes there; neither persists locally."""
    heads = RunFolder(synthetic_run).table("heads").set_index(["layer", "head"])
    prev, cls = heads.loc[(1, 1)], heads.loc[(2, 2)]
    assert (prev["pattern"], cls["pattern"]) == ("prev", "CLS")
    assert (heads["pattern"] != "none").sum() == 2

    def evidence(row, c, view):
        return (f"enrichment {ratio(row[f'enrichment_{c}_{view}'])}×, 95% interval "
                f"[{ratio(row[f'enrichment_{c}_{view}_lo'])}, {ratio(row[f'enrichment_{c}_{view}_hi'])}]")

    table = heads.reset_index()
    assert story.patterns_found(table, BERT) == (
        f"2 of 6 heads have a pattern under attention ({CLS} 1, previous-token 1).")
    assert story.pattern_fates(table, "global", BERT) == (
        f"{CLS} patterns vanish under global attribution in 1 of 1 head ([L2-H2](heads/L2-H2.md): "
        f"{evidence(cls, 'cls', 'global')}); previous-token patterns persist into global attribution in 1 of 1 head "
        f"(specifically; [L1-H1](heads/L1-H1.md): {evidence(prev, 'prev', 'global')})."
    )
    assert story.pattern_fates(table, "local", BERT) == (
        f"{CLS} patterns vanish under local attribution in 1 of 1 head ([L2-H2](heads/L2-H2.md): "
        f"{evidence(cls, 'cls', 'local')}); previous-token patterns vanish under local attribution in 1 of 1 head "
        f"([L1-H1](heads/L1-H1.md): {evidence(prev, 'prev', 'local')})."
    )


def test_pattern_fate_table_on_a_synthetic_run(synthetic_run):
    """The planted heads: L2-H2's [CLS] pattern vanishes under global attribution, L1-H1's
    previous-token pattern persists there specifically; neither persists locally."""
    from bertstory.report.context import PATTERN_FATE_COLUMNS, pattern_fates

    heads = RunFolder(synthetic_run).table("heads")
    indexed = heads.set_index(["layer", "head"])
    cls, prev = indexed.loc[(2, 2), "enrichment_cls_global"], indexed.loc[(1, 1), "enrichment_prev_global"]
    assert PATTERN_FATE_COLUMNS == ["pattern", "heads", "into local (specifically)", "into global (specifically)",
                                    "enrichment if kept", "if vanished"]
    assert pattern_fates(heads, BERT) == [
        [CLS, "1", "0 (0)", "0 (0)", "—", f"{ratio(cls)}×"],
        ["previous-token", "1", "0 (0)", "1 (1)", f"{ratio(prev)}×", "—"],
    ]
    assert pattern_fates(heads.assign(pattern="none"), BERT) == []


def hand_heads(rows):
    """A heads table of the columns the pattern sentences read: (layer, head, label, pattern,
    E, E_lo, E_hi, persists, specific) per head, class columns of its pattern, view global."""
    out = []
    for layer, head, label, pattern, e, lo, hi, persists, specific in rows:
        row = {"layer": layer, "head": head, "label_attention": label, "pattern": pattern,
               "persists_global": persists, "persists_specific_global": specific}
        for c in ("cls", "sep", "punct", "self", "prev", "next"):
            for kind in ("enrichment", "specific"):
                for suffix, value in (("", e), ("_lo", lo), ("_hi", hi)):
                    row[f"{kind}_{c}_global{suffix}"] = value if c == pattern.lower() else float("nan")
        out.append(row)
    return pd.DataFrame(out)


def test_several_heads_of_a_class_persist_and_vanish():
    heads = hand_heads([
        (1, 1, "self", "self", 3.0, 2.5, 3.5, True, True),
        (1, 2, "broad", "self", 2.2, 1.2, 4.1, True, False),
        (2, 1, "self", "self", 1.5, 0.9, 2.0, False, False),
        (2, 2, "mixed", "none", 1.0, 1.0, 1.0, False, False),
    ])
    assert story.pattern_fates(heads, "global", BERT) == (
        "Self patterns persist into global attribution in 2 of 3 heads (1 of them specifically; enrichment median "
        "2.60×, 95% intervals within [1.20, 4.10]) and vanish in 1 ([L2-H1](heads/L2-H1.md): enrichment 1.50×, "
        "95% interval [0.90, 2.00])."
    )
    assert story.patterns_found(heads, BERT) == (
        "3 of 4 heads have a pattern under attention (self 3); 1 of them is labelled broad or mixed and found by "
        "enrichment."
    )
    none = hand_heads([(1, 1, "broad", "none", 1.0, 1.0, 1.0, False, False)])
    assert story.pattern_fates(none, "global", BERT) == (
        "No head has a pattern under attention, so none persists into global attribution.")


def test_mass_correlation_names_the_most_common_pattern_class():
    heads = hand_heads([(1, 1, "self", "self", 3.0, 2.5, 3.5, True, True),
                        (2, 1, "CLS", "CLS", 3.0, 2.5, 3.5, True, True),
                        (2, 2, "CLS", "CLS", 3.0, 2.5, 3.5, True, True)])
    table = pd.DataFrame({
        "layer": [1, 2, 1, 2], "class": ["CLS", "CLS", "self", "self"], "view": "global",
        "n_heads_with_pattern": [0, 2, 1, 0], "n_persist": 0, "n_persist_specific": 0,
        "spearman_mass": [0.2, 0.9, -0.5, 0.1], "spearman_lo": [-0.3, 0.5, -0.9, -0.2],
        "spearman_hi": [0.6, 1.0, 0.1, 0.4],
    })
    assert story.mass_correlation(heads, table, BERT) == (
        f"Across the heads of a layer, attention mass and global-attribution mass on the {CLS} class correlate with "
        "Spearman ρ from 0.200 (layer 1) to 0.900 (layer 2); the 95% interval excludes 0 in 1 of 2 layers."
    )
    assert story.mass_correlation(heads.assign(pattern="none"), table, BERT) is None


def test_key_findings_cover_every_table(synthetic_run):
    run = RunFolder(synthetic_run)
    found = story.key_findings(run)
    heads = run.table("heads")
    assert found[4] == story.patterns_found(heads, BERT)  # which persist: the Overview's table
    assert found[5] == story.mass_correlation(heads, run.table("persistence"), BERT)
    assert found[8:10] == faithfulness.overview_sentences(run.table("faithfulness_layers"))
    assert len(found) == 11  # eight from the findings tables, two from faithfulness, one from the estimator check
    assert found[-1].startswith("With K = 8 probes")


@pytest.mark.parametrize("view", ["local", "global"])
def test_every_patterned_head_is_in_the_fates_sentence(synthetic_run, view):
    heads = RunFolder(synthetic_run).table("heads")
    sentence = story.pattern_fates(heads, view, BERT)
    for row in heads[heads["pattern"] != "none"].itertuples():
        assert f"[L{row.layer}-H{row.head}]" in sentence


def test_a_decoder_names_its_first_token_and_has_no_next_pattern():
    heads = hand_heads([(1, 1, "CLS", "CLS", 3.0, 2.5, 3.5, False, False),
                        (1, 2, "prev", "prev", 4.0, 3.0, 5.0, True, True)])
    assert story.patterns_found(heads, DECODER) == (
        "2 of 2 heads have a pattern under attention (first-token 1, previous-token 1).")
    assert story.pattern_fates(heads, "global", DECODER).startswith(
        "First-token patterns vanish under global attribution in 1 of 1 head")
    assert DECODER.pattern_classes == ("CLS", "SEP", "punct", "self", "prev")
    assert "next" not in DECODER.shown and "next" not in DECODER.labels
    assert (DECODER.titles["cls"], DECODER.titles["sep"]) == ("first token", "end token")
