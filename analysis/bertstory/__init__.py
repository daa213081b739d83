"""bertstory: the full story of a BERT-style encoder's attention heads.

Attention (local view), local and global gradient attribution of each head's output,
and per-layer token contribution (mixing), computed over a corpus and published as a
static site. Every definition is stated in ``docs/method.md``; the results format in
``docs/results.md``.
"""

__version__ = "0.1.0"
