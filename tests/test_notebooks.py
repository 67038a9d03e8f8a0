"""The notebook sources: paired, output-free, in sync, one parameters cell, and bad parameters refused."""

from __future__ import annotations

import ast
import json
import os
import re

import jupytext
import nbformat
import papermill
import pytest

from helpers import params
from helpers.build import digest, profiles, run
from helpers.build.run import KERNEL_NAME, with_kernel
from helpers.paths import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
PARTS = sorted(p.stem for p in NOTEBOOKS.glob("*.py"))


def test_the_parts_are_numbered_once_each_and_the_original_tutorial_is_01_to_08():
    numbers = [int(p[:2]) for p in PARTS]
    assert len(set(numbers)) == len(numbers)
    assert numbers[:8] == list(range(1, 9))


@pytest.mark.parametrize("part", PARTS)
def test_ipynb_is_output_free_and_in_sync_with_its_py(part):
    ipynb = nbformat.read(NOTEBOOKS / f"{part}.ipynb", as_version=4)
    source = jupytext.read(NOTEBOOKS / f"{part}.py")
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in ipynb.cells if c.cell_type == "code")
    assert [(c.cell_type, c.source) for c in ipynb.cells] == [(c.cell_type, c.source) for c in source.cells], (
        f"notebooks/{part}.ipynb is out of step with its .py: run `make sync`"
    )
    assert ipynb.metadata["kernelspec"]["name"] == KERNEL_NAME


@pytest.mark.parametrize("part", PARTS)
def test_one_parameters_cell_and_the_profiles_name_only_what_it_declares(part):
    notebook = jupytext.read(NOTEBOOKS / f"{part}.py")
    assert len([c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]) == 1
    declared = profiles.declared_parameters(notebook)
    assert declared["output_dir"] is None and declared["profile"] == "full"  # by hand: full settings, scratch folder
    profiles.load_profiles()  # raises on any name a part does not declare
    unknown = set(declared) - set(params.PARAMETERS)
    assert not unknown, f"{part} declares {unknown}: add each to helpers.params.PARAMETERS with its rule"
    for name, value in declared.items():
        params.PARAMETERS[name](name, value)  # the part's defaults obey their rules


@pytest.mark.parametrize(
    ("part", "parameters", "message"),
    [
        ("04_lenet", {"epochs": 0}, "epochs must be a positive integer, got 0"),
        ("05_lenet_l1l2_grid", {"l1_values": 0.001}, "l1_values must be a list of penalties >= 0"),
        ("06_lenet_dropout_grid", {"models_per_graph": 0}, "models_per_graph must be None"),
    ],
)
@pytest.mark.slow
def test_a_bad_parameter_stops_the_part_before_training_with_one_clear_message(part, parameters, message, tmp_path):
    notebook = with_kernel(jupytext.read(NOTEBOOKS / f"{part}.py"))
    with pytest.raises(papermill.PapermillExecutionError) as failure:
        papermill.execute_notebook(
            notebook,
            str(tmp_path / "out.ipynb"),
            parameters={**parameters, "output_dir": str(tmp_path)},
            kernel_name=KERNEL_NAME,
            progress_bar=False,
        )
    assert failure.value.ename == "ParameterError"
    assert message in failure.value.evalue
    assert not (tmp_path / "results").exists()
    executed = [c for c in nbformat.read(tmp_path / "out.ipynb", as_version=4).cells if c.get("execution_count")]
    assert "start_run(" in executed[-1].source  # it stopped in the set-up cell


@pytest.mark.parametrize("part", PARTS)
def test_committed_quick_results_hold_the_recorded_fields(part):
    record = json.loads((PROJECT_ROOT / "executed" / "quick" / "results" / f"{part}.json").read_text())
    assert record["profile"] == "quick" and record["wall_seconds"] > 0
    assert record["build"]["inputs"][f"notebooks/{part}.py"]  # what it was built from
    reads_others = any(name.startswith("results/") for name in record["build"]["inputs"])
    assert record.get("models") or reads_others  # each network it trained or studied, or a summary of others
    for model in record.get("models", {}).values():
        assert 0 <= model["test_accuracy"] <= 1 and model["params"] > 0 and model["epochs"] > 0
    if "grid" in part:
        assert {"point", "val_accuracy", "test_accuracy", "test_set_pick", "grid"} <= set(record["selected"])


