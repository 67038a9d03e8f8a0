"""Parameter validation: each bad value gets one message naming it; runs by hand never write a profile."""

from __future__ import annotations

import pytest

from helpers import params
from helpers.params import (
    ParameterError,
    check_count,
    check_grid,
    check_optional_count,
    check_strengths,
    check_value,
)

GOOD = {"profile": "quick", "epochs": 3, "train_size": 6000, "test_size": None, "seed": 1}


def start_run(part, output_dir, **cell):
    """``params.start_run`` as a part calls it: the parameters cell's names are the namespace's."""
    namespace = {"__name__": "__main__", "np": object(), "output_dir": output_dir, **cell}
    return params.start_run(part, namespace, chapter="A chapter", summary="A part.")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("profile", "fast", "profile must be one of"),
        ("epochs", 0, "epochs must be a positive integer"),
        ("epochs", -5, "epochs must be a positive integer"),
        ("epochs", 2.5, "epochs must be a positive integer"),
        ("epochs", "3", "epochs must be a positive integer"),
        ("train_size", 60001, "train_size must be None"),
        ("test_size", 0, "test_size must be None"),
        ("train_size", 50, "at least 100"),
        ("seed", -1, "seed must be"),
    ],
)
def test_start_run_rejects(field, value, message, tmp_path):
    with pytest.raises(ParameterError, match=message):
        start_run("01_x", output_dir=str(tmp_path), **{**GOOD, field: value})


def test_start_run_records_every_parameter_and_the_folder(tmp_path):
    run = start_run("03_x", output_dir=str(tmp_path), **GOOD, widths=[32, 64], chosen_width=32)
    assert run.output_dir == tmp_path.resolve() and run.profile == "quick"
    assert run.parameters == {**GOOD, "widths": [32, 64], "chosen_width": 32}  # not output_dir, not `np`
    assert run.page() == {
        "chapter": "A chapter",
        "summary": "A part.",
        "from_cache": 0,
        "cached_training_seconds": 0.0,
        "untimed": 0,
    }


def test_start_run_checks_the_rules_between_parameters(tmp_path):
    with pytest.raises(ParameterError, match=r"chosen_width must be one of the searched widths \[32, 64\], got 128"):
        start_run("03_x", output_dir=str(tmp_path), **GOOD, widths=[32, 64], chosen_width=128)


def test_a_part_without_profile_or_output_dir_is_refused():
    with pytest.raises(ParameterError, match="must define 'profile'"):
        params.start_run("01_x", {"output_dir": None}, chapter="c", summary="s")


def test_the_cache_count_goes_to_the_current_run(tmp_path):
    run = start_run("01_x", output_dir=str(tmp_path), **GOOD)
    params.note_from_cache([10.0, None, 2.5])
    params.note_from_cache([])
    page = run.page()
    assert (page["from_cache"], page["cached_training_seconds"], page["untimed"]) == (3, 12.5, 1)


def test_a_run_by_hand_writes_to_the_scratch_folder_and_says_so(capsys):
    run = start_run("01_x", output_dir=None, **{**GOOD, "profile": "full"})
    assert run.output_dir == params.SCRATCH and run.profile == "interactive"
    assert run.published_profile == "full"
    assert "executed/interactive/" in capsys.readouterr().out


@pytest.mark.parametrize("profile", params.PROFILES)
def test_only_the_build_may_write_a_published_profile(profile, monkeypatch):
    published = str(params.EXECUTED / profile)
    monkeypatch.delenv(params.BUILD_PROFILE_VARIABLE, raising=False)
    with pytest.raises(ParameterError, match=f"publishes the {profile} profile: set output_dir = None"):
        start_run("01_x", output_dir=published, **{**GOOD, "profile": profile})
    monkeypatch.setenv(params.BUILD_PROFILE_VARIABLE, profile)
    assert start_run("01_x", output_dir=published, **{**GOOD, "profile": profile}).profile == profile


