"""A convolution written as a dense layer, and a convolution without its weight sharing, against references."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from helpers.convolution import (
    LocallyConnected2D,
    kernel_counts,
    permuted,
    pixel_permutation,
    unrolled_bias,
    unrolled_kernel,
)


def _conv(input_shape: tuple[int, int, int], filters: int, seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(input_shape), keras.layers.Conv2D(filters, 3, name="conv")])
    kernel, _ = model.get_weights()
    model.get_layer("conv").set_weights([kernel, np.random.default_rng(seed).normal(size=filters).astype("float32")])
    return model


@pytest.mark.parametrize(("input_shape", "filters"), [((32, 32, 1), 6), ((15, 15, 6), 16), ((7, 5, 2), 3)])
def test_a_dense_layer_with_the_unrolled_kernel_computes_the_convolution(input_shape, filters):
    conv = _conv(input_shape, filters)
    kernel, bias = conv.get_layer("conv").get_weights()
    out_shape = conv.output_shape[1:]
    dense = keras.Sequential([keras.Input((int(np.prod(input_shape)),)), keras.layers.Dense(int(np.prod(out_shape)))])
    dense.set_weights([unrolled_kernel(kernel, input_shape), unrolled_bias(bias, out_shape)])
    images = np.random.default_rng(1).random((8, *input_shape)).astype("float32")
    expected = conv.predict(images, verbose=0)
    got = dense.predict(images.reshape(8, -1), verbose=0).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_the_unrolled_kernel_of_lenets_first_convolution_has_the_counts_the_original_implies():
    kernel = _conv((32, 32, 1), 6).get_layer("conv").get_weights()[0]
    counts = kernel_counts(unrolled_kernel(kernel, (32, 32, 1)))
    assert counts == {"entries": 1024 * 5400, "non-zero": 900 * 54, "distinct values": 54}
    second = _conv((15, 15, 6), 16).get_layer("conv").get_weights()[0]
    assert kernel_counts(unrolled_kernel(second, (15, 15, 6))) == {
        "entries": 1350 * 2704,
        "non-zero": 169 * 864,
        "distinct values": 864,
    }


def test_a_wrong_channel_count_is_refused():
    with pytest.raises(ValueError, match="reads 1 channels, the input has 3"):
        unrolled_kernel(np.zeros((3, 3, 1, 2)), (8, 8, 3))


def _slow_locally_connected(images: np.ndarray, kernel: np.ndarray, bias: np.ndarray, k: int) -> np.ndarray:
    """The definition, loop by loop: every output position with its own window and its own kernel."""
    n, height, width, _ = images.shape
    out_h, out_w = height - k + 1, width - k + 1
    out = np.zeros((n, out_h, out_w, kernel.shape[-1]))
    for i in range(out_h):
        for j in range(out_w):
            window = images[:, i : i + k, j : j + k, :].reshape(n, -1)
            out[:, i, j, :] = window @ kernel[i * out_w + j] + bias[i, j]
    return out


def test_the_locally_connected_layer_matches_its_definition_and_has_one_kernel_per_position():
    keras.utils.set_random_seed(3)
    layer = LocallyConnected2D(4, 3, name="local")
    model = keras.Sequential([keras.Input((9, 8, 2)), layer])
    kernel, bias = model.get_weights()
    assert kernel.shape == (7 * 6, 3 * 3 * 2, 4) and bias.shape == (7, 6, 4)
    bias = np.random.default_rng(0).normal(size=bias.shape).astype("float32")
    model.set_weights([kernel, bias])
    images = np.random.default_rng(2).random((5, 9, 8, 2)).astype("float32")
    np.testing.assert_allclose(
        model.predict(images, verbose=0), _slow_locally_connected(images, kernel, bias, 3), rtol=1e-5, atol=1e-5
    )


def test_with_every_position_given_the_same_kernel_it_is_the_convolution():
    conv = _conv((10, 10, 1), 6)
    kernel, bias = conv.get_layer("conv").get_weights()
    local = keras.Sequential([keras.Input((10, 10, 1)), LocallyConnected2D(6, 3)])
    local.set_weights([np.tile(kernel.reshape(1, 9, 6), (64, 1, 1)), np.tile(bias, (8, 8, 1))])
    images = np.random.default_rng(4).random((3, 10, 10, 1)).astype("float32")
    np.testing.assert_allclose(local.predict(images, verbose=0), conv.predict(images, verbose=0), rtol=1e-5, atol=1e-5)


def test_the_layer_survives_saving_and_its_activation_applies(tmp_path):
    model = keras.Sequential([keras.Input((6, 6, 1)), LocallyConnected2D(2, 3, activation="relu")])
    model.save(tmp_path / "local.keras")
    again = keras.models.load_model(tmp_path / "local.keras")
    images = np.random.default_rng(5).normal(size=(4, 6, 6, 1)).astype("float32")
    np.testing.assert_array_equal(again.predict(images, verbose=0), model.predict(images, verbose=0))
    assert (model.predict(images, verbose=0) >= 0).all()


def test_the_pixel_permutation_is_fixed_by_its_seed_and_loses_nothing():
    order = pixel_permutation(7)
    assert sorted(order) == list(range(784)) and np.array_equal(order, pixel_permutation(7))
    assert not np.array_equal(order, pixel_permutation(8))
    images = np.random.default_rng(0).random((3, 28, 28))
    shuffled = permuted(images, order)
    assert shuffled.shape == images.shape and not np.array_equal(shuffled, images)
    np.testing.assert_array_equal(np.sort(shuffled.reshape(3, -1)), np.sort(images.reshape(3, -1)))
    np.testing.assert_array_equal(shuffled.reshape(3, -1)[:, np.argsort(order)], images.reshape(3, -1))
