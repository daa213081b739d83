"""Write the generated Markdown pages of a report from the Jinja2 templates.

All pages go under ``docs/generated/`` (see :mod:`bertstory.report.project`); links between
them are relative Markdown links, which ``mkdocs build --strict`` checks.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from pathlib import Path

import jinja2

from bertstory import __version__
from bertstory.findings import FindingsConfig, schema
from bertstory.findings.config import NOT_IN_PIPELINE
from bertstory.findings.metrics import METRICS
from bertstory.findings.persistence import NO_PATTERN
from bertstory.findings.schema import ESTIMATOR_TABLE
from bertstory.maps import explorer_maps, map_names, map_titles, pair_names, persistence_views, run_maps, views
from bertstory.options import reproduce_words
from bertstory.pipeline.settings import AnalyzeSettings
from bertstory.report import context, faithfulness, frames, markdown, project, story, style
from bertstory.report.figures.page_figures import EXAMPLE_MAPS, explorer_link, figures_for
from bertstory.report.figures.registry import RegisteredFigure
from bertstory.report.markdown import num, pct
from bertstory.report.naming import class_names, head_name, layer_name, layer_slug, view_title
from bertstory.report.project import Layout
from bertstory.results import EXPLAIN_SOURCE, RunFolder
from bertstory.results.map_sample import is_pair


def environment() -> jinja2.Environment:
    """The templates' environment: Markdown output, strict undefined, number filters; templates name
    table columns through ``columns`` (:mod:`bertstory.findings.schema`) and ``JS_MEDIAN``
    (:data:`bertstory.report.frames.LAYER_JS_MEDIANS`)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bertstory.report", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(num=num, pct=pct)
    env.globals.update(
        VIEWS=views(), PAIR_NAMES=pair_names(), METRICS=METRICS, PERSISTENCE_VIEWS=persistence_views(),
        VIEW_TITLES=map_titles(), EXPLORER_MAPS=explorer_maps(),
        head_name=head_name, layer_name=layer_name, layer_slug=layer_slug,
        md_table=markdown.table, columns=schema, JS_MEDIAN=frames.LAYER_JS_MEDIANS,
    )
    return env


def command_line(run: RunFolder, command: str) -> str:
    """The ``bertstory <command>`` line (``analyze`` or ``build-site``) that reproduces this run:
    the options of :class:`~bertstory.pipeline.settings.AnalyzeSettings` that ``run.json``
    records, then the findings settings of ``findings.json`` that differ from their defaults."""
    words = ["bertstory", command, *reproduce_words(AnalyzeSettings, dataclasses.asdict(run.record.settings)),
             *_findings_words(run)]
    return shlex.join(words)


def findings_line(run: RunFolder) -> str:
    """``bertstory findings RUN_DIR`` with the findings settings of ``findings.json`` that differ from
    their defaults, and ``--seed`` when the tables were written with another seed than the run's."""
    seed = findings_seed(run)
    words = [*_findings_words(run), *(["--seed", str(seed)] if seed is not None else [])]
    return " ".join(["bertstory findings RUN_DIR", *map(shlex.quote, words)])


def findings_seed(run: RunFolder) -> int | None:
    """The seed of the tables' bootstrap and MDS layout when it is not the run's seed (the tables were
    rewritten by ``bertstory findings --seed``): ``analyze`` and ``build-site`` then cannot reproduce
    them alone. ``None`` when it is the run's."""
    seed = run.summary().get("config", {}).get("seed")
    return None if seed is None or seed == run.record.settings.seed else int(seed)


def _findings_words(run: RunFolder) -> list[str]:
    findings = {key: value for key, value in run.summary().get("config", {}).items() if key not in NOT_IN_PIPELINE}
    return reproduce_words(FindingsConfig, findings)


def explain_call(run: RunFolder) -> str | None:
    """For a run folder written by ``Explanation.save`` (one text given to the Python API, no
    corpus): the Python lines that compute and save it again; ``None`` for a run of ``analyze``."""
    if run.record.corpus.source != EXPLAIN_SOURCE:
        return None
    settings, item = run.record.settings, run.inputs.iloc[0]
    arguments = [repr(settings.model), repr(item["text"])]
    if is_pair(item["text_pair"]):
        arguments.append(f"text_pair={item['text_pair']!r}")
    arguments.append(f"estimator={settings.estimator!r}")
    if settings.estimator == "probes":
        arguments.append(f"probes={settings.probes}")
    arguments.append(f"seed={settings.seed}")
    if settings.ablation_baseline != "zero":
        arguments.append(f"ablation_baseline={settings.ablation_baseline!r}")
    if not settings.faithfulness:
        with run_maps(False):
            arguments.append(f"maps={list(map_names())!r}")
    return f"import bertstory\n\nbertstory.explain({', '.join(arguments)}).save({run.record.run_id!r})"


