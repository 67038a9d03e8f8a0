"""The build: content digests decide what is stale, profiles are read strictly, one build at a time.

Most tests run on a small fake project in a temporary folder (two parts, a two-module library, a
tooling package), so that each change they make is one a developer could make to the real tree.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile

import _grid_job
import nbformat
import pytest

from helpers.build import digest, lock, profiles, run
from helpers.params import ParameterError
from helpers.paths import EXECUTED, PROJECT_ROOT

PART_A = """# %% [markdown]
# # Part A
# Prose about part A.

# %% tags=["parameters"]
profile = "full"
output_dir = None
epochs = 10

# %%
from helpers.alpha import twice

value = twice(epochs)  # a comment
"""

PART_B = """# %% tags=["parameters"]
profile = "full"
output_dir = None
width = 8

# %%
import json

earlier = "01_a"
print(width)
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A fake project root with parts 01_a (imports helpers.alpha -> helpers.beta) and 02_b (reads 01_a)."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_a.py").write_text(PART_A)
    (tmp_path / "notebooks" / "02_b.py").write_text(PART_B)
    (tmp_path / "notebooks" / "profiles.yaml").write_text(
        "full:\n  all_parts: {}\nquick:\n  all_parts:\n    epochs: 2\n  02_b:\n    width: 4\n"
    )
    library = tmp_path / "helpers"
    (library / "build").mkdir(parents=True)
    (library / "__init__.py").write_text('"""The library."""\n')
    (library / "alpha.py").write_text(
        '"""Alpha."""\nfrom helpers.beta import ONE\n\n\ndef twice(x):\n    return 2 * x * ONE\n\n\n'
        "def unused(x):\n    return x\n"
    )
    (library / "beta.py").write_text("ONE = 1\nTWO = 2\n")
    (library / "build" / "tool.py").write_text("from helpers import alpha\n\nTOOL = 1\n")
    (tmp_path / "requirements.txt").write_text("keras==3.15.1  # deep learning\n")
    (tmp_path / "requirements-nodeps.txt").write_text("tensorview==0.4.1\n")
    (tmp_path / "requirements-grid.txt").write_text("distributed==2026.8.0\n")
    monkeypatch.setattr(digest, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(profiles, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(profiles, "PROFILES_FILE", tmp_path / "notebooks" / "profiles.yaml")
    for module in (digest, run):
        monkeypatch.setattr(module, "EXECUTED", tmp_path / "executed")
    yield tmp_path


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _built(root, part, profile="quick", **results):
    """Pretend ``part`` was built now: an executed notebook and results with the current inputs."""
    folder = root / "executed" / profile
    (folder / "results").mkdir(parents=True, exist_ok=True)
    (folder / f"{part}.ipynb").write_text("{}")
    inputs = digest.part_inputs(part, profile)
    record = {"part": part, **results, "build": {"digest": digest.combined(inputs), "inputs": inputs}}
    (folder / "results" / f"{part}.json").write_text(json.dumps(record))


def _reasons(part, profile="quick"):
    return digest.status(part, profile).reasons


def test_code_is_compared_as_code_not_as_text():
    assert digest.normalized_code("x = 1  # one\n\n") == digest.normalized_code("x=1\n")
    assert digest.normalized_code("x = 1\n") != digest.normalized_code("x = 2\n")
    magic = "%matplotlib inline\nx = 1\n"  # not plain Python: compared as text without comment lines
    assert digest.normalized_code(magic) == digest.normalized_code("%matplotlib inline\n# set up\nx = 1\n")
    assert digest.normalized_code(magic) != digest.normalized_code("%matplotlib widget\nx = 1\n")
    with_doc = '"""Doc."""\ndef f():\n    """Doc."""\n    return 1\n'
    assert digest.normalized_code(with_doc, drop_docstrings=True) == digest.normalized_code("def f():\n    return 1\n")
    assert digest.normalized_code(with_doc) != digest.normalized_code("def f():\n    return 1\n")


def test_a_part_depends_on_the_library_modules_it_reaches_and_the_parts_it_reads(project):
    inputs = digest.part_inputs("01_a", "quick")
    assert {"helpers/alpha.py", "helpers/beta.py"} <= set(inputs)
    assert not any("build" in name for name in inputs)
    assert digest.parts_read("02_b") == ["01_a"]
    assert "results/01_a.json" in digest.part_inputs("02_b", "quick")


def test_fresh_outputs_are_up_to_date_and_missing_ones_are_not(project):
    assert _reasons("01_a") == ("not built yet",)
    _built(project, "01_a")
    assert digest.status("01_a", "quick").line() == "01_a: up to date"


@pytest.mark.parametrize(
    ("path", "old", "new", "reason"),
    [
        ("notebooks/01_a.py", "value = twice(epochs)", "value = twice(epochs + 1)", "notebooks/01_a.py changed"),
        ("helpers/beta.py", "ONE = 1", "ONE = 2", "helpers/beta.py: ONE changed"),
        ("helpers/alpha.py", "2 * x", "3 * x", "helpers/alpha.py: twice changed"),
        ("helpers/beta.py", "TWO = 2", "TWO = 2\nprint(TWO)", "helpers/beta.py: module code changed"),
        ("notebooks/profiles.yaml", "epochs: 2", "epochs: 3", "its profile settings changed"),
        ("requirements.txt", "keras==3.15.1", "keras==3.16.0", "requirements changed"),
    ],
)
def test_a_change_to_an_input_marks_the_part_stale_and_says_which(project, path, old, new, reason):
    _built(project, "01_a")
    _edit(project / path, old, new)
    assert _reasons("01_a") == (reason,)


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        ("notebooks/01_a.py", "Prose about part A.", "Better prose about part A."),
        ("notebooks/01_a.py", "# a comment", "# a better comment"),
        ("helpers/alpha.py", '"""Alpha."""', '"""Alpha, documented."""'),
        ("helpers/build/tool.py", "TOOL = 1", "TOOL = 2"),
        ("helpers/alpha.py", "return x\n", "return x + 1\n\n\ndef also_unused():\n    return ONE\n"),
        ("helpers/beta.py", "TWO = 2", "TWO = 3"),
        ("notebooks/profiles.yaml", "width: 4", "width: 5"),
        ("requirements.txt", "# deep learning", "# the deep learning stack"),
    ],
)
def test_prose_tooling_unused_definitions_and_other_parts_settings_change_nothing(project, path, old, new):
    _built(project, "01_a")
    _edit(project / path, old, new)
    assert digest.status("01_a", "quick").up_to_date


