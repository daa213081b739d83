"""The command line shows bertstory's own messages only: a dependency's warning (torch's FutureWarning
about torch.jit.script, raised here when torch is imported, as a dependency raises it) is hidden
unless the user asks for warnings with PYTHONWARNINGS (or python -W)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ANALYSIS = Path(__file__).resolve().parents[2] / "analysis"
SITECUSTOMIZE = '''
import sys, warnings

def _warn_on_torch(event, args):
    if event == "import" and args[0] == "torch" and "torch" not in sys.modules:
        warnings.warn_explicit("`torch.jit.script` is deprecated", FutureWarning, "torch/jit/_script.py", 1,
                               module="torch.jit._script")

sys.addaudithook(_warn_on_torch)
'''


def _bertstory(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    environ = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    environ.update(PYTHONPATH=os.pathsep.join([str(tmp_path), str(ANALYSIS)]), HF_HUB_OFFLINE="1", **env)
    return subprocess.run([sys.executable, "-m", "bertstory", *args], env=environ, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)


def test_a_dependency_warning_is_hidden_and_bertstory_messages_are_not(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _bertstory(tmp_path, "findings", str(empty))
    assert result.returncode == 2
    assert result.stderr == f"Error: {empty} is not a run folder (no run.json); pass a folder written by " \
                            "`bertstory analyze`\n"


def test_pythonwarnings_shows_dependency_warnings(tmp_path):
    result = _bertstory(tmp_path, "findings", "--help", PYTHONWARNINGS="default")
    assert result.returncode == 0 and "Usage:" in result.stdout
    assert "FutureWarning: `torch.jit.script` is deprecated" in result.stderr