class PageWriter:
    """Renders every generated page of one run into ``layout.generated``.

    The templates name the run's token classes from its ``run.json`` (:func:`class_names`):
    ``MASS_CLASSES`` the classes it can have (no ``next`` in a decoder), ``CLASS_TITLES`` and
    ``PATTERN_TITLES`` their titles ([CLS] or "first token", …) as Markdown, ``CAUSAL`` whether
    the model is a decoder.
    """

    def __init__(self, run: RunFolder, layout: Layout, figures: list[RegisteredFigure]) -> None:
        self.run = run
        self.record = run.record
        self.layout = layout
        self.figures = {f.key: f for f in figures}
        self.names = class_names(self.record)
        self.env = environment()
        self.env.globals.update(MASS_CLASSES=self.names.shown, CLASS_TITLES=self.names.markdown_titles,
                                PATTERN_TITLES=self.names.markdown_patterns, CAUSAL=self.names.causal,
                                FIGURE_WIDTHS={f.key: style.shown_width(layout.figures / f"{f.key}.png")
                                               for f in figures})
        self.heads = run.table("heads").sort_values(["layer", "head"]).reset_index(drop=True)
        self.config = run.summary()["config"]

    def _write(self, template: str, relative: str, **values) -> Path:
        path = self.layout.generated / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = self.env.get_template(template).render(figures=self.figures, **values)
        path.write_text(text, encoding="utf-8")
        return path

    def overview(self) -> Path:
        return self._write(
            "overview.md.j2", project.OVERVIEW.page,
            summary=context.run_summary(self.run),
            findings=story.key_findings(self.run),
            fate_columns=context.PATTERN_FATE_COLUMNS, fates=context.pattern_fates(self.heads, self.names),
            headline=[s for s in ("fig2_js_by_layer", "fig1_js_heatmaps", "fig6_persistence", "fig5_mixing",
                                  "fig9_faithfulness") if s in self.figures],
        )

    def layers(self) -> list[Path]:
        L = self.record.num_layers
        written = [self._write("layers_index.md.j2", project.LAYERS.page, rows=context.layer_rows(self.run), L=L,
                               thresholds=self.config)]
        layers_table = self.run.table("layers")
        mix = frames.mixing(layers_table).set_index("layer")
        roll = frames.rollout(self.run.table("rollout")).pivot(index="layer", columns="method", values="js")
        summary = frames.layer_summary(layers_table).set_index("layer")
        for layer in range(1, L + 1):
            part = self.heads[self.heads["layer"] == layer]
            ranked = part.sort_values(["js_attention_global", "head"])
            patterned = part[part["pattern"] != NO_PATTERN]
            written.append(self._write(
                "layer.md.j2", f"{project.LAYERS.folder}/{layer_slug(layer)}.md",
                layer=layer, L=L, page_figures=figures_for("layer"),
                heads=[context.head_row(r) for _, r in part.iterrows()],
                summary=summary.loc[layer], mix=mix.loc[layer], rollout=roll.loc[layer],
                most=context.head_row(ranked.iloc[-1]), least=context.head_row(ranked.iloc[0]),
                counts=context.layer_persistence(part),
                persisting=[context.head_row(r) for _, r in patterned[patterned["persists_global"]].iterrows()],
                vanishing=[context.head_row(r) for _, r in patterned[~patterned["persists_global"]].iterrows()],
            ))
        return written

    def heads_pages(self) -> list[Path]:
        grid = [[context.head_row(r) for _, r in self.heads[self.heads["layer"] == layer].iterrows()]
                for layer in range(1, self.record.num_layers + 1)]
        written = [self._write("heads_index.md.j2", project.HEADS.page, grid=grid, H=self.record.num_heads)]
        nearest = context.nearest_heads(self.run)
        faithful = self.run.optional_table(faithfulness.FAITHFULNESS_TABLE)
        agreement = {} if faithful is None else faithfulness.head_tables(faithful)
        examples = context.example_inputs(self.run)
        names = [head_name(int(r.layer), int(r.head)) for r in self.heads.itertuples()]
        for k, row in self.heads.iterrows():
            head = context.head_row(row)
            written.append(self._write(
                "head.md.j2", f"{project.HEADS.folder}/{head['name']}.md",
                h=head, story=context.pattern_story(row, self.config),
                nearest=nearest.get((head["layer"], head["head"]), {}), page_figures=figures_for("head"),
                example_maps=EXAMPLE_MAPS, explorer_link=explorer_link, examples=examples,
                faithfulness=agreement.get((head["layer"], head["head"]), []),
                faithfulness_columns=faithfulness.HEAD_COLUMNS,
                previous=names[k - 1] if k > 0 else None, next=names[k + 1] if k + 1 < len(names) else None,
            ))
        return written

    def patterns(self) -> Path:
        transitions = self.run.table("transitions")
        table = self.run.table("persistence")
        example = context.worked_example(self.heads)
        correlation = story.mass_correlation(self.heads, table, self.names)
        return self._write(
            "patterns.md.j2", project.PATTERNS.page,
            counts=frames.label_counts(self.heads),
            by_class={view: frames.persistence_by_class(table, view) for view in persistence_views()},
            per_layer=[(layer, context.layer_persistence(self.heads[self.heads["layer"] == layer]))
                       for layer in sorted(self.heads["layer"].unique())],
            spearman=frames.spearman_curves(table, "global").pivot(index="layer", columns="class"),
            pattern_classes=list(self.names.pattern_classes),
            label_kept=frames.label_kept_by_class(transitions, labels=self.names.labels),
            transitions=frames.transitions(transitions, labels=self.names.labels),
            layers=frames.layer_summary(self.run.table("layers")),
            sentences=[story.patterns_found(self.heads, self.names), story.pattern_fates(self.heads, "global", self.names),
                       story.pattern_fates(self.heads, "local", self.names), *([correlation] if correlation else [])],
            label_sentences=[story.labels(self.heads), story.label_persistence(self.heads, transitions)],
            example=None if example is None else {
                "name": head_name(int(example["layer"]), int(example["head"])),
                "story": context.pattern_story(example, self.config),
            },
            thresholds=context.thresholds(self.run),
        )

    def mixing(self) -> Path:
        roll = frames.rollout(self.run.table("rollout"))
        return self._write(
            "mixing.md.j2", project.MIXING.page,
            mix=frames.mixing(self.run.table("layers")),
            rollout={m: roll[roll["method"] == m].set_index("layer") for m in frames.ROLLOUT_METHODS},
            method_titles={"rollout": "rollout", "attention": "raw attention"},
            closeness=context.metric_closeness(),
            sentences=[story.mixing(self.run.table("layers")), story.rollout(self.run.table("rollout"))],
        )

    def faithfulness(self) -> Path:
        """The Faithfulness page: sentences, figure 9 and a table per ground truth; one line when the run
        was analysed without the faithfulness maps."""
        layers = self.run.optional_table(faithfulness.FAITHFULNESS_LAYERS_TABLE)
        tables = None if layers is None else [
            (view_title(truth), *faithfulness.layer_table(layers, truth)) for truth in faithfulness.ground_truths(layers)]
        return self._write(
            "faithfulness.md.j2", "faithfulness.md", tables=tables, not_measured=faithfulness.NOT_MEASURED,
            sentences=[] if layers is None else faithfulness.page_sentences(layers),
        )

    def estimator(self) -> Path:
        settings = self.record.settings
        errors = self.run.optional_table(ESTIMATOR_TABLE)
        by_view = None
        if errors is not None:
            by_view = errors.groupby(["view", "probes"], sort=False).agg(
                rows=("tv", "size"), inputs=("input_id", "nunique"), mean_tv=("tv", "mean"),
                max_abs_error=("max_abs_error", "max"),
            ).reset_index()
        return self._write(
            "estimator.md.j2", project.ESTIMATOR.page,
            estimator=settings.estimator, probes=settings.probes, by_view=by_view,
            sentence=story.estimator(errors, settings.probes) if errors is not None else None,
        )

    def reproduce(self, downloads: dict) -> Path:
        return self._write(
            "reproduce.md.j2", project.REPRODUCE.page,
            run_id=self.record.run_id, summary=context.run_summary(self.run),
            analyze=command_line(self.run, "analyze"), build_site=command_line(self.run, "build-site"),
            explain=explain_call(self.run), findings=findings_line(self.run),
            findings_seed=findings_seed(self.run), settings_seed=self.record.settings.seed,
            settings_json=json.dumps(dataclasses.asdict(self.record.settings), indent=2),
            findings_json=json.dumps(self.run.summary().get("config", {}), indent=2),
            thresholds=context.thresholds(self.run),
            versions={
                "bertstory (analysis)": self.record.bertstory_version,
                "bertstory (report)": __version__,
                **self.record.versions,
            },
            downloads=downloads,
        )