def test_the_grid_engines_pins_count_only_for_the_parts_that_import_it(project, monkeypatch):
    _built(project, "01_a")  # imports helpers.alpha, which imports helpers.beta
    monkeypatch.setattr(digest, "MODULE_REQUIREMENTS", {"helpers.beta": "requirements-grid.txt"})
    assert _reasons("01_a") == ("now needs requirements-grid.txt",)
    _built(project, "01_a")
    _built(project, "02_b")  # imports no library module
    _edit(project / "requirements-grid.txt", "2026.8.0", "2026.9.0")
    assert _reasons("01_a") == ("requirements-grid.txt changed",)
    assert digest.status("02_b", "quick").up_to_date


def test_a_rerun_upstream_marks_its_readers_stale(project):
    _built(project, "01_a", accuracy=0.9)
    _built(project, "02_b")
    assert digest.status("02_b", "quick").up_to_date
    _built(project, "01_a", accuracy=0.91)
    assert _reasons("02_b") == ("results/01_a.json changed",)


def test_status_lists_the_readers_of_a_stale_part_as_the_build_will_run_them(project):
    _built(project, "01_a", accuracy=0.9)
    _built(project, "02_b")
    assert all(s.up_to_date for s in digest.plan("quick"))
    _edit(project / "notebooks" / "01_a.py", "value = twice(epochs)", "value = twice(epochs) + 1")
    first, second = digest.plan("quick")
    assert first.reasons == ("notebooks/01_a.py changed",)
    assert second.reasons == ("reads the results of 01_a, which reruns first",)  # its own inputs are unchanged
    assert digest.status("02_b", "quick").up_to_date


