"""bertstory: the full story of a BERT-style encoder's attention heads.

Attention (local view), local and global gradient attribution of each head's output,
and per-layer token contribution (mixing), computed over a corpus and published as a
static site. Definitions follow ``shared/DESIGN.md`` (documented in ``docs/method.md``).
"""

__version__ = "0.1.0"
