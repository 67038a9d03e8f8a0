"""Saved models: both formats reload and predict exactly like the model that was saved."""

from __future__ import annotations

import logging

import keras
import numpy as np
import pytest
from absl import logging as absl_logging

from helpers.paths import PROJECT_ROOT
from helpers.saved_models import save_model_files
from helpers.training import compile_classifier, fit

QUICK_MODELS = PROJECT_ROOT / "executed" / "quick" / "models"


def test_saved_h5_and_keras_files_predict_like_the_in_memory_model(small_mnist, tmp_path, caplog):
    model = compile_classifier(
        keras.Sequential(
            [
                keras.Input((28, 28)),
                keras.layers.Flatten(name="flatten"),
                keras.layers.Dropout(0.2, name="dropout_0"),
                keras.layers.Dense(32, activation="relu", name="dense_0"),
                keras.layers.Dense(10, activation="softmax", name="dense_1"),
            ]
        )
    )
    fit(model, small_mnist, epochs=1)
    verbosity = absl_logging.get_verbosity()
    with caplog.at_level(logging.WARNING):
        written = save_model_files(model, tmp_path / "models", "MNIST_dense32")
    assert not [r for r in caplog.records if "legacy" in r.getMessage()]  # the page shows no legacy-format notice
    assert absl_logging.get_verbosity() == verbosity  # and Keras's other warnings still get through afterwards
    assert sorted(p.rsplit("/", 1)[1] for p in written) == ["MNIST_dense32.h5", "MNIST_dense32.keras"]
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["MNIST_dense32.h5", "MNIST_dense32.keras"]
    expected = model.predict(small_mnist.x_test, verbose=0)
    for path in written:
        reloaded = keras.models.load_model(path)
        np.testing.assert_allclose(reloaded.predict(small_mnist.x_test, verbose=0), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("name", "params"), [("MNIST_dense128", 101_770), ("MNIST_LeNet60", 38_552)])
def test_committed_quick_models_reload_in_both_formats(name, params, mnist_raw):
    _, (x_test, _) = mnist_raw
    images = x_test[:50].astype("float32") / 255
    if name.startswith("MNIST_LeNet"):
        images = np.pad(images[..., None], ((0, 0), (2, 2), (2, 2), (0, 0)))
    predictions = []
    for suffix in (".keras", ".h5"):
        model = keras.models.load_model(QUICK_MODELS / f"{name}{suffix}")
        assert model.count_params() == params
        predictions.append(model.predict(images, verbose=0))
    np.testing.assert_allclose(predictions[0], predictions[1], rtol=1e-6, atol=1e-7)


def test_saved_networks_load_from_h5_and_a_missing_one_names_the_part_to_run(tmp_path, monkeypatch):
    from helpers.params import Run
    from helpers.saved_models import MissingModelError, load_saved_model

    quick = Run("11_x", "quick", QUICK_MODELS.parent, {"profile": "quick"})
    assert load_saved_model(quick, "MNIST_LeNet60").count_params() == 38_552
    monkeypatch.setattr("helpers.params.EXECUTED", tmp_path / "executed")
    by_hand = Run("11_x", "interactive", tmp_path / "scratch", {"profile": "quick"})
    with pytest.raises(MissingModelError, match="run part 07_lenet_halved first"):
        load_saved_model(by_hand, "MNIST_LeNet60")
    (tmp_path / "executed" / "quick" / "models").mkdir(parents=True)
    (tmp_path / "executed" / "quick" / "models" / "MNIST_dense128.h5").write_bytes(
        (QUICK_MODELS / "MNIST_dense128.h5").read_bytes()
    )
    assert load_saved_model(by_hand, "MNIST_dense128").count_params() == 101_770
