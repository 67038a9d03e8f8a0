"""Build the static HTML site from an executed profile: ``python -m helpers.build.site --profile full``.

Each executed part becomes ``site/NN_name.html`` through nbconvert's HTML exporter and the small
template in ``helpers/build/site_template/`` (which extends nbconvert's ``lab`` template); the index and
the chart pages are rendered from the same layout, with one stylesheet and one script in ``assets/``.
Pages embed their figures, LaTeX formulas become MathML at build time, tensorview's charts are redrawn
from their recorded options with the bundled ECharts (``helpers/build/vendor.py``), and the search
index is written at build time: pages load nothing from the network. The "Try it yourself" page, with both
saved networks running in it, is written by ``helpers/build/try_page.py``. The build is reproducible (the
same executed notebooks give byte-identical files) and world-readable. The site is written to a
temporary folder and swapped in at the end: a failed build leaves the old site.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jupytext
import nbformat
import numpy as np
from jupyter_core.paths import jupyter_path
from nbconvert import HTMLExporter
from nbconvert.filters.strings import _convert_header_id
from traitlets.config import Config

from helpers.build import bundle
from helpers.build.charts import redrawn
from helpers.build.profiles import part_names
from helpers.build.try_page import write_try_page
from helpers.build.vendor import ECHARTS, install
from helpers.paths import EXECUTED, PROJECT_ROOT, SITE, results_path

TEMPLATES = Path(__file__).parent / "site_template"
TITLE = "Convolutional versus dense layers: a notebook series"
PURPOSE = (
    "A reproducible retelling of the tutorial 'Convolutional versus Dense layers in neural networks, Part 1': "
    "the TensorFlow tutorial's dense MNIST classifier against LeNet, regularized with dropout and L1-L2 penalties, "
    "tuned by grid searches and sized down. For learners and teachers: read the pages, rerun any part in "
    "JupyterLab, or rebuild the whole series."
)

HEADING = re.compile(r"^(#{1,2})\s+(.*\S)")
FENCE = re.compile(r"^\s*(```|~~~)")
MARKUP = re.compile(r"[*_`#>|$]|\\[A-Za-z]+")  # emphasis, code, headings, quotes, table bars, LaTeX commands
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
CHART_OPTION = re.compile(r"var option_(\w+) = (\{.*?\});\s*chart_\1\.setOption", re.S)


@dataclass
class Section:
    """A stretch of a part's prose: the text under one level-1 or level-2 heading (level 0: before any)."""

    level: int
    heading: str
    lines: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The id nbconvert gives the heading: made from its rendered text, so inline code and emphasis marks go."""
        return _convert_header_id(re.sub(r"[`*]", "", self.heading))


@dataclass
class Page:
    """What the templates need to know about one part."""

    stem: str
    title: str
    summary: str
    chapter: str
    short: str
    sections: list[Section] = field(default_factory=list)
    results: dict[str, Any] | None = None
    charts: list[str] = field(default_factory=list)
    previous: Page | None = None
    next: Page | None = None

    @property
    def number(self) -> int:
        """The part's number, from its name (``04_lenet`` -> 4)."""
        return int(self.stem[:2])

    @property
    def html(self) -> str:
        return f"{self.stem}.html"

    @property
    def ipynb(self) -> str:
        return f"downloads/{self.stem}.ipynb"

    @property
    def py(self) -> str:
        return f"downloads/{self.stem}.py"

    @property
    def toc(self) -> list[dict[str, str]]:
        """The contents: the part's level-2 headings and their anchors."""
        return [{"text": plain(s.heading), "anchor": s.anchor} for s in self.sections if s.level == 2]

    def search_entries(self) -> list[dict[str, str]]:
        """One entry per section for the search box: where it is, what it is called, its text."""
        return [
            {
                "title": self.title if section.level < 2 else f"{self.short} · {plain(section.heading)}",
                "url": f"{self.html}#{section.anchor}" if section.level == 2 else self.html,
                "text": plain(" ".join(section.lines)),
            }
            for section in self.sections
            if section.lines or section.heading
        ]


def plain(markdown: str) -> str:
    """Markdown as a reader would say it: link texts kept, markup and LaTeX commands dropped, spaces collapsed."""
    return " ".join(MARKUP.sub(" ", LINK.sub(r"\1", markdown)).split())


