"""A run names its token classes from its run.json: the tokenizer's own strings for an encoder,
"first token" / "end token" and no ``next`` for a decoder."""

from types import SimpleNamespace

from bertstory.findings.patterns import LABEL_COLUMNS, LABELS, MASS_CLASSES
from bertstory.findings.persistence import PATTERN_CLASSES
from bertstory.report.markdown import escape
from bertstory.report.naming import class_names
from bertstory.results import SpecialTokens


def record(causal, cls, sep):
    return SimpleNamespace(model=SimpleNamespace(causal=causal), special_tokens=SpecialTokens(cls, sep))


def test_an_encoder_is_named_by_its_tokenizer_and_has_every_class():
    bert = class_names(record(False, "[CLS]", "[SEP]"))
    assert (bert.titles["cls"], bert.titles["sep"], bert.patterns["CLS"]) == ("[CLS]", "[SEP]", "[CLS]")
    assert bert.shown == MASS_CLASSES and bert.label_columns == LABEL_COLUMNS
    assert bert.pattern_classes == PATTERN_CLASSES and bert.labels == LABELS
    roberta = class_names(record(False, "<s>", "</s>"))
    assert roberta.titles["cls"] == "<s>" and roberta.markdown_titles["cls"] == escape("<s>")
    assert roberta.markdown_titles["sep"] == escape("</s>")


def test_a_tokenizer_without_special_tokens_gets_the_generic_names():
    names = class_names(record(False, None, None))
    assert (names.titles["cls"], names.titles["sep"]) == ("first token", "end token")
    assert (names.patterns["CLS"], names.patterns["SEP"]) == ("first-token", "end-token")


def test_a_decoder_names_its_first_and_end_tokens_and_has_no_next():
    names = class_names(record(True, "<|endoftext|>", "<|endoftext|>"))
    assert (names.titles["cls"], names.titles["sep"]) == ("first token", "end token")
    assert names.causal and "next" not in names.shown and "next" not in names.label_columns
    assert "next" not in names.pattern_classes and "next" not in names.labels
    assert names.shown == tuple(c for c in MASS_CLASSES if c != "next")


def test_a_comparison_names_the_first_and_end_tokens_as_all_its_runs_do():
    from bertstory.report.compare.pages import _pattern_titles

    def run(causal, cls, sep):
        return SimpleNamespace(run=SimpleNamespace(record=record(causal, cls, sep)))

    bert = run(False, "[CLS]", "[SEP]")
    assert _pattern_titles([bert, bert])["CLS"] == escape("[CLS]")
    titles = _pattern_titles([bert, run(True, "<|endoftext|>", "<|endoftext|>")])
    assert (titles["CLS"], titles["SEP"], titles["prev"]) == ("first-token", "end-token", "previous-token")
