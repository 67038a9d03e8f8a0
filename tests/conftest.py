"""Shared fixtures: real MNIST (verified), quiet TensorFlow, a headless matplotlib backend."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from helpers.data import load_mnist
from helpers.training import Mnist, scale_pixels

CHROMIUM = Path("/usr/bin/chromium")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium over the built site")
    config.addinivalue_line(
        "markers", "slow: starts processes, clusters or notebook kernels (make test runs it, make check does not)"
    )


@pytest.fixture(scope="session")
def mnist_raw():
    """``((x_train, y_train), (x_test, y_test))`` exactly as the series loads them."""
    return load_mnist(allow_download=False)


@pytest.fixture(scope="session")
def small_mnist(mnist_raw) -> Mnist:
    """1,000 training and 500 test images, scaled: enough for real models to learn something."""
    (x_train, y_train), (x_test, y_test) = mnist_raw
    return Mnist(scale_pixels(x_train[:1000]), y_train[:1000], scale_pixels(x_test[:500]), y_test[:500])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download; no background requests)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is needed for the browser tests: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()