def _fake_series(tmp_path, monkeypatch, code: str):
    """A one-part series ``99_part`` in ``tmp_path`` whose code cell is ``code``."""
    notebooks, executed = tmp_path / "notebooks", tmp_path / "executed"
    notebooks.mkdir()
    (notebooks / "profiles.yaml").write_text("quick:\n  all_parts: {}\n")
    (notebooks / "99_part.py").write_text(
        f'# %% tags=["parameters"]\nprofile = "full"\noutput_dir = None\n\n# %%\n{code}\n'
    )
    for module in (run, digest):
        monkeypatch.setattr(module, "EXECUTED", executed)
    monkeypatch.setattr(profiles, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(profiles, "PROFILES_FILE", notebooks / "profiles.yaml")
    return executed / "quick"


def test_a_failing_part_keeps_the_last_good_output_and_shows_the_error(tmp_path, monkeypatch):
    out = _fake_series(
        tmp_path,
        monkeypatch,
        "import pathlib\n"
        'for folder in ("results", "charts", "models"): pathlib.Path(folder).mkdir(exist_ok=True)\n'
        'pathlib.Path("results/99_part.json").write_text("bad")\n'
        'pathlib.Path("charts/99_part.html").write_text("a chart of the failed run")\n'
        'pathlib.Path("models/MNIST_99.keras").write_text("a half-trained model")\n'
        'pathlib.Path("models/MNIST_99_new.h5").write_text("a model the last good run did not save")\n'
        'raise RuntimeError("boom")',
    )
    for folder in ("results", "charts", "models"):
        (out / folder).mkdir(parents=True)
    (out / "99_part.ipynb").write_text("last good output")
    (out / "results" / "99_part.json").write_text("last good results")
    (out / "charts" / "99_part.html").write_text("last good chart")
    (out / "models" / "MNIST_99.keras").write_text("last good model")

    with pytest.raises(run.PartFailedError, match="99_part \\(quick\\) FAILED: RuntimeError: boom; the last good"):
        run.execute_part("99_part", "quick")

    assert (out / "99_part.ipynb").read_text() == "last good output"
    assert (out / "results" / "99_part.json").read_text() == "last good results"
    assert (out / "charts" / "99_part.html").read_text() == "last good chart"
    assert (out / "models" / "MNIST_99.keras").read_text() == "last good model"
    assert not (out / "models" / "MNIST_99_new.h5").exists()
    failed = nbformat.read(out / "99_part.failed.ipynb", as_version=4)
    errors = [o for c in failed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].evalue == "boom"
    assert not (out / "99_part.partial.ipynb").exists()


def test_a_built_part_records_its_inputs_and_is_then_up_to_date(tmp_path, monkeypatch, capsys):
    out = _fake_series(
        tmp_path,
        monkeypatch,
        'import json, pathlib\npathlib.Path("results").mkdir(exist_ok=True)\n'
        'pathlib.Path("results/99_part.json").write_text(json.dumps({"part": "99_part"}))',
    )
    assert run.build("quick") == 1
    assert "99_part (quick): done in" in capsys.readouterr().out
    record = json.loads((out / "results" / "99_part.json").read_text())
    assert record["build"]["inputs"]["notebooks/99_part.py"]
    assert run.build("quick") == 0
    assert capsys.readouterr().out == "99_part (quick): up to date\n"
    assert oct((out / "99_part.ipynb").stat().st_mode & 0o777) == "0o644"


@pytest.mark.slow
def test_a_claim_the_published_run_does_not_support_stops_the_build_naming_it(tmp_path, monkeypatch):
    code = (
        "import json, pathlib\n"
        "from helpers import claims\n"
        'said = claims.state("digits_are_red", 1 > 2, "The digits are red.", otherwise="(not shown)")\n'
        'claims.state("digits_are_white", 2 > 1, "The digits are white.")\n'
        'pathlib.Path("results").mkdir(exist_ok=True)\n'
        'record = {"part": "99_part", "said": said, "claims": claims.recorded()}\n'
        'pathlib.Path("results/99_part.json").write_text(json.dumps(record))'
    )
    out = _fake_series(tmp_path, monkeypatch, code)
    (tmp_path / "notebooks" / "profiles.yaml").write_text("quick:\n  all_parts: {}\nfull:\n  all_parts: {}\n")
    with pytest.raises(
        run.PartFailedError, match=r"no longer supports the claim digits_are_red \(helpers/claims\.py\)"
    ):
        run.execute_part("99_part", "full")
    assert not (out.parent / "full" / "99_part.ipynb").exists()  # nothing published
    run.execute_part("99_part", "quick")  # the quick profile may say less: it shows `otherwise`
    record = json.loads((out / "results" / "99_part.json").read_text())
    assert record["said"] == "(not shown)" and record["claims"]["digits_are_white"]["holds"]


def test_a_claim_needs_a_name_a_results_record_can_hold():
    from helpers import claims

    with pytest.raises(ValueError, match="identifier"):
        claims.state("LeNet wins", True, "LeNet wins.")
    assert claims.unsupported({"claims": {"a": {"holds": False}, "b": {"holds": True}}}) == ["a"]
    assert claims.unsupported({}) == []


def _hidden(cell) -> bool:
    """Whether a reader sees the cell's code: hidden in JupyterLab, or its input removed on the site."""
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden")) or "remove-input" in cell.metadata.get(
        "tags", []
    )


