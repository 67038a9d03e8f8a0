"""The built site in a real browser: Debian's Chromium, headless, driven by Playwright, with no network.

Serves a freshly built site on localhost and opens every page as a reader would, with every request
that leaves localhost aborted (and counted as an error): each page loads without console errors, every
internal link resolves, every image renders, the formula is MathML, the previous/next links walk the
series. Layout: at 1280 px prose stays a readable column; at 390 px no page scrolls sideways and wide
tables scroll in their own box; links are coloured apart from the text; a contents jump lands below the
sticky bar and marks its section; every tensorview chart page draws its charts from the bundled ECharts;
the search box finds a part. Screenshots at both widths go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import filecmp
import functools
import http.server
import json
import re
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import numpy as np
import pytest
from PIL import Image

from helpers.build.digest import status
from helpers.build.profiles import part_names
from helpers.build.site import build_site
from helpers.paths import PROJECT_ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
# The full profile's site when every part of it is up to date with the code (what the build publishes), else the
# quick one's: a full profile still being rebuilt says nothing about the site builder.
PROFILE = "full" if all(status(part, "full").up_to_date for part in part_names()) else "quick"

# Pixels of a canvas that are not (nearly) white or transparent: a drawn chart has thousands.
INKED_PIXELS = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && Math.min(data[i], data[i + 1], data[i + 2]) < 230) inked++;
  }
  return inked;
}"""


@pytest.fixture(scope="module")
def site_root(tmp_path_factory) -> Path:
    return build_site(PROFILE, tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="module")
def site_url(site_root):
    handler = functools.partial(_QuietHandler, directory=str(site_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def pages(site_root) -> list[str]:
    """Every HTML page of the site, relative to its root: the index, the parts, the chart pages."""
    return sorted(str(p.relative_to(site_root)) for p in [*site_root.glob("*.html"), *site_root.glob("charts/*.html")])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _open(browser, url: str, viewport: dict[str, int] = WIDE, scheme: str = "light", **options):
    """Open ``url`` offline: every request that leaves the site (its server, or its folder for a ``file://``
    URL) is aborted and reported as an error. ``options`` go to the new page (``has_touch``)."""
    page = browser.new_page(viewport=viewport, color_scheme=scheme, **options)
    errors: list[str] = []
    site = url.rsplit("/", 1)[0] + "/" if url.startswith("file:") else url[: url.index("/", len("http://")) + 1]

    def offline(route) -> None:
        if route.request.url.startswith(site):
            route.continue_()
        else:
            errors.append(f"request to the network: {route.request.url}")
            route.abort()

    page.route("**/*", offline)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"failed request {request.url}"))
    response = page.goto(url, wait_until="networkidle")
    assert url.startswith("file:") or (response is not None and response.ok), (
        f"{url}: HTTP {response and response.status}"
    )
    return page, errors


def test_every_page_loads_cleanly_with_links_and_images(browser, site_url, pages):
    to_visit, seen = [site_url + "index.html"], set()
    while to_visit:
        url = to_visit.pop()
        if url in seen:
            continue
        seen.add(url)
        path = urlparse(url).path.lstrip("/")
        if not path.endswith(".html"):
            page = browser.new_page()
            assert page.request.get(url).ok, f"broken link: {url}"
            page.close()
            continue
        page, errors = _open(browser, url)
        assert errors == [], f"{path}: console errors {errors}"
        images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.currentSrc.slice(0, 40), i.naturalWidth])")
        assert all(width > 0 for _, width in images), f"{path}: images that did not render: {images}"
        assert page.locator("h1").count() == 1, f"{path}: one title per page"
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target, fragment = urldefrag(urljoin(url, href))
            if not target.startswith(site_url):
                continue
            if fragment and target == url:
                assert page.locator(f"[id='{fragment}']").count() == 1, f"{path}: no anchor #{fragment}"
            to_visit.append(target)
        page.close()
    visited = {urlparse(u).path.lstrip("/") for u in seen}
    assert set(pages) <= visited, f"pages no link leads to: {set(pages) - visited}"
    executed = [n for n in (PROJECT_ROOT / "executed" / PROFILE).glob("[0-9][0-9]_*.ipynb") if n.suffixes == [".ipynb"]]
    assert sorted(p for p in pages if p[:2].isdigit()) == sorted(f"{n.stem}.html" for n in executed)


