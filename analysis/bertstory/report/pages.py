"""Write the generated Markdown pages of a report from the Jinja2 templates.

All pages go under ``docs/generated/`` (see :mod:`bertstory.report.project`); links between
them are relative Markdown links, which ``mkdocs build --strict`` checks.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import jinja2

from bertstory import __version__
from bertstory.report import context, markdown, story, tables
from bertstory.report.figures.paper import PaperFigure
from bertstory.report.markdown import num, pct
from bertstory.report.naming import (
    CLASS_TITLES, CLASSES, PAIR_TITLES, PAIRS, VIEW_TITLES, VIEWS, head_name, layer_name, layer_slug,
)
from bertstory.report.project import Layout
from bertstory.report.run import RunData

ANALYZE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("model", "--model"),
    ("corpus", "--corpus"),
    ("text_column", "--text-column"),
    ("pair_column", "--pair-column"),
    ("estimator", "--estimator"),
    ("probes", "--probes"),
    ("seed", "--seed"),
    ("max_tokens", "--max-tokens"),
    ("max_inputs", "--max-inputs"),
)
"""``run.json`` settings and the ``bertstory analyze`` / ``build-site`` options that set them."""


def environment() -> jinja2.Environment:
    """The templates' environment: Markdown output, strict undefined, number filters."""
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
        VIEWS=VIEWS, PAIRS=PAIRS, CLASSES=CLASSES, VIEW_TITLES=VIEW_TITLES, PAIR_TITLES=PAIR_TITLES,
        CLASS_TITLES=CLASS_TITLES, head_name=head_name, layer_name=layer_name, layer_slug=layer_slug,
        md_table=markdown.table,
    )
    return env


SETTING_DEFAULTS = {"corpus": "builtin", "text_column": "text"}
"""Settings recorded under these values were the options' defaults, so the command omits them."""


def command_line(data: RunData, command: str) -> str:
    """The ``bertstory <command>`` line that reproduces this run's settings."""
    settings = data.run.get("settings", {})
    words = ["bertstory", command]
    for key, option in ANALYZE_OPTIONS:
        value = settings.get(key, SETTING_DEFAULTS.get(key))
        if key == "max_inputs" and value is None:
            value = 0  # the whole corpus
        if value is None or value == SETTING_DEFAULTS.get(key):
            continue
        if key == "probes" and settings.get("estimator") != "probes":
            continue
        words += [option, str(value)]
    return shlex.join(words)