def _defined(source: str) -> set[str]:
    """Names a cell binds: assignments, functions, classes, imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _used(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def names_from_hidden_cells(notebook) -> list[tuple[int, set[str]]]:
    """(cell index, names) for each visible code cell that reads names only a hidden cell defined."""
    from_hidden: set[str] = set()
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        defined = _defined(cell.source)
        if _hidden(cell):
            from_hidden |= defined
            continue
        if leaked := (_used(cell.source) & from_hidden) - defined:
            found.append((index, leaked))
        from_hidden -= defined
    return found


@pytest.mark.parametrize("part", PARTS)
def test_imports_are_visible_and_no_visible_cell_needs_a_hidden_one(part):
    notebook = jupytext.read(NOTEBOOKS / f"{part}.py")
    setup = next(c for c in notebook.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))
    assert not _hidden(setup) and "import " in setup.source and "start_run(" in setup.source
    assert names_from_hidden_cells(notebook) == []
    hidden_imports = [
        c
        for c in notebook.cells
        if c.cell_type == "code" and _hidden(c) and re.search(r"^(from|import) ", c.source, re.M)
    ]
    assert hidden_imports == []


def test_the_hidden_cell_rule_finds_a_leak():
    notebook = jupytext.reads(
        '# %% tags=["parameters"]\nx = 1\n\n'
        '# %% jupyter={"source_hidden": true}\nhelper = x + 1\n\n'
        "# %%\nprint(helper)\n",
        fmt="py:percent",
    )
    assert names_from_hidden_cells(notebook) == [(2, {"helper"})]


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_every_figure_cell_of_the_committed_runs_shows_its_figure(profile):
    """A cell that makes ``fig`` must show it as an image (a broken backend once left part 4's figures blank)."""
    executed = sorted((PROJECT_ROOT / "executed" / profile).glob("[0-9][0-9]_*.ipynb"))
    blank = []
    for path in (p for p in executed if not p.name.endswith((".partial.ipynb", ".failed.ipynb"))):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            makes_figure = cell.cell_type == "code" and re.search(r"^fig\b[^=\n]*=", cell.source, re.M)
            shown = any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))
            if makes_figure and not shown:
                blank.append(f"{path.name} cell {index}")
    assert not blank, f"figures that did not show: {blank}"