def test_formula_renders_offline_and_plumbing_is_collapsed(browser, site_url):
    page, errors = _open(browser, site_url + "05_lenet_l1l2_grid.html")
    formula = page.locator("math[display=block]")
    assert formula.count() == 1
    box = formula.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 20  # laid out as mathematics, not raw text
    assert "$$" not in page.inner_text("main")
    assert page.locator("details.plumbing").count() >= 2
    assert page.locator("details.plumbing[open]").count() == 0
    assert errors == []
    page.close()


def test_navigation_walks_the_series_and_back(browser, site_url, pages):
    page, _ = _open(browser, site_url + "index.html")
    results = sorted((PROJECT_ROOT / "executed" / PROFILE / "results").glob("*.json"))
    published = [table for path in results if (table := json.loads(path.read_text()).get("index_table"))]
    tables = page.locator("#results ~ .site-table")
    assert published and tables.count() == len(published)  # every part's table, in part order
    for index, table in enumerate(published):
        assert tables.nth(index).locator("tr").count() == len(table["rows"]) + 1  # every row, and the header
    page.locator("main a[href$='01_dense_tutorial.html']").first.click()  # the index's list of parts
    page.wait_for_load_state()
    titles = [page.title()]
    while page.locator(".site-bar a[rel=next]").count():
        page.locator(".site-bar a[rel=next]").click()
        page.wait_for_load_state()
        titles.append(page.title())
    parts = [p for p in pages if p[:2].isdigit()]  # NN_name.html
    assert len(titles) == len(parts) and titles[0].startswith("Part 1")
    assert titles[-1].startswith(f"Part {int(parts[-1][:2])} ")  # every part, in order, across the chapters
    while page.locator(".site-pager a[rel=prev]").count():  # back through the pager at the foot of each part
        page.locator(".site-pager a[rel=prev]").click()
        page.wait_for_load_state()
    assert page.title() == titles[0]
    pager = page.locator(".site-pager").inner_text()
    assert "·  ·" not in pager and not pager.strip().startswith("·") and not pager.strip().endswith("·")
    page.locator(".site-bar a[href='index.html']").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("index.html")
    page.close()


def test_prose_is_a_readable_column_at_1280(browser, site_url, pages):
    for path in pages:
        page, _ = _open(browser, site_url + path)
        widths = page.eval_on_selector_all(
            ".jp-RenderedMarkdown > p, main > p", "ps => ps.map(p => p.getBoundingClientRect().width)"
        )
        assert widths and max(widths) <= 800, f"{path}: prose paragraphs up to {max(widths, default=0):.0f} px wide"
        size = page.eval_on_selector("main p", "p => parseFloat(getComputedStyle(p).fontSize)")
        assert size >= 15, f"{path}: prose at {size} px"
        page.close()


