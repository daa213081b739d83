"""bertstory: the full story of a BERT-style encoder's attention heads.

Attention (local view), local and global gradient attribution of each head's output,
and per-layer token contribution (mixing), computed over a corpus and published as a
static site. Every definition is stated in ``docs/method.md``; the results format in
``docs/results.md``.

In Python (``docs/api.md``)::

    import bertstory
    explanation = bertstory.explain("embedded", "The cat sat on the mat.")
    explanation.plot(3, 7)                      # head L3-H7: attention, local, global
    run = bertstory.load_run("results/minilm-l6-h384-uncased-3f2a9c1b7d4e")

``explain``, ``load_run``, ``Explanation`` and ``Run`` come from :mod:`bertstory.api`, imported
on first use, so that ``import bertstory`` (and every command) does not pay for torch and
matplotlib until they are needed.
"""

from bertstory.errors import BertstoryError

__version__ = "0.1.0"

_API = ("Explanation", "Run", "explain", "load_run")
__all__ = [*_API, "BertstoryError", "__version__"]


def __getattr__(name: str):
    if name in _API:
        from bertstory import api

        return getattr(api, name)
    raise AttributeError(f"module 'bertstory' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