@pytest.mark.parametrize(
    ("values", "kind", "message"),
    [
        ([], "rate", r"holds 0 value\(s\): the page compares the grid's rows and columns, give at least 1"),
        ([0.1, 0.1], "rate", "repeats"),
        ([0.0, 1.0], "rate", r"in \[0, 1\)"),
        ([-0.1], "rate", r"in \[0, 1\)"),
        ([-1e-3], "penalty", ">= 0"),
        ([0, 32], "width", "positive integer"),
        ([True], "width", "positive integer"),
        (0.001, "penalty", r"l1 must be a list of penalties >= 0, e.g. \[0.001\], got 0.001"),
        ("0.1", "rate", "must be a list"),
    ],
)
def test_check_grid_rejects(values, kind, message):
    with pytest.raises(ParameterError, match=message):
        check_grid("l1", values, kind=kind)


def test_a_penalty_grid_axis_needs_two_values_the_page_can_compare(tmp_path):
    with pytest.raises(ParameterError, match=r"l1_values holds 1 value\(s\).*give at least 2"):
        params.PARAMETERS["l1_values"]("l1_values", [0.0])
    params.PARAMETERS["l2_values"]("l2_values", [0.0, 1e-4])


def test_check_grid_accepts_the_tutorial_grids():
    check_grid("rates", [0, 0.1, 0.2, 0.3, 0.4, 0.5], kind="rate")
    check_grid("l1", [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2], kind="penalty")
    check_grid("widths", [32, 64, 128, 256], kind="width")


@pytest.mark.parametrize(("value", "kind"), [(-1e-6, "penalty"), ([1e-6], "penalty"), (0, "width"), (1.5, "width")])
def test_check_value_rejects(value, kind):
    with pytest.raises(ParameterError, match="fixed must be one of"):
        check_value("fixed", value, kind=kind)


@pytest.mark.parametrize(
    ("value", "minimum", "message"),
    [
        (0, 1, "reruns must be a positive integer, got 0"),
        (1, 2, "reruns must be an integer of at least 2, got 1"),
        (True, 1, "reruns must be a positive integer, got True"),
        (2.0, 2, "reruns must be an integer of at least 2, got 2.0"),
    ],
)
def test_check_count_rejects(value, minimum, message):
    with pytest.raises(ParameterError, match=message):
        check_count("reruns", value, minimum=minimum)


@pytest.mark.parametrize("value", [0, -1, 2.0, "4", [4]])
def test_speed_settings_must_be_none_or_positive(value):
    with pytest.raises(ParameterError, match="models_per_graph must be None"):
        check_optional_count("models_per_graph", value)
    check_optional_count("models_per_graph", None)
    check_optional_count("models_per_graph", 4)


def test_the_refusal_names_the_profile_of_the_folder_not_the_cells(monkeypatch):
    """A cell still saying profile = "full" but writing to executed/quick/ is told about the quick profile."""
    monkeypatch.delenv(params.BUILD_PROFILE_VARIABLE, raising=False)
    with pytest.raises(ParameterError, match="publishes the quick profile"):
        start_run("01_x", output_dir=str(params.EXECUTED / "quick"), **{**GOOD, "profile": "full"})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([-20, 20], "must include \\[0\\]"),
        ([0, -20, 20], "strictly increasing"),
        ([-100, 0, 20], "within -90..90"),
        ([0], "at least 2 numbers"),
        ("0, 20", "at least 2 numbers"),
    ],
)
def test_check_strengths_rejects(values, message):
    with pytest.raises(ParameterError, match=message):
        check_strengths("angles", values, low=-90, high=90, includes=[0])


def test_every_rule_of_the_table_refuses_a_string():
    for name, rule in params.PARAMETERS.items():
        if name == "output_dir":
            continue
        with pytest.raises(ParameterError, match=name):
            rule(name, "a string")


def test_training_sizes_must_divide_the_training_share(tmp_path):
    start_run("10_x", output_dir=str(tmp_path), **GOOD, training_sizes=[600, 1350, 5400])  # 6,000 images
    with pytest.raises(ParameterError, match=r"training_sizes \[600, 1000\] must divide the training share"):
        start_run("10_x", output_dir=str(tmp_path), **GOOD, training_sizes=[600, 1000])
    everything = {**GOOD, "train_size": None}
    start_run("10_x", output_dir=str(tmp_path), **everything, training_sizes=[600, 27000, 54000])