def test_no_page_scrolls_sideways_at_390_tables_become_cards_and_figures_enlarge_in_a_box(browser, site_url, pages):
    for path in pages:
        page, _ = _open(browser, site_url + path, PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path}: {width} px wide at 390 px"
        bar_links = page.eval_on_selector_all(
            ".site-bar nav a", "links => links.map(a => a.getBoundingClientRect()).map(r => [r.left, r.right])"
        )
        assert bar_links and all(left >= 0 and right <= 390 for left, right in bar_links), f"{path}: {bar_links}"
        page.close()
    for path in ("index.html", "04_lenet.html"):  # the results tables, and a part's table at a glance
        page, _ = _open(browser, site_url + path, PHONE)
        tables = page.eval_on_selector_all(
            ".site-table",
            """ts => ts.map(t => ({
                 fits: t.scrollWidth <= t.clientWidth + 1 && t.getBoundingClientRect().right <= 390,
                 header: getComputedStyle(t.querySelector('tr')).display,
                 columns: [...t.querySelectorAll('th')].map(th => th.textContent),
                 labels: [...t.querySelectorAll('tr:nth-child(2) td')]
                   .map(td => getComputedStyle(td, '::before').content),
               }))""",
        )
        assert tables, path
        for table in tables:  # a card per row: its first cell the title, every other one labelled with its column
            assert table["fits"] and table["header"] == "none", f"{path}: {table}"
            assert table["labels"] == ["none", *(f'"{column}"' for column in table["columns"][1:])], f"{path}: {table}"
        page.close()
    page, _ = _open(browser, site_url + "11_shifts.html", PHONE)
    page.wait_for_function("[...document.images].every(i => i.complete)")
    figures = page.eval_on_selector_all(
        ".site-figure img",
        "is => is.map(i => [i.getBoundingClientRect().width, i.closest('figure').clientWidth, i.naturalWidth])",
    )
    assert figures and all(shown <= box + 0.5 for shown, box, _ in figures), f"figures fit a phone: {figures}"
    shrunk = page.locator(".site-figure.shrunk")
    assert shrunk.count() == sum(natural > box + 1 for _, box, natural in figures) > 0
    first = shrunk.first
    first.locator(".site-zoom").click()
    zoomed = first.evaluate(
        "f => [f.classList.contains('zoomed'), f.querySelector('img').getBoundingClientRect().width]"
    )
    assert zoomed[0] and zoomed[1] > 390  # at full size, in a box that scrolls sideways
    scrolled = first.locator(".jp-OutputArea-output").evaluate(
        "box => { box.scrollLeft = 200; return box.scrollLeft; }"
    )
    assert scrolled == 200, "the enlarged figure's box does not scroll sideways"
    assert first.locator(".site-zoom").get_attribute("aria-expanded") == "true"
    first.locator(".site-zoom").click()
    assert not first.evaluate("f => f.classList.contains('zoomed')")
    page.close()


def test_links_are_coloured_apart_from_the_text(browser, site_url, pages):
    for path in pages:
        page, _ = _open(browser, site_url + path)
        alike = page.evaluate(
            """() => {
              const text = getComputedStyle(document.querySelector("main p")).color;
              return [...document.querySelectorAll("a")]
                .filter(a => a.getClientRects().length && getComputedStyle(a).color === text)
                .map(a => a.outerHTML.slice(0, 80));
            }"""
        )
        assert alike == [], f"{path}: links coloured like the text: {alike}"
        page.close()


def test_contents_jump_lands_below_the_bar_and_marks_the_section(browser, site_url):
    for viewport in (WIDE, PHONE):
        page, _ = _open(browser, site_url + "04_lenet.html", viewport)
        links = page.locator(".site-toc a")
        assert links.count() >= 3
        for i in range(links.count() - 1):  # the last heading may sit too low on the page to reach the bar
            if viewport is PHONE:
                page.locator(".site-toc summary").click()  # folded on a phone; a jump folds it again
            links.nth(i).click()
            page.wait_for_timeout(200)
            anchor = links.nth(i).get_attribute("href")
            heading = page.locator(f"[id='{anchor[1:]}']").bounding_box()
            bar = page.locator(".site-bar").bounding_box()
            assert heading["y"] >= bar["y"] + bar["height"], f"{anchor} hidden under the bar at {viewport}"
            assert heading["y"] + heading["height"] <= viewport["height"]
            assert links.nth(i).get_attribute("aria-current") == "location", f"{anchor} not marked as current"
        assert page.locator(".site-toc[open]").count() == (1 if viewport is WIDE else 0)
        page.close()


def test_chart_pages_draw_offline_in_english_with_a_way_back(browser, site_url, pages):
    charts = [p for p in pages if p.startswith("charts/")]
    assert charts, "no tensorview chart pages in the site"
    for path in charts:
        page, errors = _open(browser, site_url + path)
        canvases = page.locator(".site-chart canvas")
        assert canvases.count() == 2, f"{path}: loss and accuracy charts expected"
        page.wait_for_timeout(1200)  # the curves animate in
        inked = [canvases.nth(i).evaluate(INKED_PIXELS) for i in range(canvases.count())]
        assert min(inked) > 2000, f"{path}: blank charts ({inked} drawn pixels)"
        locale = page.evaluate(
            "echarts.getInstanceByDom(document.getElementById('chart-1'))"
            ".getModel().getLocaleModel().get(['toolbox', 'saveAsImage', 'title'])"
        )
        assert locale == "Save as Image", f"{path}: chart locale says {locale!r}"
        part = Path(path).name
        assert page.title().startswith("Training charts · Part"), page.title()
        assert page.locator(f"a[rel=up][href='../{part}']").count() == 1, f"{path}: no link back to {part}"
        assert errors == [], f"{path}: {errors}"
        page.close()