def test_outputs_from_before_digests_are_stale(project):
    (project / "executed" / "quick" / "results").mkdir(parents=True)
    (project / "executed" / "quick" / "01_a.ipynb").write_text("{}")
    (project / "executed" / "quick" / "results" / "01_a.json").write_text('{"part": "01_a"}')
    assert "built before content digests" in _reasons("01_a")[0]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("quick:\n  01_a:\n    epoch: 3\n", "'epoch' is not a parameter of 01_a; valid names: epochs"),
        ("quick:\n  all_parts:\n    widht: 3\n", "'widht' is not a parameter of any part; valid names: epochs, width"),
        ("quick:\n  01_x:\n    epochs: 3\n", "section '01_x', which is not a part"),
        ("quick:\n  01_a:\n    output_dir: x\n", "'output_dir' is set by the build itself"),
    ],
)
def test_profiles_name_only_declared_parameters(project, yaml_text, message):
    (project / "notebooks" / "profiles.yaml").write_text(yaml_text)
    with pytest.raises(ParameterError, match=message):
        profiles.load_profiles()


def test_a_build_with_overrides_writes_beside_the_profile_not_into_it(project):
    assert run.output_folder("quick") == project / "executed" / "quick"
    assert run.output_folder("quick", {"epochs": 1}) == project / "executed" / "quick-overrides"


def test_overrides_name_only_declared_parameters_and_profiles_must_exist(project):
    with pytest.raises(ParameterError, match="-p: 'epoch' is not a parameter of 01_a; valid names: epochs"):
        profiles.part_parameters("01_a", "quick", {"epoch": 0})
    assert profiles.part_parameters("02_b", "quick") == {"width": 4, "profile": "quick", "output_dir": "."}
    with pytest.raises(SystemExit, match="unknown profile 'fast'"):
        run.build("fast")
    assert not (project / "executed" / "fast").exists()


def test_prose_is_brought_into_an_executed_notebook_without_rerunning(project):
    source = profiles.read_notebook("01_a")
    executed = nbformat.v4.new_notebook(cells=[nbformat.from_dict(c) for c in source.cells])
    executed.cells.insert(2, nbformat.v4.new_code_cell("epochs = 2\n", metadata={"tags": ["injected-parameters"]}))
    executed.cells[-1].outputs = [nbformat.v4.new_output("stream", text="trained\n")]
    for cell in executed.cells:  # as papermill leaves them: every cell has a tags list and its timings
        cell.metadata = {"papermill": {"duration": 1.0}, "tags": [], **cell.metadata}
    assert run.with_current_prose(profiles.read_notebook("01_a"), executed) == executed  # unchanged: no rewrite
    _edit(project / "notebooks" / "01_a.py", "Prose about part A.", "New prose.")
    _edit(project / "notebooks" / "01_a.py", "# a comment", "# a new comment")
    refreshed = run.with_current_prose(profiles.read_notebook("01_a"), executed)
    assert "New prose." in refreshed.cells[0].source and "# a new comment" in refreshed.cells[-1].source
    assert refreshed.cells[-1].outputs[0].text == "trained\n"
    assert [c.metadata.get("tags") for c in refreshed.cells[1:3]] == [["parameters"], ["injected-parameters"]]
    captioned = profiles.read_notebook("01_a")
    captioned.cells[-1].metadata["caption"] = "What the figure plots."
    assert run.with_current_prose(captioned, executed).cells[-1].metadata["caption"] == "What the figure plots."
    _edit(project / "notebooks" / "01_a.py", "twice(epochs)", "twice(epochs) + 1")
    assert run.with_current_prose(profiles.read_notebook("01_a"), executed) is None


def test_a_second_build_of_a_profile_stops_at_once(tmp_path):
    busy = rf"another build of quick is running \(pid {os.getpid()}\)"
    with lock.build_lock(tmp_path, "quick"):
        with pytest.raises(lock.BuildLockedError, match=busy), lock.build_lock(tmp_path, "quick"):
            pass
        with lock.build_lock(tmp_path, "full"):  # another profile may build meanwhile
            pass


