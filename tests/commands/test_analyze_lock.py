"""One ``analyze`` at a time writes a run: a second one on the same run is refused in one line while
another process holds the run's lock, and runs once that process is gone (killed: the kernel frees it)."""

from click.testing import CliRunner

from bertstory.cli import cli
from commands.lock_holder import held_by_another_process


def _stamps(run_dir):
    return {p.relative_to(run_dir).as_posix(): p.stat().st_mtime_ns for p in run_dir.rglob("*") if p.is_file()}


def test_a_second_analyze_of_a_held_run_is_refused_until_its_holder_dies(tiny_bert_dir, small_corpus, tmp_path):
    args = ["analyze", "--quiet", "--model", str(tiny_bert_dir), "--corpus", str(small_corpus),
            "--out", str(tmp_path), "--check-budget", "0"]
    runner = CliRunner()
    assert runner.invoke(cli, args).exit_code == 0
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    for folder in ("maps", "stats"):
        (run_dir / folder / "00001.npz").unlink()  # work left to do, which the refused run must not do
    before = _stamps(run_dir)
    with held_by_another_process(run_dir):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in result.output
        assert lines[0].startswith(f"Error: another bertstory analyze is writing the run {run_dir} ")
        assert _stamps(run_dir) == before
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "(1 computed now)" in result.output