def _prose(cell: Any) -> list[str]:
    """The markdown a reader sees from one cell: a markdown cell's source, or a code cell's Markdown outputs."""
    if cell.cell_type == "markdown":
        return [cell.source]
    return [
        output.data["text/markdown"] for output in cell.get("outputs", []) if "text/markdown" in output.get("data", {})
    ]


def _sections(notebook: Any) -> list[Section]:
    """The notebook's prose cut at its level-1 and level-2 headings (lines in code fences are never headings)."""
    sections, fenced = [Section(0, "")], False
    for source in itertools.chain.from_iterable(_prose(cell) for cell in notebook.cells):
        for line in source.splitlines():
            fenced ^= bool(FENCE.match(line))
            heading = None if fenced else HEADING.match(line)
            if heading:
                sections.append(Section(len(heading.group(1)), heading.group(2)))
            else:
                sections[-1].lines.append(line)
    return sections


def _duration(seconds: float) -> str:
    """``"48 s"``, ``"7 min 05 s"`` or ``"1 h 32 min"``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _results_at_a_glance(record: dict[str, Any]) -> dict[str, Any]:
    """What the box under a part's header shows, from the part's results record."""
    selected = record.get("selected")
    reruns = record.get("reruns")
    # the trainings read from the cache, at what they took when they trained; from scratch, the build adds them
    cached, untimed = record["page"]["cached_training_seconds"], record["page"]["untimed"]
    return {
        "wall": _duration(record["wall_seconds"]),
        "from_cache": record["page"]["from_cache"],
        "cached_training": _duration(cached),
        "from_scratch": ("at least " if untimed else "about ") + _duration(record["wall_seconds"] + cached),
        "untimed": untimed,
        "reruns": (
            f"{len(reruns['test_accuracy'])} more trainings from other initial weights: test accuracy "
            f"{100 * np.mean(reruns['test_accuracy']):.2f} ± {100 * np.std(reruns['test_accuracy'], ddof=1):.2f} % "
            "(mean ± s.d.)"
            if reruns
            else None
        ),
        "hardware": record["environment"]["hardware"],
        "plain": record.get("in_plain_words", []),
        "models": [
            [name, f"{model['test_accuracy']:.2%}", f"{model['params']:,}", model["epochs"], model["regularization"]]
            for name, model in record["models"].items()
        ],
        "selected": (
            ", ".join(f"{k} = {v:g}" for k, v in selected["point"].items())
            + f" (validation {selected['val_accuracy']:.2%}, test {selected['test_accuracy']:.2%})"
            if selected
            else None
        ),
    }


def chapters(pages: list[Page]) -> list[dict[str, Any]]:
    """The pages grouped by the chapter each part records, in part order: consecutive parts of one chapter."""
    grouped: list[dict[str, Any]] = []
    for page in pages:
        if not grouped or grouped[-1]["title"] != page.chapter:
            grouped.append({"title": page.chapter, "parts": []})
        grouped[-1]["parts"].append(page)
    return grouped


def read_pages(executed: Path) -> list[Page]:
    """One Page per part of the series executed in ``executed``, in order, linked to its neighbours (an
    executed notebook whose source is gone, e.g. after a renumbering, is not published)."""
    pages = []
    for path in (executed / f"{part}.ipynb" for part in part_names()):
        if not path.is_file():
            continue  # a part not built for this profile yet
        notebook = nbformat.read(path, as_version=4)
        sections = _sections(notebook)
        title = next((plain(s.heading) for s in sections if s.level == 1), path.stem)
        results_file = results_path(executed, path.stem)
        if not results_file.is_file():
            raise SystemExit(f"{results_file} is missing: run `make notebooks` to build part {path.stem} again")
        record = json.loads(results_file.read_text())
        pages.append(
            Page(
                stem=path.stem,
                title=title,
                summary=record["page"]["summary"],
                chapter=record["page"]["chapter"],
                short=title.split("·")[0].strip(),
                sections=sections,
                results=_results_at_a_glance(record),
                charts=[f"charts/{c.name}" for c in sorted((executed / "charts").glob(f"{path.stem}*.html"))],
            )
        )
    for before, after in itertools.pairwise(pages):
        before.next, after.previous = after, before
    return pages


def read_charts(path: Path) -> list[dict[str, Any]]:
    """The charts of one pyecharts page (tensorview's output): each one's title and ECharts option."""
    charts = []
    for _, source in CHART_OPTION.findall(path.read_text()):
        try:
            option = redrawn(json.loads(source))
        except json.JSONDecodeError as error:
            raise SystemExit(f"{path}: a chart's options are not plain JSON ({error})") from error
        charts.append({"title": (option.get("title") or [{}])[0].get("text", "chart"), "option": option})
    if not charts:
        raise SystemExit(
            f"{path}: no pyecharts chart in it (expected `var option_<id> = {{...}}; chart_<id>.setOption`)"
        )
    return charts


def without_bookkeeping_output(notebook: Any) -> None:
    """Drop what is a note for whoever ran the part, not for a reader of the page: what the bookkeeping
    cells (tagged ``plumbing``) printed, such as where the results went, and every cell's standard-error
    stream (training progress bars, the training cache's notes, library warnings). Figures, tables and
    what the other cells print to standard output stay."""
    for cell in notebook.cells:
        plumbing = "plumbing" in cell.metadata.get("tags", [])
        cell["outputs"] = [
            output
            for output in cell.get("outputs", [])
            if output.get("output_type") != "stream" or not (plumbing or output.get("name") == "stderr")
        ]


def number_figures(notebook: Any) -> None:
    """Give each PNG figure, in order, its number and the caption from its cell's ``caption`` metadata."""
    images = (
        (cell, output)
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    )
    for number, (cell, output) in enumerate(images, start=1):
        output.metadata["site_figure"] = {"number": number, "caption": cell.metadata.get("caption", "")}


def _index_tables(executed: Path) -> list[dict[str, Any]]:
    """The tables the parts publish for the index (``index_table`` in their results), in part order."""
    tables = []
    for path in sorted((executed / "results").glob("*.json")):
        table = json.loads(path.read_text()).get("index_table")
        if table is not None:
            tables.append(table)
    return tables


def _plain_findings(pages: list[Page]) -> list[dict[str, Any]]:
    """What the parts found, in plain words (``in_plain_words`` in their results: a few sentences each), in
    part order, each with the page it comes from."""
    return [{"page": page, "sentences": page.results["plain"]} for page in pages if page.results["plain"]]


def _site_facts(executed: Path, profile: str) -> dict[str, Any]:
    """What every page's bar and footer say. Only recorded facts, no build time: a rebuild changes no byte."""
    environments = [json.loads(p.read_text())["environment"] for p in sorted((executed / "results").glob("*.json"))]
    latest = max(environments, key=lambda e: e["finished_utc"]) if environments else {}
    packages = latest.get("packages", {})
    return {
        "title": TITLE,
        "purpose": PURPOSE,
        "profile": profile,
        "finished": latest.get("finished_utc", "?").replace("T", " ").replace("Z", " UTC"),
        "versions": ", ".join(f"{name} {version}" for name, version in packages.items())
        + f", Python {latest.get('python', '?')}",
        "hardware": latest.get("hardware", "unknown"),
        "echarts": ECHARTS,
        "bundle": bundle.SITE_PATH,
    }


def latex_to_mathml(rendered: str) -> str:
    """Template filter: turn ``$$...$$`` and ``$...$`` in rendered markdown into MathML.

    Browsers render MathML natively, so formulas need no MathJax and nothing from the network.
    """
    from latex2mathml.converter import convert

    def block(match: re.Match[str]) -> str:
        return convert(html.unescape(match.group(1)).strip(), display="block")

    def inline(match: re.Match[str]) -> str:
        return convert(html.unescape(match.group(1)))

    rendered = re.sub(r"\$\$(.+?)\$\$", block, rendered, flags=re.S)
    return re.sub(r"(?<![\\$])\$([^$\n]+?)\$", inline, rendered)


def _exporter() -> HTMLExporter:
    """nbconvert's HTML exporter with the site's template and filters."""
    return HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES.parent)],
        template_name=TEMPLATES.name,
        template_file="page.html.j2",
        embed_images=True,
        filters={"latex_to_mathml": latex_to_mathml},
        config=Config(
            {
                # progress bars arrive as many carriage-return fragments: show each bar's last state only
                "CoalesceStreamsPreprocessor": {"enabled": True},
                # a cell that only writes a sentence with the run's numbers shows the sentence, not its code
                "TagRemovePreprocessor": {"enabled": True, "remove_input_tags": ["remove-input"]},
            }
        ),
    )


