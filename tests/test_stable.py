"""A rebuild that computes the same outputs leaves the chart pages and saved models byte for byte."""

from __future__ import annotations

import io
import zipfile

from helpers.build.stable import same_keras_model, same_notebook, steady, steady_chart_page


def _page(chart_id: str, value: float) -> str:
    return (
        f'<div id="{chart_id}" class="chart-container" style="width:750px"></div>\n'
        f"var chart_{chart_id} = echarts.init(document.getElementById('{chart_id}'));\n"
        f'var option_{chart_id} = {{"data": [[3, {value}]]}};\n'
    )


def _archive(date: str, weights: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("metadata.json", f'{{"keras_version": "3", "date_saved": "{date}"}}')
        object_id = sum(map(ord, date))  # Keras writes id() of Python objects: different in every run
        archive.writestr("config.json", f'{{"class_name": "Sequential", "shared_object_id": {object_id}}}')
        archive.writestr(zipfile.ZipInfo("model.weights.h5", date_time=(2026, 12, 6, 7, int(date[-1]), 0)), weights)
    return buffer.getvalue()


def test_a_chart_page_gets_the_same_ids_for_the_same_chart_and_others_for_another():
    first, again = steady_chart_page(_page("a" * 32, 0.3474)), steady_chart_page(_page("b" * 32, 0.3474))
    assert first == again
    assert "a" * 32 not in first and first.count(first.split('"')[1]) == 4  # every use of the id, consistently
    assert steady_chart_page(_page("a" * 32, 0.3475)) != first


def test_keras_archives_that_differ_only_in_their_save_time_are_the_same_model():
    assert same_keras_model(_archive("07:20:54", b"w"), _archive("07:20:56", b"w"))
    assert not same_keras_model(_archive("07:20:54", b"w"), _archive("07:20:54", b"v"))
    assert not same_keras_model(b"not an archive", _archive("07:20:54", b"w"))


def test_steady_puts_back_an_unchanged_model_and_keeps_a_changed_one(tmp_path):
    same, changed, new = tmp_path / "same.keras", tmp_path / "changed.keras", tmp_path / "new.keras"
    last_good = {same: _archive("07:20:51", b"w"), changed: _archive("07:20:51", b"w")}
    same.write_bytes(_archive("07:20:59", b"w"))
    changed.write_bytes(_archive("07:20:59", b"v"))
    new.write_bytes(_archive("07:20:59", b"w"))
    steady([same, changed, new], last_good)
    assert same.read_bytes() == last_good[same]
    assert changed.read_bytes() == _archive("07:20:59", b"v")
    assert new.read_bytes() == _archive("07:20:59", b"w")


def test_a_results_file_that_differs_only_in_its_run_times_is_kept_as_it_was(tmp_path):
    same, changed = tmp_path / "same.json", tmp_path / "changed.json"
    old = b'{"models": {"LeNet": {"test_accuracy": 0.99}}, "wall_seconds": 10, "environment": {"finished_utc": "then"}}'
    last_good = {same: old, changed: old}
    same.write_bytes(old.replace(b"10", b"12").replace(b"then", b"now"))
    changed.write_bytes(b'{"models": {"LeNet": {"test_accuracy": 0.98}}, "wall_seconds": 12, "finished_utc": "now"}')
    steady([same, changed], last_good)
    assert same.read_bytes() == old
    assert b"0.98" in changed.read_bytes()


def test_a_notebook_that_differs_only_in_its_run_time_line_is_the_same():
    line = '"results recorded in executed/quick/results/08.json; this part took {} s\\n"'
    assert same_notebook(line.format(0), line.format(12))
    assert not same_notebook(line.format(0) + " 0.99", line.format(0) + " 0.98")
