"""What an Explanation gives: a head's three views as a figure, a tidy table, a run folder that
``bertstory findings`` and ``load_run`` read back."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

import bertstory
from bertstory.api.plot import head_views_figure
from bertstory.cli import cli
from bertstory.maps import views

TEXT, TEXT_PAIR = "The cat sat on the mat.", "It was warm."


@pytest.fixture(scope="module")
def explanation(tiny_model_dirs):
    return bertstory.explain(tiny_model_dirs["bert"], TEXT, TEXT_PAIR, probes=3, seed=1)


def test_plot_draws_the_views_of_one_head_labelled_with_its_tokens(explanation, tmp_path):
    figure = explanation.plot(2, 3)
    assert isinstance(figure, Figure)
    axes = figure.axes[:len(views())]
    assert [ax.get_title() for ax in axes][:4] == ["attention", "local attribution", "global attribution",
                                                   "attention-norm"]
    assert figure.get_suptitle() == "L2-H3"
    for ax, view in zip(axes, views()):
        (image,) = ax.get_images()
        np.testing.assert_array_equal(image.get_array(), explanation[view][1, 2])  # 1-based L2-H3
        assert [label.get_text() for label in ax.get_xticklabels()] == explanation.tokens
        assert ax.get_xlabel() == "key (input token)"
    assert [label.get_text() for label in axes[0].get_yticklabels()] == explanation.tokens
    assert axes[0].get_ylabel() == "query"
    norms = [ax.get_images()[0].norm for ax in axes]
    assert all(norm is norms[0] for norm in norms) and (norms[0].vmin, norms[0].vmax) == (0, 1)
    assert figure.axes[len(views())].get_ylabel() == "share of the query's row"  # the colour bar they share
    figure.savefig(tmp_path / "head.png")
    assert (tmp_path / "head.png").stat().st_size > 0


def test_plot_cuts_long_tokens_in_labels():
    figure = head_views_figure({view: np.eye(2) for view in views()}, ["short", "unbelievably"], "L1-H1")
    assert [label.get_text() for label in figure.axes[0].get_xticklabels()] == ["short", "unbelieva…"]


def test_dataframe_round_trips_to_the_arrays(explanation):
    frame = explanation.to_dataframe()
    assert list(frame.columns) == ["map", "layer", "head", "query", "key", "query_token", "key_token", "value"]
    num_layers, num_heads, n, _ = explanation.attention.shape
    layer_maps = len(explanation.maps) - len(views())
    assert len(frame) == len(views()) * num_layers * num_heads * n * n + layer_maps * num_layers * n * n
    tokens = np.array(explanation.tokens, dtype=object)
    assert (frame["query_token"].to_numpy(object) == tokens[frame["query"]]).all()
    assert (frame["key_token"].to_numpy(object) == tokens[frame["key"]]).all()
    for view in views():
        rows = frame[frame["map"] == view]
        assert (rows["layer"].min(), rows["layer"].max(), rows["head"].min(), rows["head"].max()) == \
            (1, num_layers, 1, num_heads)
        rebuilt = np.full(explanation[view].shape, np.nan, dtype=np.float32)
        rebuilt[rows["layer"].to_numpy(int) - 1, rows["head"].to_numpy(int) - 1, rows["query"], rows["key"]] = rows["value"]
        np.testing.assert_array_equal(rebuilt, explanation[view], err_msg=view)
    rows = frame[frame["map"] == "contribution"]
    assert rows["head"].isna().all()
    rebuilt = np.full(explanation.contribution.shape, np.nan, dtype=np.float32)
    rebuilt[rows["layer"].to_numpy(int) - 1, rows["query"], rows["key"]] = rows["value"]
    np.testing.assert_array_equal(rebuilt, explanation.contribution)


def test_save_then_load_run_gives_the_same_maps_and_findings_reads_it(explanation, tmp_path):
    path = explanation.save(tmp_path / "cat-run")
    run = bertstory.load_run(path)
    record = run.record
    assert (record.run_id, record.status, record.n_inputs, record.n_tokens) == ("cat-run", "complete", 1,
                                                                                len(explanation.tokens))
    assert (record.settings.estimator, record.settings.probes, record.settings.seed) == ("probes", 3, 1)
    assert record.model == explanation.model and record.special_tokens.cls == "[CLS]"
    assert json.loads((path / "run.json").read_text())["model"]["revision"] == explanation.settings.revision
    assert run.inputs[["id", "text", "text_pair"]].values.tolist() == [["00000", TEXT, TEXT_PAIR]]
    assert list(run.maps) == ["00000"] and "00000" in run.maps
    stored = run.maps["00000"]
    assert stored["tokens"] == explanation.tokens
    for name, array in explanation.maps.items():
        np.testing.assert_array_equal(stored[name], array, err_msg=name)
    assert list(run.tables) == []

    result = CliRunner().invoke(cli, ["findings", str(path)])
    assert result.exit_code == 0, result.output
    assert {"heads", "layers", "rollout"} <= set(run.tables) and "heads" in run.tables
    heads = run.tables["heads"]
    assert isinstance(heads, pd.DataFrame) and len(heads) == explanation.num_layers * explanation.num_heads

    again = run.explanation("00000")
    assert (again.text, again.text_pair, again.tokens) == (TEXT, TEXT_PAIR, explanation.tokens)
    assert again.settings == explanation.settings and again.model == explanation.model
    for name, array in explanation.maps.items():
        np.testing.assert_array_equal(again[name], array, err_msg=name)
    copy = bertstory.load_run(again.save(tmp_path / "copy"))
    assert copy.record.settings == record.settings and copy.record.corpus == record.corpus


def test_load_run_reads_a_run_of_analyze(tiny_bert_dir, small_corpus, tmp_path):
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(tiny_bert_dir), "--corpus", str(small_corpus),
                                      "--out", str(tmp_path / "r"), "--check-budget", "0.1"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "r").iterdir()
    run = bertstory.load_run(run_dir)
    assert list(run.maps) == list(run.inputs["id"]) == ["00000", "00001", "00002", "00003", "00004"]
    on_disk = {path.stem for path in (run_dir / "tables").glob("*.csv")}
    assert list(run.tables) == sorted(on_disk) and "estimator_error" in on_disk
    pd.testing.assert_frame_equal(run.tables["layers"], pd.read_parquet(run_dir / "tables" / "layers.parquet"))
    third = run.explanation("00002")
    with np.load(run_dir / "maps" / "00002.npz") as archive:
        np.testing.assert_array_equal(third.global_, archive["global"])
        assert third.tokens == list(archive["tokens"])
    assert third.text_pair == "Nobody was surprised." and third.settings.probes == 8


def test_reproduce_page_of_a_saved_explanation_gives_the_python_that_saves_it_again(explanation, tmp_path, monkeypatch):
    from bertstory.report.build import build_report

    path = explanation.save(tmp_path / "cat-run")
    result = CliRunner().invoke(cli, ["findings", str(path)])
    assert result.exit_code == 0, result.output
    report = build_report(path, tmp_path / "project", build=False)
    text = (report.layout.generated / "reproduce.md").read_text(encoding="utf-8")
    assert "bertstory analyze --" not in text and "--corpus" not in text and "bertstory build-site" not in text
    assert "```bash\nbertstory findings RUN_DIR\nbertstory report RUN_DIR\n```" in text
    code = text.split("```python\n")[1].split("```")[0]
    (tmp_path / "again").mkdir()
    monkeypatch.chdir(tmp_path / "again")
    exec(code, {})
    saved = bertstory.load_run(tmp_path / "again" / "cat-run")
    assert saved.inputs[["text", "text_pair"]].values.tolist() == [[TEXT, TEXT_PAIR]]
    for name, array in explanation.maps.items():
        np.testing.assert_array_equal(saved.maps["00000"][name], array, err_msg=name)