def _write_parts(pages: list[Page], executed: Path, site: dict[str, Any], staging: Path) -> None:
    """Each part's page, with its executed notebook and source beside it as downloads."""
    exporter = _exporter()
    (staging / "downloads").mkdir()
    for page in pages:
        notebook = nbformat.read(executed / f"{page.stem}.ipynb", as_version=4)
        without_bookkeeping_output(notebook)
        number_figures(notebook)
        body, _ = exporter.from_notebook_node(
            notebook, resources={"site": site, "page": page, "metadata": {"name": page.title}}
        )
        (staging / page.html).write_text(body)
        shutil.copyfile(executed / f"{page.stem}.ipynb", staging / page.ipynb)
        (staging / page.py).write_text(source_as_run(executed / f"{page.stem}.ipynb"))


#: Cell metadata that belongs to the source (papermill's timings and the like belong to the run).
SOURCE_METADATA = ("tags", "jupyter")


def source_as_run(executed: Path) -> str:
    """The jupytext ``.py`` of the code that produced ``executed``, without papermill's injected cell.

    The download beside a page is this rather than today's ``notebooks/`` file, which may have
    changed since the run (the build copies prose edits into the executed notebook, so an up-to-date
    part's download equals its source).
    """
    notebook = nbformat.read(executed, as_version=4)
    notebook.cells = [c for c in notebook.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    for cell in notebook.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in SOURCE_METADATA and v}
    return jupytext.writes(notebook, fmt="py:percent")


