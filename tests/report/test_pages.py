"""The reproduce command and the generated pages' use of the registries."""

from pathlib import Path

from bertstory.report.build import build_report
from bertstory.report.figures.page_figures import figures_for
from bertstory.report.pages import command_line
from bertstory.results import RunFolder

from .synthetic import make_results


def test_command_line_reproduces_settings_and_omits_default_corpus(synthetic_run):
    line = command_line(RunFolder(synthetic_run), "build-site")
    assert line == ("bertstory build-site --model /tmp/tiny-bert --estimator probes --probes 8 --seed 0 "
                    "--max-tokens 128 --max-inputs 6")


def test_command_line_of_an_exact_run_on_a_whole_tsv_corpus(tmp_path):
    run = RunFolder(make_results(tmp_path, estimator="exact", seed=3))
    record = run.record
    settings = record.settings.__class__(**{**record.settings.__dict__, "corpus": "my data.tsv",
                                           "pair_column": "hypothesis", "max_inputs": None})
    run.write_record(record.replace(settings=settings))
    assert command_line(run, "analyze") == (
        "bertstory analyze --model /tmp/tiny-bert --corpus 'my data.tsv' --pair-column hypothesis "
        "--estimator exact --seed 3 --max-tokens 128 --max-inputs 0"
    )


def test_layer_and_head_pages_show_every_registered_figure(synthetic_run, tmp_path):
    report = build_report(synthetic_run, tmp_path / "project", build=False)
    generated: Path = report.layout.generated
    for scope, page, stem in (("layer", "layers/layer-2.md", "layer-2"), ("head", "heads/L2-H3.md", "L2-H3")):
        text = (generated / page).read_text(encoding="utf-8")
        for figure in figures_for(scope):
            assert f"]({figure.file_name(stem)})" in text
            assert figure.caption in text
            assert (generated / page).parent.joinpath(figure.file_name(stem)).is_file()
