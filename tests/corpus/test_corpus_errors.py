"""Every bad corpus raises a one-line BertstoryError that says what is wrong."""

from __future__ import annotations

import sys

import pytest

from bertstory.corpus import load_corpus, sample
from bertstory.errors import BertstoryError


def _error(source: str | None, **columns) -> str:
    """The one-line message ``load_corpus`` raises for ``source``."""
    with pytest.raises(BertstoryError) as caught:
        load_corpus(source, **columns)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path):
    path = str(tmp_path / "nope.txt")
    assert _error(path) == f"corpus file not found: {path}"


def test_directory(tmp_path):
    assert _error(str(tmp_path)) == f"corpus path is a directory, not a file: {tmp_path}"


def test_unknown_extension_lists_supported(write):
    message = _error(write("c.docx", "text"))
    assert "unsupported corpus type '.docx'" in message
    for supported in (".txt", ".tsv", ".csv", ".jsonl", "hf:NAME[:CONFIG]:SPLIT"):
        assert supported in message


@pytest.mark.parametrize(
    "name, content",
    [
        ("c.txt", ""),
        ("c.txt", "\n  \n\t\n"),
        ("c.csv", ""),
        ("c.csv", "text\n\n ,\n"),
        ("c.jsonl", '\n{"text": "  "}\n'),
    ],
)
def test_empty_corpus(write, name, content):
    path = write(name, content)
    assert _error(path) == f"corpus {path} is empty: it has no non-blank inputs"


@pytest.mark.parametrize("name, prefix", [("c.txt", b""), ("c.csv", b"text\n"), ("c.jsonl", b"")])
def test_undecodable_bytes_name_the_line(write, name, prefix):
    good = b'{"text": "ok"}\n' if name == "c.jsonl" else b"ok\n"
    path = write(name, prefix + good * 5 + b"caf\xe9\n")
    line = 7 if name == "c.csv" else 6
    message = _error(path)
    assert message.startswith(f"{path} line {line} is not valid UTF-8")
    assert "0xe9" in message


def test_missing_csv_column_names_available_ones(write):
    path = write("c.csv", "sentence,label\nHi.,1\n")
    assert _error(path) == f"{path} has no column 'text'; its columns are: 'sentence', 'label'"
    assert "no column 'other'" in _error(path, text_column="sentence", pair_column="other")


def test_csv_row_with_wrong_field_count(write):
    path = write("c.csv", "text,label\nfine,1\nbroken\n")
    assert _error(path) == f"{path} line 3 has 1 fields but the header has 2"


def test_csv_unterminated_quote(write):
    path = write("c.csv", 'text\n"never closed\n')
    assert _error(path).startswith(f"{path} line ")


def test_invalid_json_names_the_line(write):
    path = write("c.jsonl", '{"text": "ok"}\n{"text": "broken\n')
    assert _error(path).startswith(f"{path} line 2 is not valid JSON")


def test_jsonl_line_not_an_object(write):
    path = write("c.jsonl", '["text"]\n')
    assert _error(path) == f"{path} line 1 is not a JSON object but list"


def test_jsonl_missing_key_names_keys(write):
    path = write("c.jsonl", '{"text": "ok"}\n{"sentence": "no text"}\n')
    assert _error(path) == f"{path} line 2 has no key 'text'; its keys are: 'sentence'"
    assert "no key 'answer'" in _error(path, text_column="text", pair_column="answer")


def test_jsonl_non_string_text(write):
    path = write("c.jsonl", '{"text": 42}\n')
    assert _error(path) == f"{path} line 1: 'text' must be a string, not int"


@pytest.mark.parametrize(
    "name, content, line",
    [
        ("c.txt", "ok\n\tlonely pair\n", 2),
        ("c.jsonl", '{"text": "", "text_pair": "b"}\n', 1),
        ("c.csv", "text,p\n ,b\n", 2),
    ],
)
def test_pair_without_text(write, name, content, line):
    path = write(name, content)
    columns = {"pair_column": "p"} if name == "c.csv" else {}
    assert _error(path, **columns) == f"{path} line {line} has a text_pair but an empty text"


def test_txt_with_two_tabs(write):
    path = write("c.txt", "a\tb\tc\n")
    assert "line 1 has 3 TAB-separated fields" in _error(path)


@pytest.mark.parametrize("columns", [{"text_column": "sentence"}, {"pair_column": "p"}])
def test_columns_do_not_apply_to_txt_or_builtin(write, columns):
    path = write("c.txt", "ok\n")
    assert _error(path, **columns).startswith("text and pair columns do not apply to a .txt corpus")
    assert _error("builtin", **columns).startswith("text and pair columns do not apply to the built-in corpus")


def test_hf_without_datasets_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    assert _error("hf:glue:mrpc:test") == "hf: corpora need the `datasets` package: pip install 'bertstory[hf]'"


def test_hf_dataset_that_cannot_be_loaded(fake_datasets):
    fake_datasets(error=ConnectionError("Couldn't reach 'nope' on the Hub (LocalEntryNotFoundError)\nmore detail"))
    assert _error("hf:nope:train") == (
        "cannot load dataset 'nope:train' (offline?): Couldn't reach 'nope' on the Hub (LocalEntryNotFoundError)"
    )


def test_hf_missing_column(fake_datasets):
    fake_datasets(rows=[{"sentence": "Hi.", "label": 1}])
    assert _error("hf:sst2:train") == "dataset 'sst2' has no column 'text'; its columns are: 'sentence', 'label'"


def test_hf_non_string_cell(fake_datasets):
    fake_datasets(rows=[{"text": 3.5}])
    assert _error("hf:nums:train") == "hf:nums:train row 0: column 'text' must hold strings, not float"


@pytest.mark.parametrize("spec", ["hf:", "hf:glue", "hf:a:b:c:d", "hf:glue::test"])
def test_hf_bad_spec(spec):
    assert _error(spec).startswith(f"invalid dataset corpus {spec!r}: expected hf:NAME[:CONFIG]:SPLIT")


def test_sample_size_must_be_positive():
    with pytest.raises(BertstoryError, match="at least 1, got 0"):
        sample(load_corpus(None).inputs, 0, seed=0)
