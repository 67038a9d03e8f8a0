"""A figure's smallest drawn text, in its PNG's pixels, and the notebook output that carries it to the page."""

from __future__ import annotations

from types import SimpleNamespace

import IPython
import matplotlib.pyplot as plt
import pytest
from IPython.core.formatters import DisplayFormatter
from IPython.core.pylabtools import select_figure_formats

from helpers.figure_text import METADATA_KEY, show_text_size_with_figures, smallest_text_px


@pytest.fixture
def figure():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.plot([0, 1], [0, 1])
    ax.set_title("a title", fontsize=14)
    ax.text(0.5, 0.5, "small note", fontsize=7)
    yield fig
    plt.close(fig)


def test_the_smallest_drawn_text_in_pixels_at_the_figures_resolution(figure):
    assert smallest_text_px(figure) == pytest.approx(7 * 100 / 72)
    figure.set_dpi(200)
    assert smallest_text_px(figure) == pytest.approx(7 * 200 / 72)


def test_text_that_is_not_drawn_does_not_count(figure):
    ax = figure.axes[0]
    ax.texts[0].set_visible(False)
    ax.text(0.2, 0.2, "   ", fontsize=3)  # blank
    assert smallest_text_px(figure) == pytest.approx(10 * 100 / 72)  # the tick labels
    ax.tick_params(labelsize=4)
    ax.axis("off")  # tick labels of an axis turned off are not drawn
    assert smallest_text_px(figure) == pytest.approx(14 * 100 / 72)
    ax.set_title("")
    assert smallest_text_px(figure) is None


@pytest.fixture
def notebook_shell(monkeypatch):
    """A stand-in for a kernel's shell: IPython's display formatter, with the PNG formatter that the inline
    backend installs, as ``IPython.get_ipython()`` returns it (no real shell: no history file, no hooks). The
    site's browser test checks the real thing: every figure of every page carries its text size."""
    shell = SimpleNamespace(display_formatter=DisplayFormatter())
    select_figure_formats(shell, {"png"})
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    # Loading the backend (which installs that formatter in a kernel) would hook pyplot into this shell.
    monkeypatch.setattr(plt, "switch_backend", lambda name: None)
    return shell


def test_a_figure_shown_in_a_notebook_carries_its_smallest_text_size(figure, notebook_shell):
    show_text_size_with_figures()
    show_text_size_with_figures()  # a second start of a run in the same kernel wraps it once
    data, metadata = notebook_shell.display_formatter.format(figure)
    assert data["image/png"]
    assert metadata["image/png"][METADATA_KEY] == pytest.approx(7 * 100 / 72, abs=0.01)
    figure.axes[0].texts[0].set_visible(False)
    assert notebook_shell.display_formatter.format(figure)[1]["image/png"][METADATA_KEY] == pytest.approx(13.89)


def test_outside_a_notebook_nothing_changes(monkeypatch):
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    monkeypatch.setattr(plt, "switch_backend", lambda name: pytest.fail("touched matplotlib's backend"))
    show_text_size_with_figures()