# Each series as drawn: its name and, for every drawn point, the (position, value) its pixels stand for.
DRAWN_SERIES = """id => {
  const chart = echarts.getInstanceByDom(document.getElementById(id));
  const series = [];
  chart.getModel().eachSeries(model => {
    const data = model.getData();
    const drawn = data.getLayout("points");  // a line's points, x and y one after the other, in pixels
    const points = [];
    for (let k = 0; k < data.count(); k++) {
      const pixel = [drawn[2 * k], drawn[2 * k + 1]];
      points.push(chart.convertFromPixel({ seriesIndex: model.seriesIndex }, pixel));
    }
    series.push({ name: model.name, points });
  });
  const option = chart.getOption();
  const axis = option.xAxis[0];  // on a category axis a position is an index into the axis's labels
  const labels = axis.type === "category" ? axis.data : null;
  return { title: option.title[0].text, trigger: option.tooltip[0].trigger, labels, series };
}"""


def test_each_chart_draws_every_recorded_epoch_at_its_epoch(browser, site_url, pages):
    for path in [p for p in pages if p.startswith("charts/")]:
        record = json.loads((PROJECT_ROOT / "executed" / PROFILE / "results" / f"{Path(path).stem}.json").read_text())
        histories = [model["history"] for model in record["models"].values() if "history" in model]
        page, _ = _open(browser, site_url + path)
        for chart_id in ("chart-1", "chart-2"):
            drawn = page.evaluate(DRAWN_SERIES, chart_id)
            assert drawn["trigger"] == "axis", f"{path}: the tooltip shows one series at a time"
            metric = "loss" if "loss" in drawn["title"] else "accuracy"
            for series in drawn["series"]:
                key = {"training": metric, "validation": f"val_{metric}"}[series["name"]]
                epochs, values = np.array(series["points"], dtype=float).T
                if drawn["labels"] is not None:  # the epoch a reader sees at that position
                    labels = drawn["labels"]
                    epochs = np.array([float(labels[int(i)]) if int(i) < len(labels) else np.nan for i in epochs])
                recorded = [h[key] for h in histories if len(h.get(key, [])) == len(values)]
                assert recorded, f"{path}: {len(values)} epochs of {key} drawn; the results record other lengths"
                assert epochs == pytest.approx(np.arange(1, len(values) + 1), abs=0.05), f"{path}: {key} misplaced"
                spread = np.ptp(values) or 1.0
                assert any(np.allclose(values, history, atol=0.02 * spread) for history in recorded), (
                    f"{path}: the drawn {key} is not the recorded history"
                )
        page.close()


# The perceived lightness (0 black .. 1 white) of an element's computed colour or background.
LIGHTNESS = """([selector, property]) => {
  const [r, g, b] = getComputedStyle(document.querySelector(selector))[property].match(/[\\d.]+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}"""


@pytest.mark.parametrize("path", ["index.html", "04_lenet.html", "charts/04_lenet.html", "try.html"])
def test_pages_follow_the_readers_dark_setting(browser, site_url, path):
    for scheme, dark in (("light", False), ("dark", True)):
        page, errors = _open(browser, site_url + path, scheme=scheme)
        background = page.evaluate(LIGHTNESS, ["body", "backgroundColor"])
        text = page.evaluate(LIGHTNESS, ["main", "color"])
        assert (background < 0.2 and text > 0.75) if dark else (background > 0.9 and text < 0.25), (path, scheme)
        if path.startswith("charts/"):
            theme = page.evaluate(
                "echarts.getInstanceByDom(document.getElementById('chart-1')).getModel().get('darkMode')"
            )
            assert (theme is True) == dark, f"{path}: the chart is not drawn for the {scheme} scheme"
        if path == "try.html":  # the panels and the map too
            panel = page.evaluate(LIGHTNESS, [".try-panel", "backgroundColor"])
            assert (panel < 0.25) if dark else (panel > 0.85), f"{path}: the panels ignore the {scheme} scheme"
            assert (page.evaluate("TryIt.map.getModel().get('darkMode')") is True) == dark, f"{path}: the map"
        if path == "04_lenet.html":  # a code cell follows the scheme too
            code = page.evaluate(LIGHTNESS, [".jp-InputArea-editor", "backgroundColor"])
            assert (code < 0.25) if dark else (code > 0.85), f"{path}: code cells ignore the {scheme} scheme"
        assert errors == [], errors
        page.close()


