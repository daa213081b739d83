"""Bad input to the Python API: a BertstoryError with a one-line message that says what to do."""

import numpy as np
import pytest
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel, T5Config, T5EncoderModel

import bertstory
from bertstory.errors import BertstoryError

from tiny_models import build_tiny_model


def one_line_error(call, *fragments) -> str:
    with pytest.raises(BertstoryError) as caught:
        call()
    message = str(caught.value)
    assert message and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.fixture(scope="module")
def explanation(tiny_model_dirs):
    return bertstory.explain(tiny_model_dirs["bert"], "The cat sat.", probes=2)


def test_unknown_model_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    one_line_error(lambda: bertstory.explain("someone/no-such-encoder", "Hi."), "no-such-encoder", "local path")


def test_folder_that_is_not_a_model(tmp_path):
    one_line_error(lambda: bertstory.explain(tmp_path, "Hi."), "no config.json")


def test_in_memory_model_without_its_tokenizer(in_memory):
    model, _ = in_memory("bert")
    one_line_error(lambda: bertstory.explain(model, "Hi."), "needs its tokenizer", "tokenizer=")


@pytest.mark.parametrize("family", ["bert", "roberta", "gpt2"])
def test_weights_without_tokenizer_files(untokenized_model_dirs, family):
    one_line_error(lambda: bertstory.explain(untokenized_model_dirs[family], "The cat sat."), "has no vocabulary",
                   "the folder has none of its files")


def test_an_empty_vocabulary_file(untokenized_model_dirs):
    one_line_error(lambda: bertstory.explain(untokenized_model_dirs["empty-vocab"], "The cat sat."), "vocab.txt is empty")


def test_in_memory_tokenizer_without_a_vocabulary(untokenized_model_dirs):
    folder = untokenized_model_dirs["bert"]
    model, tokenizer = AutoModel.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    one_line_error(lambda: bertstory.explain(model, "The cat sat.", tokenizer=tokenizer), "has no vocabulary",
                   "[CLS] [UNK]", "pass the model's own tokenizer")


def test_a_text_of_special_tokens_only(tiny_bert_dir):
    one_line_error(lambda: bertstory.explain(tiny_bert_dir, "\x01\x02\x7f"), "only special tokens ([CLS] [SEP])")


def test_tokenizer_with_a_named_model(tiny_bert_dir, embedded_tokenizer):
    one_line_error(lambda: bertstory.explain(tiny_bert_dir, "Hi.", tokenizer=embedded_tokenizer),
                   "only for an in-memory model")


def test_neither_name_nor_model():
    one_line_error(lambda: bertstory.explain(42, "Hi."), "not int")


def test_unsupported_in_memory_family(embedded_tokenizer):
    t5 = T5EncoderModel(T5Config(d_model=16, num_layers=1, num_heads=2, d_kv=8, d_ff=16, vocab_size=100))
    one_line_error(lambda: bertstory.explain(t5, "Hi.", tokenizer=embedded_tokenizer),
                   "'t5' is not supported", "BERT", "GPT-2")


def test_tokenizer_of_another_vocabulary(embedded_tokenizer):
    small = BertModel(BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16,
                                 vocab_size=50))
    one_line_error(lambda: bertstory.explain(small, "The cat sat.", tokenizer=embedded_tokenizer),
                   "vocabulary has 50 entries", "own tokenizer")


def test_text_too_long_for_the_model(tiny_bert_dir, in_memory):
    one_line_error(lambda: bertstory.explain(tiny_bert_dir, "word " * 80), "82 tokens", "more than the 64",
                   "never truncates")
    model, tokenizer = in_memory("roberta")  # positions start after the padding id 0: 66 - 1 = 65 tokens
    one_line_error(lambda: bertstory.explain(model, "word " * 80, tokenizer=tokenizer), "more than the 65")


@pytest.mark.parametrize("keywords, fragment", [
    ({"estimator": "fast"}, "estimator 'fast' is unknown"),
    ({"probes": 0}, "probes must be a positive integer"),
    ({"probes": 2.5}, "probes must be a positive integer"),
    ({"seed": "one"}, "seed must be an integer"),
    ({"seed": -1}, "seed must be an integer from 0 to 4294967295"),
    ({"seed": 2**32}, "seed must be an integer from 0 to 4294967295"),
    ({"device": "tpu"}, "device 'tpu' is unknown"),
])
def test_bad_settings(tiny_bert_dir, keywords, fragment):
    one_line_error(lambda: bertstory.explain(tiny_bert_dir, "Hi.", **keywords), fragment)


def test_text_must_be_a_string(tiny_bert_dir):
    one_line_error(lambda: bertstory.explain(tiny_bert_dir, ["Hi."]), "must be strings")


@pytest.mark.parametrize("layer, head, fragment", [
    (0, 1, "layer 0 is out of range: layers are numbered from 1 to 2"),
    (3, 1, "layer 3 is out of range"),
    (1, 5, "head 5 is out of range: heads are numbered from 1 to 4"),
    (1, 0, "head 0 is out of range"),
    (True, 1, "layer True is out of range"),
    (1.0, 1, "layer 1.0 is out of range"),
])
def test_plot_layer_or_head_out_of_range(explanation, layer, head, fragment):
    one_line_error(lambda: explanation.plot(layer, head), fragment)


def test_plot_takes_numpy_integers(explanation):
    assert explanation.plot(np.int64(2), np.int64(4)).get_suptitle() == "L2-H4"


def test_unknown_map_name(explanation):
    one_line_error(lambda: explanation["globl"], "no map named 'globl'", "attention, local, global, contribution")


def test_save_refuses_a_folder_that_holds_files(explanation, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    one_line_error(lambda: explanation.save(tmp_path), "not an empty folder")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert explanation.save(empty) == empty


def test_load_run_of_a_folder_that_is_not_a_run(tmp_path):
    one_line_error(lambda: bertstory.load_run(tmp_path), "is not a run folder (no run.json)")


@pytest.mark.parametrize("path", [None, 7])
def test_load_run_of_something_that_is_not_a_path(path):
    one_line_error(lambda: bertstory.load_run(path), "load_run takes the path of a run folder", repr(path))


def test_unknown_table_and_input(explanation, tmp_path):
    run = bertstory.load_run(explanation.save(tmp_path / "run"))
    one_line_error(lambda: run.tables["heads"], "no table 'heads'", "it has: none", "bertstory findings")
    one_line_error(lambda: run.maps["00007"], "no maps for input '00007'", "00000")
    one_line_error(lambda: run.explanation("abc"), "no maps for input 'abc'")


def test_in_memory_model_on_two_devices_is_refused(embedded_tokenizer):
    model = build_tiny_model("bert", embedded_tokenizer.vocab_size)
    model.pooler.dense.to("meta")
    one_line_error(lambda: bertstory.explain(model, "Hi.", tokenizer=embedded_tokenizer), "on one device", "cpu", "meta")


def test_a_pair_for_a_tokenizer_without_a_pair_template(tiny_model_dirs):
    one_line_error(lambda: bertstory.explain(tiny_model_dirs["gpt2"], "The cat sat.", "It was tired."),
                   "has no pair template", "pass a single text, without text_pair")
