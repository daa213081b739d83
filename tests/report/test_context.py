"""What the Overview and Reproduce pages state about the run."""

import json
import shutil

from bertstory.report import context
from bertstory.results import RunFolder


def test_run_summary_of_a_finished_run(synthetic_run):
    rows = dict(context.run_summary(RunFolder(synthetic_run)))
    assert rows["model"] == "`/tmp/tiny-bert` (bert, revision `0123456789abcdef`)"
    assert rows["layers × heads"] == "2 × 3 (hidden size 16)"
    assert rows["inputs analysed"] == "6 of 200 available (0 skipped as longer than 128 tokens)"
    assert rows["estimator"] == "probes, K = 8"
    assert rows["compute time"] == "100.0 s (started 2025-01-01T00:00:00+00:00, finished 2025-01-01T00:01:40+00:00)"


def test_unfinished_run_names_the_inputs_left_out(synthetic_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    run = RunFolder(run_dir)
    run.write_record(run.record.replace(status="running", finished=None, seconds=None))
    summary = json.loads((run_dir / "tables" / "findings.json").read_text(encoding="utf-8"))
    summary.update(n_inputs=5, skipped_inputs=["00001"])
    (run_dir / "tables" / "findings.json").write_text(json.dumps(summary), encoding="utf-8")
    rows = dict(context.run_summary(RunFolder(run_dir)))
    assert rows["inputs analysed"] == ("5 of 200 available (0 skipped as longer than 128 tokens; 1 of the run's 6 "
                                       "inputs left out: they had no maps when `bertstory findings` ran)")
    assert rows["compute time"] == "unfinished (started 2025-01-01T00:00:00+00:00)"