def test_pages_print_as_a_document_without_navigation_or_clipped_code(browser, site_url, pages):
    hidden = [".site-bar", ".site-toc", ".site-pager", ".site-search", "details.plumbing"]
    for path in pages:
        page, errors = _open(browser, site_url + path)
        page.emulate_media(media="print")
        shown = page.evaluate(
            "selectors => selectors.flatMap(s => [...document.querySelectorAll(s)])"
            ".filter(e => getComputedStyle(e).display !== 'none').map(e => e.className)",
            hidden,
        )
        assert shown == [], f"{path}: printed with its navigation: {shown}"
        clipped = page.evaluate(
            "() => [...document.querySelectorAll('pre')]"
            ".filter(p => p.offsetParent && p.scrollWidth > p.clientWidth + 1).map(p => p.textContent.slice(0, 60))"
        )
        assert clipped == [], f"{path}: code cut off in print: {clipped}"
        assert page.evaluate("document.querySelectorAll('main .site-figure img').length") == page.evaluate(
            "[...document.querySelectorAll('main .site-figure img')].filter(i => i.offsetParent).length"
        ), f"{path}: a figure is left out of the print"
        assert errors == [], errors
        page.close()


def test_search_finds_a_part_offline(browser, site_url):
    page, errors = _open(browser, site_url + "index.html")
    page.locator(".site-search input").fill("elastic net")
    results = page.locator(".site-search-results a")
    assert results.count() >= 1
    assert "Part 5" in results.first.inner_text()
    results.first.click()
    page.wait_for_load_state()
    assert urlparse(page.url).path.endswith("05_lenet_l1l2_grid.html")
    assert errors == []
    page.close()


def _drawn_share(shot: Path) -> float:
    """The share of a screenshot's pixels that differ from its most common colour (the background)."""
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3)
    _, counts = np.unique(pixels, axis=0, return_counts=True)
    return 1 - counts.max() / len(pixels)


def test_screenshots_at_both_widths(browser, site_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = [
        ("index", "index.html"),
        ("04_lenet", "04_lenet.html"),
        ("chart", "charts/04_lenet.html"),
        ("try", "try.html"),
    ]
    for name, path in pages:
        for label, viewport in (("1280", WIDE), ("390", PHONE)):
            page, _ = _open(browser, site_url + path, viewport)
            page.wait_for_timeout(1200 if name == "chart" else 0)
            shot = SCREENSHOTS / f"{name}-{label}.png"
            page.screenshot(path=str(shot), full_page=name in ("index", "try"))
            assert _drawn_share(shot) > 0.02, f"{shot.name}: next to nothing drawn"
            page.close()


def test_rebuild_is_byte_identical_and_world_readable(site_root, tmp_path):
    again = build_site(PROFILE, tmp_path / "site")
    files = sorted(str(p.relative_to(site_root)) for p in site_root.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(again)) for p in again.rglob("*") if p.is_file())
    _, differ, errors = filecmp.cmpfiles(site_root, again, files, shallow=False)
    assert differ == errors == [], f"a rebuild changed {differ or errors}"
    modes = {p.stat().st_mode & 0o777 for p in [again, *again.rglob("*")] if p.is_dir()}
    assert modes == {0o755}, f"folder modes {sorted(map(oct, modes))}"
    modes = {p.stat().st_mode & 0o777 for p in again.rglob("*") if p.is_file()}
    assert modes == {0o644}, f"file modes {sorted(map(oct, modes))}"


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_text_in_every_figure_is_at_least_70_percent_of_the_body_text(browser, site_url, pages, viewport):
    """Each figure's smallest text (recorded with it when its part ran: ``helpers.figure_text``), scaled by the
    width the page gives the image, against the body text. At 1280 px every figure passes as shown; at 390 px
    every figure fits the screen, and one whose text it shrinks too far opens at full size, where it passes."""
    for path in pages:
        page, _ = _open(browser, site_url + path, viewport)
        page.wait_for_function("[...document.images].every(i => i.complete)")
        body = page.eval_on_selector("main p", "p => parseFloat(getComputedStyle(p).fontSize)")
        figures = page.eval_on_selector_all(
            ".site-figure",
            """fs => fs.map(f => { const i = f.querySelector('img'); return {
                 figure: f.id, text: parseFloat(i.dataset.minTextPx), shown: i.getBoundingClientRect().width,
                 natural: i.naturalWidth, column: f.clientWidth, zooms: f.classList.contains('shrunk')}; })""",
        )
        for figure in figures:
            where = f"{path} {figure['figure']} at {viewport['width']} px"
            assert figure["text"] > 0, f"{where}: no text size recorded with the figure"
            shown_text = figure["text"] * figure["shown"] / figure["natural"]
            if viewport is WIDE:
                assert shown_text >= 0.7 * body, f"{where}: smallest text {shown_text:.1f} px, body text {body} px"
            else:
                assert figure["shown"] <= figure["column"] + 0.5, f"{where}: wider than the column"
                if shown_text < 0.7 * body:
                    assert figure["zooms"] and figure["text"] >= 0.7 * body, (
                        f"{where}: smallest text {shown_text:.1f} px and no legible full size to tap to"
                    )
        page.close()


