"""How large the text inside a figure is, carried with the figure's image to the page.

A figure's text is legible when it is drawn at a size near the page's body text. How large it ends up
depends on the figure (its font sizes and resolution) and on the page (how much it shrinks the image to
fit the column), so neither alone can check it. ``smallest_text_px`` measures the figure's side: the
height, in the image's own pixels, of the smallest text the figure draws. ``show_text_size_with_figures``
makes every figure a notebook shows carry that number in its output's metadata (``min_text_px``); the
site writes it on the image, and a browser test scales it by the width the page gives the image.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.backends.backend_template import RendererTemplate
from matplotlib.figure import Figure

#: The output metadata key that carries the figure's smallest text size, in pixels of its PNG.
METADATA_KEY = "min_text_px"


class _TextSizeRecorder(RendererTemplate):
    """A renderer that draws nothing and notes the size, in points, of each text drawn."""

    def __init__(self, dpi: float) -> None:
        super().__init__(dpi)
        self.points: list[float] = []

    def draw_text(
        self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False, mtext: Any = None
    ) -> None:
        if s.strip():
            self.points.append(prop.get_size_in_points())

    def draw_tex(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, *, mtext: Any = None) -> None:
        self.draw_text(gc, x, y, s, prop, angle, mtext=mtext)


def smallest_text_px(figure: Figure) -> float | None:
    """The height in pixels, at the figure's resolution (``figure.dpi``), of the smallest text it draws.

    Only text that is drawn counts: the tick labels of an axis turned off, hidden artists and empty
    strings do not. ``None`` for a figure without text.
    """
    recorder = _TextSizeRecorder(figure.dpi)
    figure.draw(recorder)
    return min(recorder.points) * figure.dpi / 72 if recorder.points else None


def show_text_size_with_figures() -> None:
    """Make each figure the notebook shows as a PNG carry ``min_text_px`` in its output's metadata.

    Does nothing outside IPython or where figures are not shown as PNG. The PNG itself is the one the
    inline backend makes: this wraps its formatter, which it first makes sure is in place (loading the
    backend installs it, and would replace a formatter registered before).
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    plt.switch_backend(plt.get_backend())
    formatter = shell.display_formatter.formatters["image/png"]
    make_png = formatter.type_printers.get(Figure)
    if make_png is None or getattr(make_png, "records_text_size", False):
        return

    def png_with_text_size(figure: Figure) -> Any:
        png = make_png(figure)
        if png is None:
            return None
        size = smallest_text_px(figure)
        return png if size is None else (png, {METADATA_KEY: round(size, 2)})

    png_with_text_size.records_text_size = True  # type: ignore[attr-defined]
    formatter.for_type(Figure, png_with_text_size)