def test_the_lock_of_a_killed_build_is_taken_over(tmp_path, capsys):
    holder = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    (tmp_path / ".quick.lock").write_text(holder.stdout)  # a pid that has exited, and no flock held
    with lock.build_lock(tmp_path, "quick"):
        pass
    assert f"(pid {holder.stdout.strip()}) that did not finish" in capsys.readouterr().out


def test_the_index_groups_parts_into_the_chapters_they_record():
    from helpers.build.site import Page, chapters

    recorded = {1: "Retold", 2: "Retold", 8: "Retold", 11: "Closer", 14: "Closer"}
    pages = [Page(stem=f"{n:02d}_p", title=f"Part {n}", summary="", chapter=c, short="") for n, c in recorded.items()]
    grouped = chapters(pages)
    assert [c["title"] for c in grouped] == ["Retold", "Closer"]
    assert [[p.number for p in c["parts"]] for c in grouped] == [[1, 2, 8], [11, 14]]
    assert [c["title"] for c in chapters(pages[:3])] == ["Retold"]


def test_the_site_shows_the_sentences_of_remove_input_cells_but_not_their_code(tmp_path):
    import html

    from helpers.build.site import build_site

    root = build_site("quick", tmp_path / "site")
    for page in ("index.html", "01_dense_tutorial.html"):  # the original is credited on every page
        assert "by Antoine Hue (MIT License" in (root / page).read_text()
    hidden = 0
    for notebook_path in sorted((EXECUTED / "quick").glob("[0-9][0-9]_*.ipynb")):
        if notebook_path.name.endswith((".partial.ipynb", ".failed.ipynb")):
            continue
        page = html.unescape(re.sub(r"<[^>]+>", "", (root / f"{notebook_path.stem}.html").read_text()))
        for cell in nbformat.read(notebook_path, as_version=4).cells:
            if "remove-input" in cell.metadata.get("tags", []):
                hidden += 1
                first_line = cell.source.strip().splitlines()[0]
                assert first_line not in page, (notebook_path.stem, first_line)
                for output in cell.get("outputs", []):
                    text = output.get("data", {}).get("text/markdown", "")
                    words = re.search(r"[A-Za-z][A-Za-z ,]{14,}", text)  # plain words survive the rendering
                    assert not words or words.group(0) in page, (notebook_path.stem, words.group(0))
    assert hidden, "some part has a cell tagged remove-input"


def test_a_source_edited_during_a_build_is_read_as_it_is_now(project):
    before = digest.part_inputs("01_a", "quick")["notebooks/01_a.py"]
    _edit(project / "notebooks" / "01_a.py", "value = twice(epochs)", "value = twice(epochs) - 1")
    assert digest.part_inputs("01_a", "quick")["notebooks/01_a.py"] != before
    assert "twice(epochs) - 1" in profiles.read_notebook("01_a").cells[-1].source


def test_a_builds_temporary_files_stay_in_its_own_folder_and_a_killed_builds_are_cleared(project, monkeypatch):
    monkeypatch.setenv("TMPDIR", "/somewhere/else")
    folder = project / "executed" / ".quick.tmp"
    folder.mkdir(parents=True)
    (folder / "tmpab12.json").write_text("{}")  # a kernel connection file left by a build killed with -9
    with run.temporary_folder("quick"):
        assert not (folder / "tmpab12.json").exists()
        assert os.environ["TMPDIR"] == str(folder)
        handle, name = tempfile.mkstemp(".json")  # how jupyter_client writes a kernel's connection file
        os.close(handle)
        assert os.path.dirname(name) == str(folder)
    assert not folder.exists() and os.environ["TMPDIR"] == "/somewhere/else"


