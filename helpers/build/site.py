"""Build the static HTML site from an executed profile: ``python -m helpers.build.site --profile full``.

Each executed part becomes ``site/NN_name.html`` through nbconvert's HTML exporter and the small
template in ``helpers/build/site_template/`` (which extends nbconvert's ``lab`` template); the index is
rendered from the same layout. Pages embed their figures, and LaTeX formulas become MathML at
build time, so pages load nothing from the network and formulas render offline. The site is
written to a temporary folder and swapped in at the end: a failed build leaves the old site.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters.strings import _convert_header_id
from traitlets.config import Config

from helpers.data import PROJECT_ROOT

TEMPLATES = Path(__file__).parent / "site_template"
SITE = PROJECT_ROOT / "site"
TITLE = "Convolutional versus dense layers, part 1 (Keras 3 edition)"
PURPOSE = (
    "A reproducible retelling of the tutorial 'Convolutional versus Dense layers in neural networks, Part 1': "
    "the TensorFlow tutorial's dense MNIST classifier against LeNet, regularized with dropout and L1-L2 penalties, "
    "tuned by grid searches and sized down. For learners and teachers: read the pages, rerun any part in "
    "JupyterLab, or rebuild the whole series."
)


@dataclass
class Page:
    """What the template needs to know about one part."""

    stem: str
    title: str
    summary: str
    short: str
    toc: list[dict[str, str]] = field(default_factory=list)
    results: dict[str, Any] | None = None
    charts: list[str] = field(default_factory=list)
    previous: Page | None = None
    next: Page | None = None

    @property
    def html(self) -> str:
        return f"{self.stem}.html"

    @property
    def ipynb(self) -> str:
        return f"downloads/{self.stem}.ipynb"

    @property
    def py(self) -> str:
        return f"downloads/{self.stem}.py"


def _markdown_headings(notebook: Any) -> list[tuple[int, str]]:
    headings = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = re.match(r"^(#{1,3})\s+(.*\S)", line)
                if match:
                    headings.append((len(match.group(1)), match.group(2)))
    return headings


def _summary(notebook: Any) -> str:
    """The first sentence after '**What this part shows.**' in the part's header."""
    header = notebook.cells[0].source.replace("\n", " ")
    match = re.search(r"\*\*What this part shows\.\*\*\s*(.+?\.)(\s|$)", header)
    return match.group(1).replace("`", "") if match else ""


def _results_at_a_glance(record: dict[str, Any]) -> dict[str, Any]:
    selected = record.get("selected")
    return {
        "wall": f"{record['wall_seconds']:.0f} s",
        "hardware": record["environment"]["hardware"],
        "models": [
            {
                "name": name,
                "params": f"{model['params']:,}",
                "epochs": model["epochs"],
                "accuracy": f"{model['test_accuracy']:.2%}",
                "regularization": model["regularization"],
            }
            for name, model in record["models"].items()
        ],
        "selected": (
            ", ".join(f"{k} = {v:g}" for k, v in selected["point"].items())
            + f" (validation {selected['val_accuracy']:.2%}, test {selected['test_accuracy']:.2%})"
            if selected
            else None
        ),
    }


def read_pages(executed: Path) -> list[Page]:
    """One Page per executed part, in order, linked to its neighbours."""
    pages = []
    for path in sorted(executed.glob("[0-9][0-9]_*.ipynb")):
        if path.name.endswith((".partial.ipynb", ".failed.ipynb")):
            continue
        notebook = nbformat.read(path, as_version=4)
        headings = _markdown_headings(notebook)
        title = headings[0][1] if headings else path.stem
        results_file = executed / "results" / f"{path.stem}.json"
        record = json.loads(results_file.read_text()) if results_file.is_file() else None
        pages.append(
            Page(
                stem=path.stem,
                title=title,
                summary=_summary(notebook),
                short=title.split("·")[0].strip(),
                toc=[{"text": text, "anchor": _convert_header_id(text)} for level, text in headings if level == 2],
                results=_results_at_a_glance(record) if record and record["models"] else None,
                charts=[f"charts/{c.name}" for c in sorted((executed / "charts").glob(f"{path.stem}*.html"))],
            )
        )
    for before, after in itertools.pairwise(pages):
        before.next, after.previous = after, before
    return pages


def _comparison(executed: Path) -> dict[str, Any] | None:
    path = executed / "results" / "08_conclusion.json"
    if not path.is_file():
        return None
    rows = json.loads(path.read_text())["comparison"]
    columns = [
        "network",
        "coefficients",
        "regularization",
        "test accuracy (%)",
        "s.e. (points)",
        "reference (%)",
        "difference (points)",
    ]
    formats = {
        "coefficients": "{:,}",
        "test accuracy (%)": "{:.2f}",
        "s.e. (points)": "{:.2f}",
        "reference (%)": "{:.1f}",
        "difference (points)": "{:+.2f}",
    }
    return {
        "columns": columns,
        "rows": [[formats.get(c, "{}").format(row[c]) for c in columns] for row in rows],
    }


def _site_facts(executed: Path, profile: str) -> dict[str, Any]:
    environments = [json.loads(p.read_text())["environment"] for p in sorted((executed / "results").glob("*.json"))]
    latest = max(environments, key=lambda e: e["finished_utc"]) if environments else {}
    packages = latest.get("packages", {})
    return {
        "title": TITLE,
        "purpose": PURPOSE,
        "profile": profile,
        "built": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC (runs finished up to {latest.get('finished_utc', '?')})",
        "versions": ", ".join(f"{name} {version}" for name, version in packages.items())
        + f", Python {latest.get('python', '?')}",
        "hardware": latest.get("hardware", "unknown"),
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


def build_site(profile: str, out: Path = SITE) -> Path:
    """Build ``out`` from ``executed/<profile>``; see the module docstring."""
    executed = PROJECT_ROOT / "executed" / profile
    pages = read_pages(executed)
    if not pages:
        raise SystemExit(f"nothing to publish: {executed} holds no executed parts (run `make notebooks`)")
    site = _site_facts(executed, profile)
    exporter = HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES.parent)],
        template_name=TEMPLATES.name,
        template_file="page.html.j2",
        embed_images=True,
        filters={"latex_to_mathml": latex_to_mathml},
        # progress bars arrive as many carriage-return fragments: show each bar's last state only
        config=Config({"CoalesceStreamsPreprocessor": {"enabled": True}}),
    )
    staging = Path(tempfile.mkdtemp(prefix=".site-", dir=out.parent))
    try:
        (staging / "downloads").mkdir()
        for page in pages:
            notebook = nbformat.read(executed / f"{page.stem}.ipynb", as_version=4)
            html, _ = exporter.from_notebook_node(
                notebook, resources={"site": site, "page": page, "metadata": {"name": page.title}}
            )
            (staging / page.html).write_text(html)
            shutil.copy2(executed / f"{page.stem}.ipynb", staging / page.ipynb)
            shutil.copy2(PROJECT_ROOT / "notebooks" / f"{page.stem}.py", staging / page.py)
        if (executed / "charts").is_dir():
            shutil.copytree(executed / "charts", staging / "charts")
        index = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
        html = index.get_template("index.html.j2").render(site=site, parts=pages, comparison=_comparison(executed))
        (staging / "index.html").write_text(html)
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
