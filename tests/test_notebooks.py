"""The notebook sources: paired, output-free, in sync, one parameters cell, and bad parameters refused."""

from __future__ import annotations

import json

import jupytext
import nbformat
import papermill
import pytest

from helpers.build.run import KERNEL_NAME, declared_parameters, part_parameters, with_kernel
from helpers.data import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
PARTS = sorted(p.stem for p in NOTEBOOKS.glob("*.py"))


def test_the_eight_parts_are_there_in_order():
    assert [p[:2] for p in PARTS] == [f"{i:02d}" for i in range(1, 9)]


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
def test_one_parameters_cell_declaring_what_the_profiles_pass(part):
    notebook = jupytext.read(NOTEBOOKS / f"{part}.py")
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    declared = declared_parameters(notebook)
    assert {"profile", "output_dir"} <= declared
    for profile in ("quick", "full"):
        passed = set(part_parameters(part, profile)) & declared
        assert passed >= {"profile", "output_dir"}


def test_a_bad_parameter_stops_the_part_with_one_clear_message(tmp_path):
    notebook = with_kernel(jupytext.read(NOTEBOOKS / "04_lenet.py"))
    with pytest.raises(papermill.PapermillExecutionError) as failure:
        papermill.execute_notebook(
            notebook,
            str(tmp_path / "out.ipynb"),
            parameters={"epochs": 0, "output_dir": str(tmp_path)},
            kernel_name=KERNEL_NAME,
            progress_bar=False,
        )
    assert failure.value.ename == "ParameterError"
    assert "epochs must be a positive integer, got 0" in failure.value.evalue
    assert not (tmp_path / "results").exists()


def test_committed_quick_results_hold_the_recorded_fields():
    for part in PARTS[:-1]:
        record = json.loads((PROJECT_ROOT / "executed" / "quick" / "results" / f"{part}.json").read_text())
        assert record["profile"] == "quick" and record["wall_seconds"] > 0
        for model in record["models"].values():
            assert 0 <= model["test_accuracy"] <= 1 and model["params"] > 0 and model["epochs"] > 0
        if "grid" in part:
            assert {"point", "val_accuracy", "test_accuracy", "test_set_pick", "grid"} <= set(record["selected"])


def test_a_failing_part_keeps_the_last_good_output_and_shows_the_error(tmp_path, monkeypatch):
    from helpers import execute

    notebooks, executed = tmp_path / "notebooks", tmp_path / "executed"
    notebooks.mkdir()
    (notebooks / "profiles.yaml").write_text("quick:\n  all_parts: {}\n")
    (notebooks / "99_broken.py").write_text(
        '# %% tags=["parameters"]\nprofile = "full"\noutput_dir = "."\n\n# %%\nraise RuntimeError("boom")\n'
    )
    good = executed / "quick" / "99_broken.ipynb"
    good.parent.mkdir(parents=True)
    good.write_text("last good output")
    monkeypatch.setattr(execute, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(execute, "EXECUTED", executed)
    monkeypatch.setattr(execute, "PROJECT_ROOT", tmp_path)

    with pytest.raises(papermill.PapermillExecutionError, match="boom"):
        execute.execute_part("99_broken", "quick")

    assert good.read_text() == "last good output"
    failed = nbformat.read(executed / "quick" / "99_broken.failed.ipynb", as_version=4)
    errors = [o for c in failed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].evalue == "boom"
    assert not (executed / "quick" / "99_broken.partial.ipynb").exists()
