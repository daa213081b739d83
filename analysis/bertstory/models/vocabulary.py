"""Refusing, before anything is computed, a tokenizer without a vocabulary.

transformers loads a model folder that has weights but no tokenizer files as a tokenizer of its
special tokens alone: BERT's turns every word into ``[UNK]``, RoBERTa's every text into ``<s></s>``,
GPT-2's into nothing, and the maps of such tokens say nothing of the text. An empty vocabulary
file makes the tokenizer fail with an exception of its own.
"""

from __future__ import annotations

from pathlib import Path

from transformers import PreTrainedTokenizerBase

from bertstory.errors import BertstoryError

VOCABULARY_FILES: tuple[str, ...] = (
    "tokenizer.json", "vocab.txt", "vocab.json", "merges.txt", "tokenizer.model", "spiece.model",
    "sentencepiece.bpe.model", "spm.model",
)
"""The files a tokenizer reads its vocabulary from (WordPiece, byte-level BPE, SentencePiece)."""
PROBE_TEXT = "The 3 cats sat on the mat."
"""Plain text that any vocabulary turns into tokens of its own, not only special or unknown ones."""


def check_tokenizer_files(folder: Path) -> None:
    """Refuse a model folder with an empty vocabulary file (checked before the tokenizer loads)."""
    for name in VOCABULARY_FILES:
        path = folder / name
        if path.is_file() and _blank(path):
            raise BertstoryError(f"{path} is empty: the model's tokenizer has no vocabulary; copy the model's "
                                 "tokenizer files into the folder (tokenizer.save_pretrained)")


def check_vocabulary(tokenizer: PreTrainedTokenizerBase, name: str, folder: Path | None) -> None:
    """Refuse a tokenizer that turns :data:`PROBE_TEXT` into nothing but special or unknown tokens,
    naming the tokenizer files ``folder`` lacks (``None``: a hub name or an in-memory tokenizer)."""
    ids = tokenizer(PROBE_TEXT)["input_ids"]
    if any(i not in tokenizer.all_special_ids for i in ids):
        return
    tokens = " ".join(tokenizer.convert_ids_to_tokens(ids)) or "no token at all"
    if folder is None:
        advice = "pass the model's own tokenizer"
    else:
        files = list(dict.fromkeys(["tokenizer.json", *tokenizer.vocab_files_names.values()]))
        present = [file for file in files if (folder / file).is_file()]
        advice = (f"its files {', '.join(present)} hold only special tokens" if present else
                  f"the folder has none of its files ({', '.join(files)})")
        advice += ": copy the model's tokenizer files into it (tokenizer.save_pretrained)"
    raise BertstoryError(f"the tokenizer of {name} has no vocabulary: it turns {PROBE_TEXT!r} into {tokens}; {advice}")


def _blank(path: Path) -> bool:
    """Whether the file holds nothing but white space (read only when it is small)."""
    size = path.stat().st_size
    return size == 0 or (size < 4096 and not path.read_bytes().strip())