def test_every_figure_has_its_caption_as_alt_text(browser, site_url, pages):
    for path in pages:
        page, _ = _open(browser, site_url + path)
        images = page.eval_on_selector_all(
            ".site-figure",
            "fs => fs.map(f => [f.querySelector('img').alt, f.querySelector('figcaption').textContent.trim()])",
        )
        for alt, caption in images:
            assert alt.startswith("Figure ") and "No description" not in alt
            assert alt.split(": ", 1)[1] == caption.split(". ", 1)[1].split(" Tap the figure")[0]
        page.close()


def test_search_lists_every_hit_and_walks_them_with_the_keyboard(browser, site_url):
    page, errors = _open(browser, site_url + "index.html")
    box = page.locator(".site-search input")
    box.fill("lenet")
    results = page.locator(".site-search-results a")
    count = page.locator(".site-search-count").inner_text()
    assert results.count() > 8 and count == f"{results.count()} sections match"  # every hit, not the first eight
    box.press("ArrowDown")
    assert page.evaluate("document.activeElement.href") == results.nth(0).get_attribute("href")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.href") == results.nth(1).get_attribute("href")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.tagName") == "INPUT"
    first = results.nth(0).get_attribute("href")
    box.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(first)  # Enter on a result follows it
    assert errors == []
    page.close()


# The WCAG contrast ratio of each element's text against the background it is drawn on (the first ancestor
# with an opaque background colour), for every element that holds text of its own; the lowest ones returned.
LOW_CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    const unseen = style.visibility === "hidden" || el.closest("[hidden], svg") || !el.getClientRects().length;
    if (!own || unseen) continue;
    const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const what = `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}"`;
    if (ratio < 4.5) found.push(`${what}: ${ratio.toFixed(2)}`);
  }
  return found;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_is_at_least_4_5_to_1(browser, site_url, pages, scheme):
    for path in [*pages, "try.html"]:
        page, _ = _open(browser, site_url + path, scheme=scheme)
        assert page.evaluate(LOW_CONTRAST) == [], f"{path} ({scheme})"


# --- "Try it yourself" (helpers/build/try_page.py): both saved networks in the page -------------------------
TRY_DIGITS = 20  # test digits fed through the page and compared with Keras
EXACT = 1e-4  # the largest difference in a probability the page may show


@pytest.fixture(scope="module")
def saved_networks():
    """The profile's two saved networks, read from the files the site build exports: page name -> model."""
    import keras

    from helpers.build.try_page import NETWORKS, model_files

    files = model_files(PROJECT_ROOT / "executed" / PROFILE)
    return {NETWORKS[name]: keras.models.load_model(path) for name, path in files.items()}


@pytest.fixture(scope="module")
def test_digits(mnist_raw):
    _, (x_test, y_test) = mnist_raw
    return x_test, y_test