def test_resume_and_retrain_lines_reach_the_console_and_nothing_else_does(tmp_path, monkeypatch, capfd):
    _fake_series(
        tmp_path,
        monkeypatch,
        'import sys\nprint("epoch 3: loss 0.1")\n'
        'print("chunk-0: resuming 5 models after epoch 18 of 60")\n'
        'print("grid cache: .cache/grid/ab.json is damaged (BadZipFile: x); moved to corrupt/, and this network '
        'trains again", file=sys.stderr)\n'
        'import pathlib; pathlib.Path("results").mkdir(); pathlib.Path("results/99_part.json").write_text("{}")',
    )
    run.execute_part("99_part", "quick")
    console = capfd.readouterr()
    assert console.out == ""
    assert console.err.splitlines() == [
        "99_part (quick): chunk-0: resuming 5 models after epoch 18 of 60",
        "99_part (quick): grid cache: .cache/grid/ab.json is damaged (BadZipFile: x); moved to corrupt/, and this "
        "network trains again",
    ]


def test_rerunning_a_part_that_computes_the_same_outputs_leaves_its_files_byte_for_byte(tmp_path, monkeypatch):
    out = _fake_series(
        tmp_path,
        monkeypatch,
        "import pathlib, time, uuid\n"
        'for folder in ("results", "charts"): pathlib.Path(folder).mkdir(exist_ok=True)\n'
        'pathlib.Path("results/99_part.json").write_text(f\'{{"wall_seconds": {time.time()}}}\')\n'
        "chart = uuid.uuid4().hex\n"
        'page = f\'<div id="{chart}" class="chart-container"></div> {chart}\'\n'
        'pathlib.Path("charts/99_part.html").write_text(page)\n'
        "print(object())",
    )
    run.execute_part("99_part", "quick")
    files = [out / "99_part.ipynb", out / "charts" / "99_part.html", out / "results" / "99_part.json"]
    first = {path: path.read_bytes() for path in files}
    run.execute_part("99_part", "quick")
    assert {path: path.read_bytes() for path in first} == first


def test_a_rebuild_from_nothing_empties_the_caches_writes_beside_the_profile_and_compares(
    tmp_path, monkeypatch, capsys
):
    out = _fake_series(
        tmp_path,
        monkeypatch,
        "import json, os, pathlib\n"
        'cache = pathlib.Path(os.environ["MNIST_SERIES_CACHE"])\n'
        'pathlib.Path("results").mkdir(exist_ok=True)\n'
        'record = {"accuracy": 0.5, "cache_was_empty": not cache.exists(), "wall_seconds": 9}\n'
        'pathlib.Path("results/99_part.json").write_text(json.dumps(record))',
    )
    monkeypatch.setenv("MNIST_SERIES_CACHE", str(tmp_path / "filled-cache"))
    (tmp_path / "filled-cache").mkdir()
    (out / "results").mkdir(parents=True)
    published = '{"accuracy": 0.5, "cache_was_empty": true, "wall_seconds": 1}'
    (out / "results" / "99_part.json").write_text(published)

    run.report_from_nothing("quick")

    assert "all 1 numbers equal the published ones" in capsys.readouterr().out
    assert (out / "results" / "99_part.json").read_text() == published  # the profile is untouched
    assert json.loads((tmp_path / "executed" / "quick-from-nothing" / "results" / "99_part.json").read_text())[
        "cache_was_empty"
    ]
    assert os.environ["MNIST_SERIES_CACHE"] == str(tmp_path / "filled-cache")  # restored after the build


def test_comparing_two_builds_lists_each_number_that_differs_and_ignores_the_run_s_own_fields(tmp_path):
    published, rebuilt = tmp_path / "published", tmp_path / "rebuilt"
    for folder, accuracy, seconds in ((published, 0.91, 10), (rebuilt, 0.92, 12)):
        (folder / "results").mkdir(parents=True)
        record = {"models": {"LeNet": {"test_accuracy": accuracy, "history": [0.1, 0.2]}}, "wall_seconds": seconds}
        (folder / "results" / "04_x.json").write_text(json.dumps(record))
    (published / "results" / "05_x.json").write_text('{"a": 1}')
    compared, differences = run.differing_numbers(published, rebuilt)
    assert compared == 3
    assert differences == ["04_x: models.LeNet.test_accuracy: published 0.91, rebuilt 0.92", "05_x: not rebuilt"]
