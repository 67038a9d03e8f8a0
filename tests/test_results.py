"""Results files: validated records, atomic writes, and clear errors for missing parts."""

from __future__ import annotations

import json

import pytest

from helpers.results import MissingResultsError, load_results, model_record, save_results


def test_saved_results_carry_models_timing_and_environment(tmp_path):
    record = model_record(params=81194, test_accuracy=0.99, test_loss=0.03, epochs=60, regularization="none")
    path = save_results(tmp_path, "04_lenet", profile="quick", models={"LeNet": record}, wall_seconds=12.34)
    assert path == tmp_path / "results" / "04_lenet.json"
    loaded = load_results(tmp_path, "04_lenet")
    assert loaded["models"]["LeNet"]["params"] == 81194
    assert loaded["wall_seconds"] == 12.3
    assert {"hardware", "python", "packages", "finished_utc"} <= set(loaded["environment"])
    assert "keras" in loaded["environment"]["packages"]
    assert [p.name for p in path.parent.iterdir()] == ["04_lenet.json"]  # no temporary left behind


def test_a_failed_write_keeps_the_previous_results(tmp_path):
    record = model_record(params=1, test_accuracy=0.5, test_loss=1.0, epochs=1, regularization="none")
    save_results(tmp_path, "p", profile="quick", models={"m": record}, wall_seconds=1)
    with pytest.raises(TypeError):
        save_results(tmp_path, "p", profile="quick", models={"m": {"bad": object()}}, wall_seconds=2)
    assert json.loads((tmp_path / "results" / "p.json").read_text())["wall_seconds"] == 1
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["p.json"]


def test_missing_results_name_the_part_to_run(tmp_path):
    with pytest.raises(MissingResultsError, match="run part 06_lenet_dropout_grid first"):
        load_results(tmp_path, "06_lenet_dropout_grid")


@pytest.mark.parametrize(
    ("field", "value"), [("test_accuracy", 1.5), ("test_accuracy", -0.1), ("epochs", 0), ("params", 0)]
)
def test_model_records_reject_impossible_values(field, value):
    values = {"params": 10, "test_accuracy": 0.9, "test_loss": 0.1, "epochs": 3, "regularization": "none"}
    values[field] = value
    with pytest.raises(ValueError, match=field):
        model_record(**values)