def _keras_answers(saved_networks, images) -> dict[str, np.ndarray]:
    """Keras's probabilities for uint8 28x28 images, computed as the series does (scaled; LeNet padded)."""
    from helpers.build.try_page import probabilities
    from helpers.data import scale_pixels

    return {name: probabilities(model, scale_pixels(np.asarray(images))) for name, model in saved_networks.items()}


def _page_answers(page, pixels) -> dict[str, list[float]]:
    """The page's probabilities for one uint8 digit, set as the start buttons set one."""
    return page.evaluate("pixels => { TryIt.setSource(pixels); return TryIt.state.answers; }", pixels.ravel().tolist())


def test_try_page_computes_what_keras_predicts_offline(browser, site_url, saved_networks, test_digits):
    x_test, _ = test_digits
    page, errors = _open(browser, site_url + "try.html")
    expected = _keras_answers(saved_networks, x_test[:TRY_DIGITS])
    worst = dict.fromkeys(expected, 0.0)
    for k in range(TRY_DIGITS):
        answers = _page_answers(page, x_test[k])
        for name, probabilities in expected.items():
            worst[name] = max(worst[name], float(np.abs(np.array(answers[name]) - probabilities[k]).max()))
    print(f"largest difference from Keras over {TRY_DIGITS} test digits: {worst}")
    assert max(worst.values()) <= EXACT, worst
    page.locator(".try-starter").nth(7).click()  # a start button goes through the same pipeline
    label = int(page.locator(".try-starter").nth(7).inner_text())
    for name in expected:
        shown = page.locator(f".try-network[data-network='{name}'] .try-predicted").inner_text()
        assert shown == str(label), f"{name} reads the test {label} as {shown}"
    assert errors == [], errors
    page.close()


def test_shift_slider_changes_the_answers_as_the_same_shift_in_python(browser, site_url, saved_networks, test_digits):
    from helpers.robustness import shift

    x_test, y_test = test_digits
    dx = 4
    moved = shift(x_test[:300], dx, 0).astype(np.uint8)  # whole pixels: the same uint8 digits, moved
    before, after = _keras_answers(saved_networks, x_test[:300]), _keras_answers(saved_networks, moved)
    read = {name: (before[name].argmax(axis=1), after[name].argmax(axis=1)) for name in before}
    # a digit both read right where it is, that the dense network loses when shifted and LeNet still reads
    k = next(
        i
        for i in range(300)
        if read["dense network"][0][i] == read["LeNet"][0][i] == read["LeNet"][1][i] == y_test[i]
        and read["dense network"][1][i] != y_test[i]
    )
    page, errors = _open(browser, site_url + "try.html")
    _page_answers(page, x_test[k])
    assert page.locator(".try-network[data-network='dense network'] .try-predicted").inner_text() == str(y_test[k])
    slider = page.locator(".try-slider input[name=dx]")
    slider.focus()
    for _ in range(dx):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"document.querySelector('.try-slider input[name=dx]').value === '{dx}'")
    page.wait_for_timeout(100)  # the page recomputes on the next frame
    answers = page.evaluate("TryIt.state.answers")
    for name, probabilities in after.items():
        assert np.abs(np.array(answers[name]) - probabilities[k]).max() <= EXACT, name
    shown = {name: page.locator(f".try-network[data-network='{name}'] .try-predicted").inner_text() for name in after}
    assert shown == {name: str(shifted[k]) for name, (_, shifted) in read.items()}, (k, shown)
    record = json.loads((PROJECT_ROOT / "executed" / PROFILE / "results" / "11_shifts.json").read_text())
    column, row = record["shifts"].index(dx), record["shifts"].index(0)
    measured = page.locator(".try-measured").inner_text()
    for grid in record["shift_grid"].values():  # the line quotes part 11's accuracy at this very shift
        assert f"{100 * grid[row][column]:.1f} %" in measured, measured
    assert errors == [], errors
    page.close()


