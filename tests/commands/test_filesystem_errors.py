"""A file-system failure during a command is one line on stderr, not a traceback."""

import errno
import io
import os
import shutil

from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.results import files


def only_run(out):
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


def test_tables_path_taken_by_a_file(tiny_bert_dir, small_corpus, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["analyze", "--quiet", "--model", str(tiny_bert_dir), "--corpus", str(small_corpus),
                               "--out", str(tmp_path), "--check-budget", "0"]).exit_code == 0
    run_dir = only_run(tmp_path)
    shutil.rmtree(run_dir / "tables")
    (run_dir / "tables").write_text("in the way")
    result = runner.invoke(cli, ["findings", str(run_dir), "--force"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: ") and "tables" in lines[-1]
    assert "Traceback" not in result.output


class _FullFile(io.FileIO):
    """A file on a full disk: every write fails as the kernel fails it (ENOSPC, no file name)."""

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _FullDiskOs:
    """``os`` as :mod:`bertstory.results.files` sees it on a full disk."""

    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def fdopen(handle, mode="r"):
        return _FullFile(handle, mode.replace("b", ""))


def test_a_full_disk_names_the_file(tiny_bert_dir, small_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "os", _FullDiskOs())
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(tiny_bert_dir), "--corpus",
                                      str(small_corpus), "--out", str(tmp_path / "out"), "--check-budget", "0"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    run_dir = only_run(tmp_path / "out")
    assert lines == [f"Error: {os.strerror(errno.ENOSPC)}: {run_dir / 'run.json'}"]
    assert not any(p.name.endswith(".tmp") for p in run_dir.rglob("*"))  # no temporary file left behind


def test_run_files_honour_the_umask(tiny_bert_dir, small_corpus, tmp_path):
    previous = os.umask(0o022)
    try:
        result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(tiny_bert_dir), "--corpus",
                                          str(small_corpus), "--out", str(tmp_path), "--check-budget", "0"])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    modes = {p.relative_to(tmp_path).as_posix(): oct(p.stat().st_mode & 0o777)
             for p in only_run(tmp_path).rglob("*") if p.is_file()}
    assert {"run.json", "inputs.jsonl", "maps/00000.npz", "stats/00000.npz", "tables/heads.parquet"} <= {
        name.split("/", 1)[1] for name in modes}
    assert set(modes.values()) == {oct(0o644)}, modes