class PageWriter:
    """Renders every generated page of one run into ``layout.generated``."""

    def __init__(self, data: RunData, layout: Layout, figures: list[PaperFigure]) -> None:
        self.data = data
        self.layout = layout
        self.figures = {f.stem: f for f in figures}
        self.env = environment()
        self.heads = data.tables["heads"].sort_values(["layer", "head"]).reset_index(drop=True)

    def _write(self, template: str, relative: str, **values) -> Path:
        path = self.layout.generated / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = self.env.get_template(template).render(figures=self.figures, **values)
        path.write_text(text, encoding="utf-8")
        return path

    def overview(self) -> Path:
        return self._write(
            "overview.md.j2", "index.md",
            summary=context.run_summary(self.data),
            findings=story.key_findings(self.data),
            headline=[s for s in ("fig2_js_by_layer", "fig1_js_heatmaps", "fig5_mixing") if s in self.figures],
        )

    def layers(self) -> list[Path]:
        rows = context.layer_rows(self.data)
        written = [self._write("layers_index.md.j2", "layers/index.md", rows=rows, L=self.data.num_layers)]
        mix = tables.mixing(self.data.tables["layers"]).set_index("layer")
        roll = tables.rollout(self.data.tables["rollout"]).pivot(index="layer", columns="method", values="js")
        summary = tables.layer_summary(self.data.tables["layers"]).set_index("layer")
        for layer in range(1, self.data.num_layers + 1):
            part = self.heads[self.heads["layer"] == layer]
            ranked = part.sort_values(["js_attention_global", "head"])
            written.append(self._write(
                "layer.md.j2", f"layers/{layer_slug(layer)}.md",
                layer=layer, L=self.data.num_layers,
                heads=[context.head_row(r) for _, r in part.iterrows()],
                summary=summary.loc[layer], mix=mix.loc[layer], rollout=roll.loc[layer],
                most=context.head_row(ranked.iloc[-1]), least=context.head_row(ranked.iloc[0]),
                changed=[context.head_row(r) for _, r in part[~part["persists"].astype(bool)].iterrows()],
            ))
        return written

    def heads_pages(self) -> list[Path]:
        grid = [[context.head_row(r) for _, r in self.heads[self.heads["layer"] == layer].iterrows()]
                for layer in range(1, self.data.num_layers + 1)]
        written = [self._write("heads_index.md.j2", "heads/index.md", grid=grid, H=self.data.num_heads)]
        nearest = context.nearest_heads(self.data)
        names = [head_name(int(r.layer), int(r.head)) for r in self.heads.itertuples()]
        for k, row in self.heads.iterrows():
            head = context.head_row(row)
            written.append(self._write(
                "head.md.j2", f"heads/{head['name']}.md",
                h=head, nearest=nearest.get((head["layer"], head["head"]), {}),
                previous=names[k - 1] if k > 0 else None, next=names[k + 1] if k + 1 < len(names) else None,
            ))
        return written

    def patterns(self) -> Path:
        transitions = self.data.tables["transitions"]
        return self._write(
            "patterns.md.j2", "patterns.md",
            counts=tables.label_counts(self.heads),
            persistence=tables.persistence_by_class(transitions),
            transitions=tables.transitions(transitions),
            layers=tables.layer_summary(self.data.tables["layers"]),
            sentences=[story.labels(self.heads), story.persistence(self.heads, transitions)],
            thresholds=context.thresholds(self.data),
        )

    def mixing(self) -> Path:
        roll = tables.rollout(self.data.tables["rollout"])
        return self._write(
            "mixing.md.j2", "mixing.md",
            mix=tables.mixing(self.data.tables["layers"]),
            rollout={m: roll[roll["method"] == m].set_index("layer") for m in tables.ROLLOUT_METHODS},
            method_titles={"rollout": "rollout", "attention": "raw attention"},
            sentences=[story.mixing(self.data.tables["layers"]), story.rollout(self.data.tables["rollout"])],
        )

    def estimator(self) -> Path:
        settings = self.data.run.get("settings", {})
        errors = self.data.tables.get("estimator_error") if self.data.has_estimator_error else None
        by_view = None
        if errors is not None:
            by_view = errors.groupby(["view", "probes"], sort=False).agg(
                inputs=("input_id", "nunique"), mean_tv=("mean_tv", "mean"), max_abs_error=("max_abs_error", "max"),
            ).reset_index()
        return self._write(
            "estimator.md.j2", "estimator.md",
            estimator=settings.get("estimator"), probes=settings.get("probes"), by_view=by_view,
            sentence=story.estimator(errors, settings.get("probes")) if errors is not None else None,
        )

    def reproduce(self, downloads: dict[str, list[str]]) -> Path:
        return self._write(
            "reproduce.md.j2", "reproduce.md",
            run=self.data.run, summary=context.run_summary(self.data),
            analyze=command_line(self.data, "analyze"), build_site=command_line(self.data, "build-site"),
            settings_json=json.dumps(self.data.run.get("settings", {}), indent=2),
            findings_json=json.dumps(self.data.findings.get("config", {}), indent=2),
            versions={
                "bertstory (analysis)": self.data.run.get("bertstory_version", "?"),
                "bertstory (report)": __version__,
                **self.data.run.get("versions", {}),
            },
            downloads=downloads,
        )
