"""JupyterLab as a learner and an author use it: the Lab that `make lab` starts, in Debian's Chromium (headless,
driven by Playwright).

`make lab` is started as a learner would start it, plus `LAB_ARGS` for a free port and a token, with a workspace
under test-output/lab/ (`WORKSPACE=...`) so that a developer's own workspace/ is left alone, and with empty
Jupyter config and data folders, so that every setting comes from the project's environment, as on a fresh
machine. Part 1, opened by its plain /lab/tree/...py URL, is a notebook on the project kernel with its set-up
cells collapsed; run with a tiny parameter set and saved, it changes nothing git sees, its results go to
executed/interactive/ with every parameter, and the learner's save stays in the workspace. `make lab-reset`
moves a workspace aside and makes a fresh one. Under `make lab-author`, saving a part with outputs and kernel
metadata leaves its .py and .ipynb byte for byte as committed. Each server is stopped by its PID (from
Jupyter's runtime file) and no kernel outlives it. Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jupytext
import pytest
from playwright.sync_api import expect

from helpers.paths import PROJECT_ROOT

pytestmark = pytest.mark.browser

OUTPUT = PROJECT_ROOT / "test-output" / "lab"
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
WORKSPACE = OUTPUT / "workspace"
PART = "01_dense_tutorial"
SCRATCH_RESULTS = PROJECT_ROOT / "executed" / "interactive" / "results" / f"{PART}.json"
#: The tiny run: one epoch on 600 training and 200 test images (a few seconds).
TINY = {"profile": "full", "seed": 42, "train_size": 600, "test_size": 200, "epochs": 1, "reruns": 2}
TINY_CELL = 'profile = "full"\noutput_dir = None\nseed = 42\ntrain_size = 600\ntest_size = 200\nepochs = 1\nreruns = 2'
START_TIMEOUT_S = 180
RUN_TIMEOUT_S = 600


@dataclass(frozen=True)
class Lab:
    """A running Jupyter server: where it listens and its token."""

    url: str
    token: str

    def api(self, path: str, body: dict | None = None) -> dict:
        """GET (or PUT ``body`` to) ``/api/<path>`` and return the JSON answer."""
        request = urllib.request.Request(
            f"{self.url}api/{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
            method="GET" if body is None else "PUT",
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.load(answer)


@contextlib.contextmanager
def make_lab(target: str, tmp_path: Path, *variables: str) -> Iterator[Lab]:
    """Run ``make <target>`` with a free port and a token, yield the server, then stop it by its PID."""
    port, token = _free_port(), secrets.token_hex(16)
    jupyter = {name: tmp_path / name for name in ("config", "data", "runtime")}
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MPLBACKEND"}}
    env |= {f"JUPYTER_{name.upper()}_DIR": str(path) for name, path in jupyter.items()}
    args = f"LAB_ARGS=--no-browser --port {port} --IdentityProvider.token={token}"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    log = OUTPUT / f"{target}.log"
    with log.open("w") as out:
        make = subprocess.Popen(["make", target, *variables, args], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=out)
    pid = None
    try:
        pid = _server_pid(jupyter["runtime"], port, make, log)
        yield Lab(f"http://127.0.0.1:{port}/", token)
    finally:
        stopped = _stop(pid, make)
    assert stopped, f"Lab did not stop within 60 s of SIGTERM:\n{log.read_text()[-2000:]}"
    leftovers = _processes_mentioning(str(jupyter["runtime"]))
    assert leftovers == [], f"processes outlived the server (kernels?): {leftovers}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_pid(runtime: Path, port: int, make: subprocess.Popen, log: Path) -> int:
    """Wait for the server's runtime file (it is written once the server listens) and return its PID."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for info in runtime.glob("jpserver-*.json"):
            with contextlib.suppress(ValueError, OSError):
                server = json.loads(info.read_text())
                if server["port"] == port:
                    return server["pid"]
        if make.poll() is not None:
            pytest.fail(f"make exited with {make.returncode} before Lab started:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    pytest.fail(f"no Lab listening on port {port} after {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


def _stop(pid: int | None, make: subprocess.Popen) -> bool:
    """SIGTERM to the server (it shuts its kernels down), and make exits: True. Killed if either hangs: False.

    (A server stopped while a page is still loading Lab can hang in its extensions' shutdown: that only
    happens when a test has already failed, so the kill is left to report nothing more.)
    """
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    try:
        make.wait(timeout=60)
        return True
    except subprocess.TimeoutExpired:
        for stuck in (pid, make.pid):
            with contextlib.suppress(ProcessLookupError, TypeError):
                os.kill(stuck, signal.SIGKILL)
        make.wait(timeout=10)
        return False


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of running processes that contain ``text`` (a kernel names its connection file)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if text in command:
                found.append(command[:200])
    return found


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=PROJECT_ROOT, check=True, capture_output=True, text=True).stdout


def _snapshot() -> dict[str, bytes]:
    """The files a Lab session must never change: the sources and part 1's published results."""
    paths = [
        *sorted((PROJECT_ROOT / "notebooks").iterdir()),
        *sorted(PROJECT_ROOT.glob(f"executed/*/results/{PART}.json")),
    ]
    return {
        str(p.relative_to(PROJECT_ROOT)): p.read_bytes() for p in paths if p.is_file() and "interactive" not in p.parts
    }


@contextlib.contextmanager
def _page(browser) -> Iterator:
    """A page in its own browser context, closed before the server stops (an open Lab page makes it hang)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def test_learner_runs_part_1_in_the_workspace_and_the_series_is_untouched(browser, tmp_path):
    status_before, files_before, started = _git("status", "--porcelain"), _snapshot(), time.time()
    source = PROJECT_ROOT / "notebooks" / f"{PART}.py"
    cells = jupytext.read(source).cells
    # plumbing cells and the cells that only compose sentences open collapsed
    collapsed = [c for c in cells if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert [c for c in cells if "plumbing" in c.metadata.get("tags", [])] and all(
        c in collapsed for c in cells if "plumbing" in c.metadata.get("tags", [])
    )
    shutil.rmtree(WORKSPACE, ignore_errors=True)  # `make lab` makes it from scratch, as in CI
    with make_lab("lab", tmp_path, f"WORKSPACE={WORKSPACE}") as lab, _page(browser) as page:
        assert (WORKSPACE / f"{PART}.py").read_bytes() == source.read_bytes(), (
            "the workspace is not a copy of the sources"
        )
        page.goto(f"{lab.url}lab/tree/{PART}.py?token={lab.token}")
        page.locator(".jp-NotebookPanel, .jp-FileEditor").first.wait_for(timeout=START_TIMEOUT_S * 1000)
        assert page.locator(".jp-FileEditor").count() == 0, "the .py opened in the text editor"
        panel = page.locator(".jp-NotebookPanel")
        expect(panel.locator(".jp-Cell")).to_have_count(len(cells), timeout=60_000)
        expect(panel.locator(".jp-KernelName")).to_have_text("Python (cnn-vs-dense)", timeout=START_TIMEOUT_S * 1000)
        page.locator(".jp-Notebook-ExecutionIndicator[data-status=idle]").wait_for(timeout=START_TIMEOUT_S * 1000)
        assert [s["kernel"]["name"] for s in lab.api("sessions")] == ["cnn-vs-dense"]
        assert panel.locator(".jp-InputPlaceholder").count() == len(collapsed), "hidden cells are not collapsed"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "lab-part1-opened.png"))

        parameters = panel.locator(".jp-CodeCell").first
        parameters.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(TINY_CELL)
        page.keyboard.press("Escape")
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
        page.get_by_text("results recorded in").wait_for(timeout=RUN_TIMEOUT_S * 1000)
        page.locator(".jp-Notebook-ExecutionIndicator[data-status=idle]").wait_for(timeout=RUN_TIMEOUT_S * 1000)
        page.screenshot(path=str(SCREENSHOTS / "lab-part1-after-run.png"))
        outputs = panel.locator(".jp-OutputArea-output").all_text_contents()
        assert not [text for text in outputs if "Traceback" in text], outputs
        assert any(text.startswith("Run by hand: outputs go to executed/interactive/") for text in outputs), outputs
        assert f"results recorded in executed/interactive/results/{PART}.json" in "\n".join(outputs)
        live = panel.locator(".jp-CodeCell", has_text="LiveMetricsPlot(")
        live.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "lab-part1-live-plot.png"))
        assert live.locator(".jp-OutputArea-output img").count() == 1, "no live plot"
        assert live.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0, "warnings in the plot"

        unsaved = page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")
        assert unsaved.count() == 1, "the edited notebook is not marked unsaved"
        page.keyboard.press("Control+s")
        unsaved.wait_for(state="detached", timeout=60_000)

    assert "epochs = 1" in (WORKSPACE / f"{PART}.py").read_text(), "the learner's save did not reach the workspace"
    saved = json.loads((WORKSPACE / f"{PART}.ipynb").read_text())
    assert any(cell.get("outputs") for cell in saved["cells"]), "the workspace notebook kept no outputs"
    assert _git("status", "--porcelain") == status_before, "a Lab session changed what git sees"
    assert _snapshot() == files_before, "a Lab session changed the sources or published results"
    results = json.loads(SCRATCH_RESULTS.read_text())
    assert SCRATCH_RESULTS.stat().st_mtime >= started and results["profile"] == "interactive"
    assert results["parameters"] == TINY
    ignored = ["workspace/01_dense_tutorial.ipynb", "workspace-saved/2026-01-01_00-00-00/01_dense_tutorial.py"]
    assert _git("check-ignore", *ignored).split() == ignored, "the workspace is not ignored by git"


def test_lab_reset_moves_the_learners_copy_aside(tmp_path):
    workspace = tmp_path / "workspace"

    def reset() -> None:
        subprocess.run(["make", "-s", "lab-reset", f"WORKSPACE={workspace}"], cwd=PROJECT_ROOT, check=True)

    reset()
    sources = sorted(p.name for p in (PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert sorted(p.name for p in workspace.iterdir()) == sources
    (workspace / f"{PART}.py").write_text("# the learner's edit\n")
    reset()
    (moved,) = (tmp_path / "workspace-saved").iterdir()
    assert (moved / f"{PART}.py").read_text() == "# the learner's edit\n"
    assert (workspace / f"{PART}.py").read_bytes() == (PROJECT_ROOT / "notebooks" / f"{PART}.py").read_bytes()


def test_author_save_keeps_the_committed_notebook_output_free(tmp_path):
    pair = [PROJECT_ROOT / "notebooks" / f"{PART}{suffix}" for suffix in (".py", ".ipynb")]
    before = {path: path.read_bytes() for path in pair}
    try:
        with make_lab("lab-author", tmp_path) as lab:
            model = lab.api(f"contents/{PART}.py?type=notebook&content=1")
            notebook = model["content"]
            notebook["metadata"]["language_info"] = {"name": "python", "version": "3.11"}
            for number, cell in enumerate(c for c in notebook["cells"] if c["cell_type"] == "code"):
                cell |= {
                    "execution_count": number + 1,
                    "outputs": [{"output_type": "stream", "name": "stdout", "text": "x"}],
                }
                cell["metadata"] |= {"execution": {"iopub.status.idle": "2026-01-01T00:00:00Z"}, "scrolled": True}
            lab.api(f"contents/{PART}.py", {"type": "notebook", "format": "json", "content": notebook})
        after = {path: path.read_bytes() for path in pair}
        assert after == before, "an author's save put outputs or run metadata into the committed files"
    finally:
        for path, content in before.items():  # a failed check leaves the sources as they were
            if path.read_bytes() != content:
                path.write_bytes(content)
