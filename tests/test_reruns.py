"""Reruns of one network: distinct initial weights per seed, cached, and summarised correctly."""

from __future__ import annotations

import _grid_job
import keras
import numpy as np
import pytest

from helpers.reruns import Reruns
from helpers.retraining import InitSeeded, rerun_seeds, train_reruns
from helpers.statistics import accuracy_standard_error
from helpers.training import Mnist, check_series_settings, compile_classifier, prepare_mnist, seed_everything


def test_init_seeded_draws_its_weights_from_its_seed_whatever_came_before():
    build = InitSeeded(_grid_job.build)
    seed_everything(1)
    first = build(init_seed=7, units=8).get_weights()
    seed_everything(2)
    again = build(init_seed=7, units=8).get_weights()
    other = build(init_seed=8, units=8).get_weights()
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first[0], other[0])


def test_rerun_seeds_follow_the_part_seed():
    assert rerun_seeds(42, 3) == [43, 44, 45]


def test_reruns_summary_and_standing():
    correct = np.random.default_rng(0).random((4, 1001)) < 0.99  # an odd count: the bits do not fill whole bytes
    reruns = Reruns([1, 2, 3, 4], np.array([0.990, 0.992, 0.994, 0.996]), np.array([0.99] * 4), correct)
    assert reruns.mean == pytest.approx(99.3)
    assert reruns.sd == pytest.approx(100 * np.std([0.990, 0.992, 0.994, 0.996], ddof=1))
    assert (reruns.low, reruns.high) == pytest.approx((99.0, 99.6))
    assert reruns.beaten_by(0.993) == 2 and reruns.beaten_by(0.999) == 4 and reruns.beaten_by(0.990) == 0
    assert reruns.standing(0.993) == pytest.approx(0.0, abs=1e-9)
    assert reruns.standing(0.993 + reruns.sd / 100) == pytest.approx(1.0)
    assert reruns.gap_band() == pytest.approx(2 * np.sqrt(2) * reruns.sd)
    assert reruns.gap_band("val") == 0.0
    sentence = reruns.summary(0.995)
    assert "**99.30 ± 0.26 %**" in sentence and "from 99.00 to 99.60 %" in sentence
    assert "scored 99.50 %, higher than 3 of the 4 (+0.8 standard deviations" in sentence
    assert "higher than all 4 (" in reruns.summary(0.999) and "lower than all 4 (" in reruns.summary(0.989)
    again = Reruns.from_record(reruns.record())
    assert again.init_seeds == reruns.init_seeds and again.mean == pytest.approx(reruns.mean)
    np.testing.assert_array_equal(again.test_correct, correct)


@pytest.mark.slow
def test_train_reruns_trains_distinct_networks_once(small_mnist, tmp_path, capsys):
    kwargs = dict(runs=2, epochs=1, seed=5, profile="quick", point={"units": 8}, workers=1, cache_dir=tmp_path)
    first = train_reruns(_grid_job.build, small_mnist, **kwargs)
    assert first.init_seeds == [6, 7]
    assert first.test_accuracy[0] != first.test_accuracy[1]  # other initial weights, another network
    assert first.test_correct.shape == (2, len(small_mnist.y_test))
    # the digits recorded as right are those of the trained networks: they add up to their test accuracy
    np.testing.assert_allclose(first.test_correct.mean(axis=1), first.test_accuracy, atol=1e-6)
    capsys.readouterr()
    second = train_reruns(_grid_job.build, small_mnist, **kwargs)
    assert "2 of 2 networks come from an earlier run's cache" in capsys.readouterr().err
    np.testing.assert_array_equal(second.test_accuracy, first.test_accuracy)


def test_accuracy_standard_error():
    assert accuracy_standard_error(0.99, 10_000) == pytest.approx(np.sqrt(0.99 * 0.01 / 10_000))
    assert accuracy_standard_error(1.0, 100) == 0.0


def _tiny() -> keras.Model:
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])


def test_check_series_settings_accepts_the_series_compile_and_names_what_differs():
    check_series_settings(compile_classifier(_tiny()))
    spelled_out = _tiny()
    spelled_out.compile(
        optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"]
    )
    check_series_settings(spelled_out)
    other_rate = _tiny()
    other_rate.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    with pytest.raises(ValueError, match="optimizer"):
        check_series_settings(other_rate)
    other_loss = _tiny()
    other_loss.compile(
        optimizer=keras.optimizers.Adam(), loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"]
    )
    with pytest.raises(ValueError, match="loss"):
        check_series_settings(other_loss)
    no_metrics = _tiny()
    no_metrics.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy())
    with pytest.raises(ValueError, match="metrics"):
        check_series_settings(no_metrics)


def test_mnist_equals_compares_every_array_and_dtype():
    data = prepare_mnist(200, 100)
    assert data.equals(prepare_mnist(200, 100))
    assert not data.equals(Mnist(data.x_train.astype(np.float64), data.y_train, data.x_test, data.y_test))
    flipped = data.y_test.copy()
    flipped[0] = (flipped[0] + 1) % 10
    assert not data.equals(Mnist(data.x_train, data.y_train, data.x_test, flipped))
