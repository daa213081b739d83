"""A file-system failure during a command is one line on stderr, not a traceback."""

import shutil

from click.testing import CliRunner

from bertstory.cli import cli


def test_tables_path_taken_by_a_file(tiny_bert_dir, small_corpus, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["analyze", "--quiet", "--model", str(tiny_bert_dir), "--corpus", str(small_corpus),
                               "--out", str(tmp_path), "--check-budget", "0"]).exit_code == 0
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    shutil.rmtree(run_dir / "tables")
    (run_dir / "tables").write_text("in the way")
    result = runner.invoke(cli, ["findings", str(run_dir), "--force"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: ") and "tables" in lines[-1]
    assert "Traceback" not in result.output