def _write_charts(
    pages: list[Page], executed: Path, templates: jinja2.Environment, site: dict[str, Any], staging: Path
) -> None:
    """Each part's tensorview charts, redrawn from their recorded options with the bundled ECharts."""
    (staging / "charts").mkdir()
    for page in pages:
        for chart in page.charts:
            charts = read_charts(executed / chart)
            _render(templates, "chart.html.j2", staging / chart, site=site, page=page, charts=charts)


def _render(templates: jinja2.Environment, name: str, path: Path, **context: Any) -> None:
    path.write_text(templates.get_template(name).render(**context))


def _make_world_readable(root: Path) -> None:
    """Folders 0755, files 0644, whatever the umask (and tempfile.mkdtemp's 0700) made them."""
    root.chmod(0o755)
    for folder, folders, files in os.walk(root):
        for name in folders:
            Path(folder, name).chmod(0o755)
        for name in files:
            Path(folder, name).chmod(0o644)


def _write_dark_theme(path: Path) -> None:
    """JupyterLab's dark theme as nbconvert ships it, applied only where the reader's system asks for dark."""
    for folder in jupyter_path("nbconvert", "templates", "lab", "static"):
        theme = Path(folder) / "theme-dark.css"
        if theme.is_file():
            path.write_text(f"@media (prefers-color-scheme: dark) {{\n{theme.read_text()}\n}}\n")
            return
    raise SystemExit("nbconvert's lab template has no theme-dark.css: reinstall the environment (make env)")


def build_site(profile: str, out: Path = SITE) -> Path:
    """Build ``out`` from ``executed/<profile>``; see the module docstring."""
    executed = EXECUTED / profile
    pages = read_pages(executed)
    if not pages:
        raise SystemExit(f"nothing to publish: {executed} holds no executed parts (run `make notebooks`)")
    site = _site_facts(executed, profile)
    templates = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    staging = Path(tempfile.mkdtemp(prefix=".site-", dir=out.parent))
    try:
        _write_parts(pages, executed, site, staging)
        bundle.write_bundle(staging / bundle.SITE_PATH)
        _write_charts(pages, executed, templates, site, staging)
        shutil.copytree(TEMPLATES / "assets", staging / "assets")
        _write_dark_theme(staging / "assets" / "theme-dark.css")
        install(ECHARTS, staging)
        has_try = write_try_page(executed, templates, site, staging)
        entries = [entry for page in pages for entry in page.search_entries()]
        _render(templates, "search-index.js.j2", staging / "assets" / "search-index.js", entries=entries)
        _render(
            templates,
            "index.html.j2",
            staging / "index.html",
            site=site,
            chapters=chapters(pages),
            index_tables=_index_tables(executed),
            plain_findings=_plain_findings(pages),
            has_try=has_try,
        )
        _make_world_readable(staging)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full")
    args = parser.parse_args()
    out = build_site(args.profile)
    print(
        f"built {out.relative_to(PROJECT_ROOT)}/ from executed/{args.profile}/ ({len(list(out.glob('*.html')))} pages)"
    )


if __name__ == "__main__":
    main()
