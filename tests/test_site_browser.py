"""The built site in a real browser: Debian's Chromium, headless, driven by Playwright.

Serves a freshly built site on localhost and checks that every page loads without console errors,
every internal link resolves, every image renders, the formula is typeset by the bundled MathJax,
and the previous/next links walk the whole series and back. Screenshots of the index and of one
part go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from helpers.build.site import build_site
from helpers.data import PROJECT_ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
# Pages whose own scripts come from the web by design (tensorview's ECharts charts) are only checked to exist.
EXTERNAL_SCRIPT_PAGES = ("charts/",)


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is needed for the browser test: apt-get install chromium (.ci/run does)")
    profile = "full" if (PROJECT_ROOT / "executed" / "full" / "08_conclusion.ipynb").exists() else "quick"
    root = build_site(profile, tmp_path_factory.mktemp("site") / "site")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"failed request {request.url}"))
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, f"{url}: HTTP {response.status if response else 'no response'}"
    return page, errors


def test_every_page_loads_cleanly_with_links_and_images(browser, site_url):
    to_visit, seen = [site_url + "index.html"], set()
    while to_visit:
        url = to_visit.pop()
        if url in seen:
            continue
        seen.add(url)
        path = urlparse(url).path.lstrip("/")
        if path.startswith(EXTERNAL_SCRIPT_PAGES) or not path.endswith(".html"):
            page = browser.new_page()
            response = page.request.get(url)
            assert response.ok, f"broken link: {url}"
            page.close()
            continue
        page, errors = _open(browser, url)
        assert errors == [], f"{path}: console errors {errors}"
        images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.currentSrc.slice(0, 40), i.naturalWidth])")
        assert all(width > 0 for _, width in images), f"{path}: images that did not render: {images}"
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target, fragment = urldefrag(urljoin(url, href))
            if not target.startswith(site_url):
                continue
            if fragment and target == url:
                assert page.locator(f"[id='{fragment}']").count() == 1, f"{path}: no anchor #{fragment}"
            to_visit.append(target)
        page.close()
    parts = [u for u in seen if urlparse(u).path.lstrip("/")[:2].isdigit() and u.endswith(".html")]
    assert len(parts) == 8


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


def test_navigation_walks_the_series_and_back_and_screenshots(browser, site_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, _ = _open(browser, site_url + "index.html")
    page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
    assert page.locator("table tr").count() >= 8  # header + seven networks
    page.locator("main a").first.click()
    titles = [page.title()]
    while page.locator("nav.site-bar a[rel=next]").count():
        page.locator("nav.site-bar a[rel=next]").click()
        page.wait_for_load_state()
        titles.append(page.title())
    assert len(titles) == 8 and titles[0].startswith("Part 1") and titles[-1].startswith("Part 8")
    while page.locator("nav.site-bar a[rel=prev]").count():
        page.locator("nav.site-bar a[rel=prev]").click()
        page.wait_for_load_state()
    assert page.title() == titles[0]
    page.goto(site_url + "04_lenet.html", wait_until="networkidle")
    page.screenshot(path=str(SCREENSHOTS / "04_lenet.png"), full_page=False)
    page.locator("nav.site-bar a[href='index.html']").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("index.html")
    page.close()
    assert (SCREENSHOTS / "index.png").stat().st_size > 10_000