def test_the_results_at_a_glance_give_the_build_time_readably_and_the_reruns():
    from helpers.build.site import _duration, _results_at_a_glance

    assert [_duration(s) for s in (48.4, 425, 5515)] == ["48 s", "7 min 05 s", "1 h 31 min"]
    record = {
        "wall_seconds": 425,
        "page": {"chapter": "c", "summary": "s", "from_cache": 4, "cached_training_seconds": 3175.0, "untimed": 0},
        "environment": {"hardware": "x86_64, 2 CPU cores"},
        "models": {"LeNet": {"params": 81194, "epochs": 60, "test_accuracy": 0.9915, "regularization": "none"}},
        "reruns": {"test_accuracy": [0.990, 0.992, 0.994]},
    }
    glance = _results_at_a_glance(record)
    assert glance["from_cache"] == 4
    assert glance["wall"] == "7 min 05 s"
    assert (glance["cached_training"], glance["from_scratch"]) == ("52 min 55 s", "about 1 h 00 min")
    partly = {**record, "page": {**record["page"], "untimed": 1}}
    assert _results_at_a_glance(partly)["from_scratch"] == "at least 1 h 00 min"
    assert glance["reruns"].startswith("3 more trainings from other initial weights: test accuracy 99.20 ± 0.20 %")
    assert _results_at_a_glance({**record, "reruns": None})["reruns"] is None


@pytest.mark.slow
def test_the_run_counts_the_networks_read_from_the_grid_cache(small_mnist, tmp_path):
    from helpers import params
    from helpers.grid import run_grid

    points = [{"units": u} for u in (8, 16, 24)]
    settings = {"epochs": 1, "seed": 2, "profile": "quick", "workers": 1, "cache_dir": tmp_path}
    run_grid(_grid_job.build, points[:2], small_mnist, **settings)
    namespace = {"profile": "quick", "output_dir": str(tmp_path / "out")}
    run = params.start_run("99_x", namespace, chapter="c", summary="s")
    run_grid(_grid_job.build, points, small_mnist, description="widths", **settings)  # 2 cached, 1 trained
    run_grid(_grid_job.build, points, small_mnist, description="reruns", **settings)  # 3 cached
    assert run.page()["from_cache"] == 5
    # each cached training brings what it took when it trained: the first two twice, the third once
    took = {
        json.loads(entry.read_text())["point"]["units"]: json.loads(entry.read_text())["training_seconds"]
        for entry in tmp_path.glob("*.json")
    }
    assert all(seconds > 0 for seconds in took.values())
    expected = 2 * (took[8] + took[16]) + took[24]
    assert run.page()["cached_training_seconds"] == pytest.approx(expected, abs=0.2) and run.page()["untimed"] == 0


@pytest.mark.parametrize("content", ['{"part": "01_a", "bu', "[1, 2]"])
def test_a_corrupt_results_file_gives_one_line_naming_it_and_the_repair(project, content):
    _built(project, "01_a")
    (project / "executed" / "quick" / "results" / "01_a.json").write_text(content)
    with pytest.raises(
        digest.UnreadableResultsError,
        match=r"01_a\.json is not a results record.*git checkout.*or delete it and run `make notebooks`",
    ):
        digest.status("01_a", "quick")
    assert digest.part_inputs("02_b", "quick")["results/01_a.json"] == "unreadable"
    (project / "executed" / "quick" / "results" / "01_a.json").unlink()  # the repair the line gives
    assert "its results file is missing" in digest.status("01_a", "quick").line()


def test_the_library_reaches_no_definition_through_a_string():
    """What ``reach`` cannot follow: ``getattr`` on a library module, ``import_module`` or ``__import__``."""
    import ast as syntax
    from pathlib import Path

    from helpers.build import reach

    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "helpers").glob("*.py")):
        tree = syntax.parse(path.read_text())
        modules = {name for name, (_, attribute) in reach.library_imports(root, tree).items() if attribute is None}
        for node in syntax.walk(tree):
            if not isinstance(node, syntax.Call):
                continue
            called = getattr(node.func, "id", getattr(node.func, "attr", None))
            on_a_module = called == "getattr" and getattr(node.args[0], "id", None) in modules
            assert not (on_a_module or called in ("__import__", "import_module")), (
                f"{path.name}:{node.lineno} reaches a definition through a string"
            )


