"""The corpus: the inputs that ``bertstory analyze`` runs over.

``load_corpus`` reads the built-in corpus (``data/builtin.jsonl``), a ``.txt``, ``.tsv``,
``.csv`` or ``.jsonl`` file, or ``hf:NAME[:CONFIG]:SPLIT`` (with the optional ``datasets``
package); ``sample`` takes the seeded, nested ``--max-inputs`` sample. Every input keeps
the id of its 0-based position in the source, so ids are stable across samples and runs.
"""

from bertstory.corpus.load import BUILTIN, load_corpus
from bertstory.corpus.sampling import sample
from bertstory.corpus.types import Corpus, CorpusInput, content_hash

__all__ = ["BUILTIN", "Corpus", "CorpusInput", "content_hash", "load_corpus", "sample"]
