"""Fixtures for the corpus tests: a corpus file in ``tmp_path``, and a stand-in ``datasets`` package."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], str]:
    """``write(name, content)`` saves ``content`` (str as UTF-8, or raw bytes) under ``tmp_path``; returns its path."""

    def _write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return str(path)

    return _write


class _FakeDataset:
    """The part of a ``datasets.Dataset`` the loader uses: ``column_names`` and iteration over rows."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.column_names = list(rows[0])

    def __iter__(self) -> Iterator[dict]:
        return iter(self.rows)


@pytest.fixture
def fake_datasets(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[tuple]]:
    """``fake_datasets(rows=..., error=...)`` installs a ``datasets`` module whose ``load_dataset``
    returns ``rows`` or raises ``error``; returns the list of its ``(name, config, split)`` calls."""

    def install(rows: list[dict] | None = None, error: Exception | None = None) -> list[tuple]:
        calls = []

        def load_dataset(name: str, config: str | None, split: str) -> _FakeDataset:
            calls.append((name, config, split))
            if error is not None:
                raise error
            return _FakeDataset(rows or [])

        monkeypatch.setitem(sys.modules, "datasets", SimpleNamespace(load_dataset=load_dataset))
        return calls

    return install
