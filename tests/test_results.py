"""Results files: validated records, atomic writes, readable files, and clear errors for missing parts."""

from __future__ import annotations

import json
import stat

import pytest

from helpers.params import Run
from helpers.results import MissingResultsError, load_results, model_record, save_results


@pytest.fixture(autouse=True)
def _no_published_results(tmp_path, monkeypatch):
    """The repository's own executed/ folder stays out of these tests."""
    monkeypatch.setattr("helpers.params.EXECUTED", tmp_path / "published")


def _run(folder, part="04_lenet", profile="quick") -> Run:
    return Run(part, profile, folder, {"profile": "quick" if profile == "interactive" else profile, "epochs": 3})


def test_saved_results_carry_models_parameters_timing_and_environment(tmp_path, capsys):
    record = model_record(params=81194, test_accuracy=0.99, test_loss=0.03, epochs=60, regularization="none")
    save_results(_run(tmp_path), models={"LeNet": record})
    path = tmp_path / "results" / "04_lenet.json"
    loaded = load_results(_run(tmp_path, "08_conclusion"), "04_lenet")
    assert loaded["models"]["LeNet"]["params"] == 81194
    assert loaded["parameters"] == {"profile": "quick", "epochs": 3} and loaded["profile"] == "quick"
    assert loaded["wall_seconds"] >= 0
    assert {"hardware", "python", "packages", "finished_utc"} <= set(loaded["environment"])
    assert "keras" in loaded["environment"]["packages"]
    assert [p.name for p in path.parent.iterdir()] == ["04_lenet.json"]  # no temporary left behind
    assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044  # readable by a web server's user
    assert "results recorded in" in capsys.readouterr().out


def test_a_failed_write_keeps_the_previous_results(tmp_path):
    record = model_record(params=1, test_accuracy=0.5, test_loss=1.0, epochs=1, regularization="none")
    save_results(_run(tmp_path, "p"), models={"m": record})
    with pytest.raises(TypeError):
        save_results(_run(tmp_path, "p"), models={"m": {"bad": object()}})
    assert json.loads((tmp_path / "results" / "p.json").read_text())["models"] == {"m": record}
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["p.json"]


def test_missing_results_name_the_part_to_run(tmp_path):
    with pytest.raises(MissingResultsError, match="run part 06_lenet_dropout_grid first"):
        load_results(_run(tmp_path), "06_lenet_dropout_grid")


@pytest.mark.parametrize("content", ['{"part": "06_x", "mod', "[1, 2]"])
def test_a_damaged_results_file_gets_one_line_with_the_repair(tmp_path, content):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "06_x.json").write_text(content)
    with pytest.raises(MissingResultsError, match=r"06_x\.json is not a results record.*git checkout.*run part 06_x"):
        load_results(_run(tmp_path), "06_x")


def test_a_run_by_hand_reads_its_own_results_first_then_the_published_ones(tmp_path, monkeypatch):
    published, scratch = tmp_path / "executed", tmp_path / "scratch"
    monkeypatch.setattr("helpers.params.EXECUTED", published)
    record = model_record(params=1, test_accuracy=0.5, test_loss=1.0, epochs=1, regularization="none")
    save_results(_run(published / "quick", "06_x"), models={"published": record})
    by_hand = _run(scratch, "07_x", profile="interactive")
    assert set(load_results(by_hand, "06_x")["models"]) == {"published"}
    save_results(_run(scratch, "06_x", profile="interactive"), models={"mine": record})
    assert set(load_results(by_hand, "06_x")["models"]) == {"mine"}
    overridden = _run(published / "quick-overrides", "07_x")  # a build with -p: its own folder, then the profile's
    assert set(load_results(overridden, "06_x")["models"]) == {"published"}


@pytest.mark.parametrize(
    ("field", "value"), [("test_accuracy", 1.5), ("test_accuracy", -0.1), ("epochs", 0), ("params", 0)]
)
def test_model_records_reject_impossible_values(field, value):
    values = {"params": 10, "test_accuracy": 0.9, "test_loss": 0.1, "epochs": 3, "regularization": "none"}
    values[field] = value
    with pytest.raises(ValueError, match=field):
        model_record(**values)
