"""Each corpus format loads with the expected ids, texts and pairs."""

from __future__ import annotations

import pytest

from bertstory.corpus import CorpusInput, load_corpus


def test_txt_one_input_per_line_tab_splits_pair_blank_lines_keep_ids(write):
    path = write("c.txt", "First sentence.\n\n  \nQuestion?\tAnswer.\r\nLast one\t\n")
    corpus = load_corpus(path)
    assert corpus.source == path
    assert corpus.inputs == (
        CorpusInput("00000", "First sentence."),
        CorpusInput("00003", "Question?", "Answer."),
        CorpusInput("00004", "Last one", None),
    )


def test_txt_without_final_newline_and_with_bom(write):
    corpus = load_corpus(write("c.txt", "\ufeffOne.\nTwo."))
    assert [(i.id, i.text) for i in corpus.inputs] == [("00000", "One."), ("00001", "Two.")]


def test_csv_text_and_pair_columns(write):
    content = 'id,sentence1,sentence2\n1,"Hello, world.",Hi there.\n2,Alone.,\n\n3,"Say ""yes"".",Yes.\n'
    corpus = load_corpus(write("c.csv", content), text_column="sentence1", pair_column="sentence2")
    assert corpus.inputs == (
        CorpusInput("00000", "Hello, world.", "Hi there."),
        CorpusInput("00001", "Alone.", None),
        CorpusInput("00003", 'Say "yes".', "Yes."),
    )


def test_csv_default_text_column_ignores_other_columns(write):
    corpus = load_corpus(write("c.csv", "label,text\npos,Great film.\nneg,Dull.\n"))
    assert corpus.inputs == (CorpusInput("00000", "Great film."), CorpusInput("00001", "Dull."))


def test_csv_quoted_field_spanning_lines(write):
    corpus = load_corpus(write("c.csv", 'text\n"two\nlines"\nnext\n'))
    assert [i.text for i in corpus.inputs] == ["two\nlines", "next"]
    assert [i.id for i in corpus.inputs] == ["00000", "00001"]


def test_tsv_fields_are_literal(write):
    content = 'text\ttext_pair\n"Quoted," she said.\tAnd a reply.\nSingle.\t\n'
    corpus = load_corpus(write("c.TSV", content), pair_column="text_pair")
    assert corpus.inputs == (
        CorpusInput("00000", '"Quoted," she said.', "And a reply."),
        CorpusInput("00001", "Single.", None),
    )


def test_jsonl_text_and_optional_pair(write):
    content = '{"text": "One.", "text_pair": "Two."}\n\n{"text": "Solo.", "text_pair": null}\n{"text": "  Bare.  "}\n'
    corpus = load_corpus(write("c.jsonl", content))
    assert corpus.inputs == (
        CorpusInput("00000", "One.", "Two."),
        CorpusInput("00002", "Solo.", None),
        CorpusInput("00003", "Bare.", None),
    )


def test_jsonl_custom_keys(write):
    corpus = load_corpus(write("c.jsonl", '{"q": "Why?", "a": "Because."}\n'), text_column="q", pair_column="a")
    assert corpus.inputs == (CorpusInput("00000", "Why?", "Because."),)


def test_blank_rows_are_skipped_in_tables_and_jsonl(write):
    assert [i.id for i in load_corpus(write("c.csv", "text\n  \nkept\n")).inputs] == ["00001"]
    assert [i.id for i in load_corpus(write("c.jsonl", '{"text": " "}\n{"text": "kept"}\n')).inputs] == ["00001"]


def test_builtin_is_the_default(write):
    default, named = load_corpus(None), load_corpus("builtin")
    assert default == named
    assert default.source == "builtin"
    assert [i.id for i in default.inputs[:3]] == ["00000", "00001", "00002"]


def test_hf_spec_loads_through_datasets(fake_datasets):
    calls = fake_datasets(rows=[
        {"sentence1": "A cat sleeps.", "sentence2": "An animal rests.", "label": 1},
        {"sentence1": "", "sentence2": None, "label": 0},
        {"sentence1": "Rain today.", "sentence2": None, "label": 0},
    ])
    corpus = load_corpus("hf:glue:mrpc:test", text_column="sentence1", pair_column="sentence2")
    assert calls == [("glue", "mrpc", "test")]
    assert corpus.source == "hf:glue:mrpc:test"
    assert corpus.inputs == (
        CorpusInput("00000", "A cat sleeps.", "An animal rests."),
        CorpusInput("00002", "Rain today.", None),
    )
    load_corpus("hf:imdb:train", text_column="sentence1")
    assert calls[-1] == ("imdb", None, "train")


_TWELVE = [f"Input {i}." for i in range(12)]


@pytest.mark.parametrize(
    "name, content",
    [
        ("c.txt", "\n".join(_TWELVE)),
        ("c.csv", "\n".join(["text", *_TWELVE])),
        ("c.jsonl", "\n".join(f'{{"text": "{text}"}}' for text in _TWELVE)),
    ],
)
def test_ids_are_zero_padded_positions(write, name, content):
    assert [i.id for i in load_corpus(write(name, content)).inputs] == [f"{i:05d}" for i in range(12)]