def test_drawing_with_a_finger_at_390_makes_an_mnist_digit(browser, site_url):
    from helpers.robustness import centres_of_mass

    page, errors = _open(browser, site_url + "try.html", PHONE, has_touch=True, is_mobile=True)
    page.locator(".try-clear").tap()
    pad = page.locator(".try-pad")
    pad.scroll_into_view_if_needed()
    box, scrolled = pad.bounding_box(), page.evaluate("scrollY")
    cdp = page.context.new_cdp_session(page)
    x = box["x"] + box["width"] / 2
    stroke = [(x, box["y"] + box["height"] * t) for t in np.linspace(0.15, 0.85, 15)]  # a vertical stroke: a one
    for kind, (px, py) in zip(["touchStart"] + ["touchMove"] * (len(stroke) - 2) + ["touchEnd"], stroke, strict=True):
        points = [] if kind == "touchEnd" else [{"x": px, "y": py}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
    page.wait_for_timeout(100)
    assert page.evaluate("scrollY") == scrolled, "drawing scrolled the page"
    digit = np.array(page.evaluate("Array.from(TryIt.state.source)")).reshape(1, 28, 28)
    rows = np.nonzero(digit[0].any(axis=1))[0]
    assert rows.max() - rows.min() + 1 == 20, "the ink is not fitted to 20 pixels"
    assert np.abs(centres_of_mass(digit)[0] - 14).max() <= 0.5, "the digit is not centred on its centre of mass"
    for name in ("dense network", "LeNet"):
        assert page.locator(f".try-network[data-network='{name}'] .try-predicted").inner_text() == "1", name
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == [], errors
    page.close()


def test_try_page_works_opened_from_disk(browser, site_root):
    page, errors = _open(browser, (site_root / "try.html").as_uri())
    answers = page.evaluate("TryIt.state.answers")
    assert set(answers) == {"dense network", "LeNet"} and all(abs(sum(p) - 1) < 1e-6 for p in answers.values())
    assert page.evaluate("!!TryIt.map") == (site_root / "try" / "map.js").is_file()
    assert errors == [], errors
    page.close()


def test_map_shows_the_digit_under_the_pointer_with_both_answers(browser, site_url, saved_networks, test_digits):
    if not (
        site_root_maps := PROJECT_ROOT / "executed" / PROFILE / "results" / "14_inside_the_networks.maps.npy"
    ).is_file():
        pytest.fail(f"{site_root_maps} is missing: part 14 records its maps (make notebooks)")
    _, y_test = test_digits
    for viewport in (WIDE, PHONE):
        page, errors = _open(browser, site_url + "try.html", viewport, has_touch=viewport is PHONE)
        page.locator("#map").scroll_into_view_if_needed()
        page.locator(".try-map").scroll_into_view_if_needed()
        # the first ringed point (a mistake) of the map shown, where the chart drew it
        x, y = page.evaluate(
            """() => {
              const chart = TryIt.map, option = chart.getOption();
              const ringed = option.series.find((s) => s.name === "misclassified").data[0];
              const [x, y] = chart.convertToPixel({ seriesIndex: 10 }, ringed.slice(0, 2));
              return [x, y];
            }"""
        )
        box = page.locator(".try-map").bounding_box()
        if viewport is PHONE:
            page.touchscreen.tap(box["x"] + x, box["y"] + y)
        else:
            page.mouse.move(box["x"] + x, box["y"] + y)
        tip = page.locator(".try-tip")
        tip.wait_for()
        text = " ".join(tip.inner_text().split())
        index = int(re.search(r"test digit (\d+),", text).group(1))  # the point under the pointer (maybe not k)
        near = page.evaluate(
            "([index, x, y]) => { const k = TRY_MAP.index.indexOf(index);"
            " const name = document.querySelector('.try-map-choice [aria-pressed=true]').textContent;"
            " const [px, py] = TryIt.map.convertToPixel({ seriesIndex: 0 }, TRY_MAP.maps[name].points[k]);"
            " return Math.hypot(px - x, py - y); }",
            [index, x, y],
        )
        assert near <= 8, f"the tooltip shows digit {index}, drawn {near:.0f} px from the pointer"
        assert f"test digit {index}, a {y_test[index]}" in text, text
        answers = _keras_answers(saved_networks, test_digits[0][index : index + 1])
        for name, probabilities in answers.items():
            assert f"{name}: {probabilities[0].argmax()}" in text, text
        assert ("✗" in text) == any(p[0].argmax() != y_test[index] for p in answers.values()), text
        assert tip.locator(".try-sprite").bounding_box()["width"] == 56
        assert errors == [], errors
        page.close()
