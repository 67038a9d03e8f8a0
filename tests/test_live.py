"""tensorview's live curves inside a real Keras 3 fit, without touching Keras's own logs."""

from __future__ import annotations

import os

import keras

from helpers.live import LiveMetricsPlot
from helpers.training import compile_classifier, fit


def test_live_plot_runs_in_fit_and_keeps_keras_history_keys(small_mnist, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # tensorview's default would drop model_visual.html here
    model = compile_classifier(
        keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    )
    live = LiveMetricsPlot(epochs=2, output_dir=tmp_path / "run" / "charts", chart_name="part")

    history = fit(model, small_mnist, epochs=2, callbacks=[live])

    assert set(history) == set(model.history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    curves = live.epoch_logs
    assert set(curves) == {"cross-entropy loss", "accuracy", "val_cross-entropy loss", "val_accuracy"}
    assert all(len(values) == 2 for values in curves.values())
    assert curves["val_accuracy"] == history["val_accuracy"]
    assert live.chart_path == tmp_path / "run" / "charts" / "part.html"
    chart = live.chart_path.read_text()
    assert "cross-entropy loss" in chart and "echarts" in chart
    assert os.listdir(tmp_path) == ["run"]


def test_short_runs_redraw_every_epoch_and_long_ones_about_fifty_times():
    from helpers.live import REDRAWS, redraw_interval

    assert [redraw_interval(n) for n in (1, 3, 12, REDRAWS)] == [1, 1, 1, 1]
    assert [redraw_interval(n) for n in (60, 100, 150)] == [1, 2, 3]
    for epochs in (60, 80, 100, 1000):
        redraws = epochs // redraw_interval(epochs)
        assert REDRAWS * 2 // 3 <= redraws <= REDRAWS * 4 // 3, epochs