def test_a_part_reaches_what_it_calls_through_the_library_and_not_the_rest(project):
    inputs = digest.part_inputs("01_a", "quick")
    assert {"helpers/alpha.py::twice", "helpers/beta.py::ONE"} <= set(inputs)
    assert "helpers/alpha.py::unused" not in inputs and "helpers/beta.py::TWO" not in inputs


def _as_run(run_id: str, seconds: float) -> nbformat.NotebookNode:
    """A notebook as papermill leaves it: random cell ids, timings, paths and an object's address."""
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("table.style", id=f"{run_id}a")
    cell.metadata = {
        "tags": ["x"],
        "execution": {"iopub.status.idle": f"t{seconds}"},
        "papermill": {"duration": seconds},
    }
    cell.outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": f"<Styler at 0x7f{run_id}>", "text/html": "<table/>"})
    ]
    notebook.cells = [nbformat.v4.new_markdown_cell("# A", id=f"{run_id}b"), cell]
    notebook.metadata["papermill"] = {
        "parameters": {"epochs": 3},
        "version": "2.7.0",
        "duration": seconds,
        "output_path": f"/home/{run_id}/executed/quick/01_a.partial.ipynb",
        "input_path": {"cells": []},
    }
    return notebook


def test_two_runs_with_the_same_outputs_give_the_same_executed_notebook():
    first, second = run.tidy(_as_run("abc1", 1.5)), run.tidy(_as_run("def2", 2.5))
    assert nbformat.writes(first) == nbformat.writes(second)
    assert [c.id for c in first.cells] == ["cell-0", "cell-1"]
    assert first.metadata["papermill"] == {"parameters": {"epochs": 3}, "version": "2.7.0"}  # no paths, no times
    assert first.cells[1].outputs[0]["data"]["text/plain"] == "<Styler>"
    assert first.cells[1].metadata == {"tags": ["x"]}


def test_clean_cache_keeps_the_published_trainings_and_removes_the_rest(tmp_path):
    (tmp_path / "Makefile").write_text((PROJECT_ROOT / "Makefile").read_text())
    (tmp_path / ".gitignore").write_text("/.cache/\n")
    published, disposable = tmp_path / ".cache" / "grid" / "a.json", tmp_path / ".cache" / "grid" / "b.json"
    embedding = tmp_path / ".cache" / "embeddings" / "c.npy"
    for path in (published, disposable, embedding):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-f", "Makefile", ".gitignore", str(published)], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "published"], cwd=tmp_path, check=True)
    subprocess.run(["make", "-s", "clean-cache"], cwd=tmp_path, check=True)
    assert published.is_file() and not disposable.exists() and not embedding.exists()
    clean = subprocess.run(["git", "status", "--porcelain"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert clean.stdout == ""


def test_the_site_leaves_out_what_bookkeeping_cells_printed_and_progress_and_keeps_the_rest():
    from helpers.build.site import without_bookkeeping_output

    printed = nbformat.v4.new_output("stream", name="stdout", text="results recorded in executed/full/results/x.json\n")
    table = nbformat.v4.new_output("display_data", data={"text/plain": "a table"})
    progress = nbformat.v4.new_output("stream", name="stderr", text="grid: 3 of 3 networks come from the cache\n")
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(metadata={"tags": ["plumbing"]}, outputs=[printed, table]),
            nbformat.v4.new_code_cell(outputs=[printed, progress]),
        ]
    )
    without_bookkeeping_output(notebook)
    assert notebook.cells[0].outputs == [table] and notebook.cells[1].outputs == [printed]


def test_the_front_page_lists_what_the_parts_found_in_plain_words_in_part_order():
    from helpers.build.site import Page, _plain_findings

    said = {"01_a": [], "08_b": ["LeNet makes 38 % fewer errors."], "09_c": ["Two."]}
    pages = [
        Page(stem, f"Part {stem[:2]} · t", "s", "c", f"Part {stem[:2]}", results={"plain": sentences})
        for stem, sentences in said.items()
    ]
    found = _plain_findings(pages)
    assert [(f["page"].stem, f["sentences"]) for f in found] == [
        ("08_b", ["LeNet makes 38 % fewer errors."]),
        ("09_c", ["Two."]),
    ]
