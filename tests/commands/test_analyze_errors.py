"""Bad input through the CLI: one line on stderr, exit status 2, no traceback."""

import shutil

import pytest
from click.testing import CliRunner
from transformers import T5Config, T5Model

from bertstory.cli import cli
from bertstory.findings import bootstrap_memory


def analyze(*args, **env):
    result = CliRunner().invoke(cli, ["analyze", "--quiet", *map(str, args)], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output


def test_missing_corpus(tiny_bert_dir, tmp_path):
    assert_one_line_error(analyze("--model", tiny_bert_dir, "--corpus", tmp_path / "nope.txt", "--out", tmp_path),
                          "corpus file not found", "nope.txt")


def test_empty_corpus(tiny_bert_dir, tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    assert_one_line_error(analyze("--model", tiny_bert_dir, "--corpus", tmp_path / "empty.txt", "--out", tmp_path),
                          "empty")


def test_undecodable_corpus_names_the_line(tiny_bert_dir, tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"fine line\nalso fine\nbroken \xff\xfe here\n")
    assert_one_line_error(analyze("--model", tiny_bert_dir, "--corpus", tmp_path / "bad.txt", "--out", tmp_path),
                          "line 3", "UTF-8")


def test_unsupported_model_family(tmp_path, small_corpus, embedded_tokenizer):
    folder = tmp_path / "t5"
    T5Model(T5Config(d_model=16, d_ff=32, d_kv=8, num_layers=1, num_heads=2, vocab_size=100)).save_pretrained(folder)
    assert_one_line_error(analyze("--model", folder, "--corpus", small_corpus, "--out", tmp_path),
                          "'t5' is not supported", "BERT", "RoBERTa", "ALBERT", "MPNet", "GPT-2", "Llama")


def test_unknown_hub_model_offline(tmp_path, small_corpus):
    result = analyze("--model", "someone/no-such-encoder", "--corpus", small_corpus, "--out", tmp_path, HF_HUB_OFFLINE="1")
    assert_one_line_error(result, "no-such-encoder", "local path")


def test_folder_without_config(tmp_path, small_corpus):
    assert_one_line_error(analyze("--model", tmp_path, "--corpus", small_corpus, "--out", tmp_path / "o"),
                          "no config.json")


def test_truncated_weights_are_named(tiny_bert_dir, small_corpus, tmp_path):
    folder = tmp_path / "cut-short"
    shutil.copytree(tiny_bert_dir, folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    assert_one_line_error(analyze("--model", folder, "--corpus", small_corpus, "--out", tmp_path / "o"),
                          "cannot load the weights", "model.safetensors", "incomplete")


def test_a_bootstrap_that_cannot_fit_is_refused_before_computing(tiny_bert_dir, small_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(bootstrap_memory, "memory_limit", lambda: 10_000_000)
    assert_one_line_error(analyze("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", tmp_path / "o",
                                  "--bootstrap-samples", 100000), "--bootstrap-samples 100000 needs about", "use at most")
    assert not list((tmp_path / "o").iterdir())


@pytest.mark.parametrize("family, files", [("bert", "tokenizer.json, vocab.txt"),
                                           ("roberta", "tokenizer.json, vocab.json, merges.txt"),
                                           ("gpt2", "tokenizer.json, vocab.json, merges.txt")])
def test_weights_without_tokenizer_files_are_refused(untokenized_model_dirs, family, files, single_sentence_corpus,
                                                     tmp_path):
    result = analyze("--model", untokenized_model_dirs[family], "--corpus", single_sentence_corpus,
                     "--out", tmp_path / "o")
    assert_one_line_error(result, "has no vocabulary", f"the folder has none of its files ({files})",
                          "tokenizer.save_pretrained")
    assert not list((tmp_path / "o").iterdir())


def test_an_empty_vocabulary_file_is_refused(untokenized_model_dirs, small_corpus, tmp_path):
    assert_one_line_error(analyze("--model", untokenized_model_dirs["empty-vocab"], "--corpus", small_corpus,
                                  "--out", tmp_path / "o"), "vocab.txt is empty", "no vocabulary")


def test_a_corpus_of_special_tokens_only_is_refused(tiny_bert_dir, tmp_path):
    (tmp_path / "control.txt").write_text("\x01\x02\n\x7f\n", encoding="utf-8")
    assert_one_line_error(analyze("--model", tiny_bert_dir, "--corpus", tmp_path / "control.txt", "--out", tmp_path),
                          "no input can be analysed", "2 give only special tokens")


def test_unwritable_out(tiny_bert_dir, small_corpus, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert_one_line_error(analyze("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", blocker / "sub"),
                          "cannot write to output folder")


def test_max_tokens_beyond_model(tiny_bert_dir, small_corpus, tmp_path):
    assert_one_line_error(analyze("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", tmp_path,
                                  "--max-tokens", 500), "exceeds what the model accepts (64 tokens)")


def test_cuda_without_gpu(tiny_bert_dir, small_corpus, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert_one_line_error(analyze("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", tmp_path,
                                  "--device", "cuda"), "no CUDA device")
