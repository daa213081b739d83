"""Every example of docs/api.md runs: its ```python blocks in order in one namespace, its ```bash
lines (``bertstory ...`` commands) through the CLI, all in one empty folder, on the embedded model;
each ``# → …`` comment is what its block prints (``…`` standing for any text)."""

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from bertstory.cli import cli

pytestmark = pytest.mark.embedded

API_PAGE = Path(__file__).parents[2] / "docs" / "api.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SHOWN = re.compile(r"# → (.*)$", re.MULTILINE)


def examples(page: Path) -> list[tuple[str, str]]:
    """``(language, code)`` of every fenced block of ``page``, in order."""
    return [(match[1], match[2]) for match in FENCE.finditer(page.read_text(encoding="utf-8"))]


def test_the_page_has_python_and_command_examples():
    languages = [language for language, _ in examples(API_PAGE)]
    assert languages.count("python") >= 6 and "bash" in languages
    assert set(languages) == {"python", "bash"}


def shown_pattern(shown: str) -> re.Pattern:
    """What a ``# → …`` comment promises, as a pattern: the text, any text where it says ``…``."""
    return re.compile(".*?".join(re.escape(piece) for piece in shown.strip().split("…")))


def test_examples_of_the_api_page_run(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs_api"}
    checked = 0
    for number, (language, code) in enumerate(examples(API_PAGE), 1):
        if language == "python":
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(code, f"docs/api.md block {number}", "exec"), namespace)
            for shown in SHOWN.findall(code):
                assert shown_pattern(shown).search(printed.getvalue()), f"block {number} printed\n{printed.getvalue()}"
                checked += 1
            continue
        for line in code.splitlines():
            command = shlex.split(line, comments=True)
            assert command[0] == "bertstory", f"block {number}: only bertstory commands run here: {line}"
            result = CliRunner().invoke(cli, command[1:])
            assert result.exit_code == 0, f"block {number}: {line}\n{result.output}"
    assert checked >= 6
    assert (tmp_path / "L3-H7.png").is_file() and (tmp_path / "cat-run" / "tables" / "heads.csv").is_file()
