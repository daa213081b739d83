"""The reproduce command and the generated pages' use of the registries."""

from pathlib import Path

from bertstory.report.build import build_report
from bertstory.report.examples import choose_examples
from bertstory.report.figures.page_figures import EXAMPLE_MAPS, figures_for
from bertstory.report.pages import command_line
from bertstory.results import RunFolder
from bertstory.maps import views

from .synthetic import make_results


def test_command_line_reproduces_settings_and_omits_default_corpus(synthetic_run):
    line = command_line(RunFolder(synthetic_run), "build-site")
    assert line == ("bertstory build-site --model /tmp/tiny-bert --estimator probes --probes 8 --seed 0 "
                    "--no-faithfulness "  # the synthetic run has the first four maps only
                    "--max-tokens 128 --max-inputs 6 --bootstrap-samples 50")  # findings settings off their default


def test_command_line_of_an_exact_run_on_a_whole_tsv_corpus(tmp_path):
    run = RunFolder(make_results(tmp_path, estimator="exact", seed=3))
    record = run.record
    settings = record.settings.__class__(**{**record.settings.__dict__, "corpus": "my data.tsv",
                                           "pair_column": "hypothesis", "max_inputs": None})
    run.write_record(record.replace(settings=settings))
    assert command_line(run, "analyze") == (
        "bertstory analyze --model /tmp/tiny-bert --corpus 'my data.tsv' --pair-column hypothesis "
        "--estimator exact --seed 3 --no-faithfulness --max-tokens 128 --max-inputs 0 --bootstrap-samples 50"
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
    text = (generated / "heads" / "L2-H3.md").read_text(encoding="utf-8")
    examples = choose_examples(RunFolder(synthetic_run).analysed_inputs()[0])
    assert EXAMPLE_MAPS.caption in text and len(examples) == 2
    for input_id in examples:
        for view in views():
            image = f"L2-H3-map-{input_id}-{view}.png"
            assert f"]({image})](../explorer.md#input={input_id}&layer=2&head=3&view={view})" in text
            assert (generated / "heads" / image).is_file()


def test_command_line_states_the_findings_thresholds_that_differ_from_their_defaults(tmp_path):
    from bertstory.findings import FindingsConfig, write_findings

    run = RunFolder(make_results(tmp_path, estimator="exact", seed=3))
    write_findings(run, FindingsConfig(bootstrap_samples=50, threshold_token=0.7, persist_enrichment=3.0, seed=9))
    assert command_line(run, "build-site").endswith(
        "--max-inputs 6 --threshold-token 0.7 --persist-enrichment 3.0 --bootstrap-samples 50")  # no findings seed


def test_patterns_and_reproduce_pages_print_every_threshold_in_force(tmp_path):
    from bertstory.findings import FindingsConfig, write_findings

    run_dir = make_results(tmp_path / "runs", estimator="exact", seed=4)
    write_findings(run_dir, FindingsConfig(bootstrap_samples=50, pattern_specificity=1.75, persist_specificity=1.3))
    report = build_report(run_dir, tmp_path / "project", build=False)
    rows = [
        "| label self, prev, next | largest class mass at least | 0.50 | `--threshold-positional` |",
        "| label CLS, SEP, punct | largest class mass at least | 0.60 | `--threshold-token` |",
        "| label broad | otherwise, normalised entropy at least (else mixed) | 0.80 | `--threshold-broad` |",
        "| pattern found by enrichment | attention enrichment at least, lower bound above 1 | 2.00 | "
        "`--pattern-enrichment` |",
        "| pattern found by enrichment | attention specificity at least, lower bound above 1 | 1.75 | "
        "`--pattern-specificity` |",
        "| pattern persists into a view | enrichment in the view at least, lower bound above 1 | 2.00 | "
        "`--persist-enrichment` |",
        "| pattern persists specifically | also specificity in the view at least, lower bound above 1 | 1.30 | "
        "`--persist-specificity` |",
        "| 95% intervals | bootstrap resamples of the inputs | 50 | `--bootstrap-samples` |",
    ]
    for page in ("patterns.md", "reproduce.md"):
        text = (report.layout.generated / page).read_text(encoding="utf-8")
        for row in rows:
            assert row in text, (page, row)


def ratio(row, name: str, c: str, view: str) -> str:
    from bertstory.report.markdown import num

    return f"{num(row[f'{name}_{c}_{view}'], 2)} [{num(row[f'{name}_{c}_{view}_lo'], 2)}, " \
           f"{num(row[f'{name}_{c}_{view}_hi'], 2)}]"


def test_head_page_states_the_pattern_its_persistence_and_the_enrichment_table(synthetic_run, tmp_path):
    from bertstory.report.markdown import num

    report = build_report(synthetic_run, tmp_path / "project", build=False)
    heads = RunFolder(synthetic_run).table("heads").set_index(["layer", "head"])
    prev = heads.loc[(1, 1)]
    text = (report.layout.generated / "heads" / "L1-H1.md").read_text(encoding="utf-8")
    assert (f"Its pattern is **prev**, its label under attention (mass {num(prev['mass_prev_attention'])} ≥ 0.50; "
            f"enrichment {ratio(prev, 'enrichment', 'prev', 'attention')}, specificity "
            f"{ratio(prev, 'specific', 'prev', 'attention')}).") in text
    assert (f"It persists specifically into global attribution: enrichment {ratio(prev, 'enrichment', 'prev', 'global')}"
            f" ≥ 2.00 and specificity {ratio(prev, 'specific', 'prev', 'global')} ≥ 1.20, both lower bounds above 1."
            ) in text
    assert (f"It vanishes under local attribution: enrichment {ratio(prev, 'enrichment', 'prev', 'local')} "
            "(persisting needs ≥ 2.00, lower bound above 1).") in text
    cells = " | ".join(f"{ratio(prev, 'enrichment', 'prev', v)} | {ratio(prev, 'specific', 'prev', v)}"
                       for v in ("attention", "local", "global"))
    assert f"| previous | {cells} |" in text
    plain = heads.loc[(1, 2)]
    assert plain["pattern"] == "none"
    other = (report.layout.generated / "heads" / "L1-H2.md").read_text(encoding="utf-8")
    assert (f"It has no pattern under attention: its label there is **{plain['label_attention']}**, and no class has "
            "an enrichment of at least 2.00 and a specificity of at least 1.50 with both lower bounds above 1.") in other


def test_patterns_page_works_the_rule_through_one_head(synthetic_run, tmp_path):
    report = build_report(synthetic_run, tmp_path / "project", build=False)
    text = (report.layout.generated / "patterns.md").read_text(encoding="utf-8")
    heads = RunFolder(synthetic_run).table("heads").set_index(["layer", "head"])
    # L1-H1 is the only head whose pattern persists into global attribution, so it is the example
    assert "### A worked example: [L1-H1](heads/L1-H1.md)" in text
    head_page = (report.layout.generated / "heads" / "L1-H1.md").read_text(encoding="utf-8")
    example = text[text.index("### A worked example"):text.index("## Which patterns persist")]
    steps = [line.split(". ", 1)[1] for line in example.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert len(steps) == 3 and all(step in head_page for step in steps)
    assert heads.loc[(1, 1), "persists_specific_global"]


def test_reproduce_page_commands_give_the_tables_of_a_run_whose_findings_used_another_seed(tmp_path):
    """Tables rewritten by ``bertstory findings --seed 9`` on a run of seed 3: the page's findings
    line carries ``--seed 9``, and running the page's lines gives the tables byte for byte."""
    import shutil

    from click.testing import CliRunner

    from bertstory.cli import cli
    from bertstory.findings import FindingsConfig, write_findings

    run_dir = make_results(tmp_path / "runs", estimator="exact", seed=3)
    write_findings(run_dir, FindingsConfig(bootstrap_samples=50, seed=9))
    report = build_report(run_dir, tmp_path / "project", build=False)
    text = (report.layout.generated / "reproduce.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("bertstory findings RUN_DIR")]
    assert lines and all(line.split()[3:] == ["--bootstrap-samples", "50", "--seed", "9"] for line in lines)
    assert "seed 9" in text and "seed 3" in text

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    write_findings(copy, FindingsConfig(bootstrap_samples=50))  # what analyze leaves: the run's seed
    result = CliRunner().invoke(cli, lines[0].replace("RUN_DIR", str(copy)).split()[1:])
    assert result.exit_code == 0, result.output
    for table in sorted((run_dir / "tables").glob("*.csv")):
        assert (copy / "tables" / table.name).read_bytes() == table.read_bytes(), table.name
