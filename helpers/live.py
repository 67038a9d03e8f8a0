"""Live training curves with tensorview's ``PlotMetricsOnEpoch``, adapted to Keras 3.

tensorview 0.4.1 (2019) renames the entries of Keras's ``logs`` in place, using
``model.metrics_names``. On Keras 3 that list is ``['loss', 'compile_metrics']`` and the callback
fails with ``KeyError: 'compile_metrics'``; on any Keras its renaming would also leak into the
``History`` object. The adapter below keeps tensorview's drawing (the matplotlib panels redrawn
during training, the pyecharts HTML chart at train end) and feeds it a renamed *copy* of the logs,
so Keras's own logs and History keys stay untouched. The HTML chart goes to ``output_dir``, never
the working directory.

The panels are redrawn every epoch in a short run and about ``REDRAWS`` times in a long one, and in a
run of up to ``MARKED_EPOCHS`` epochs each epoch is a marked point, so a run of a few epochs started by
hand shows its curves while it trains (a run of one epoch is a single point on each panel).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib
import tensorview as tv

#: Keras log key -> the title tensorview shows for it (validation keys follow as ``val_<title>``).
DEFAULT_TITLES = {"loss": "cross-entropy loss", "accuracy": "accuracy"}
#: About how many times the panels are redrawn during a long run (a run of fewer epochs: every epoch).
REDRAWS = 50
#: Runs of up to this many epochs mark each epoch on the curves.
MARKED_EPOCHS = 20


def redraw_interval(epochs: int) -> int:
    """Epochs between redraws: 1 up to ``REDRAWS`` epochs, then about ``REDRAWS`` redraws (100 epochs: 2)."""
    return max(1, round(epochs / REDRAWS))


class LiveMetricsPlot(tv.train.PlotMetricsOnEpoch):
    """tensorview's live loss/accuracy panels for ``model.fit``, without touching Keras's logs.

    Args:
        epochs: planned number of epochs (fixes the x axis while training).
        output_dir: folder for the interactive HTML chart written at train end.
        chart_name: file name (without ``.html``) of that chart.
        titles: which Keras log keys to plot and the title of each panel.
        redraw_every: redraw the matplotlib panels every this many epochs (default: ``redraw_interval``).
    """

    def __init__(
        self,
        epochs: int,
        output_dir: Path | str,
        chart_name: str,
        titles: Mapping[str, str] = DEFAULT_TITLES,
        redraw_every: int | None = None,
    ) -> None:
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        super().__init__(
            metrics_name=list(titles.values()),
            columns=2,
            iter_num=epochs,
            wait_num=redraw_every or redraw_interval(epochs),
            cell_size=(6, 4),
            visual_name=chart_name,
            visual_path=str(output_dir),
        )
        self.titles = dict(titles)
        self.chart_path = output_dir / f"{chart_name}.html"

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        """Record a renamed copy of this epoch's logs and let tensorview redraw."""
        renamed = {}
        for key, title in self.titles.items():
            for prefix in ("", "val_"):
                if logs and f"{prefix}{key}" in logs:
                    renamed[f"{prefix}{title}"] = float(logs[f"{prefix}{key}"])
        self.metrics = [name for name in renamed if not name.startswith("val_")]
        if self.figsize is None:  # tensorview's own layout: it always reserves one spare row of panels
            rows = (len(self.metrics) + 1) // self.columns + 1
            self.figsize = (self.columns * self.cell_size[0], rows * self.cell_size[1])
        for name, value in renamed.items():
            self.epoch_logs[name].append(value)
        # tensorview's chart uses ``range(1, self.epoch + 1)`` as x axis: keep ``epoch`` a count.
        self.epoch = epoch + 1
        self.draw(
            metrics=self.metrics,
            logs=self.epoch_logs,
            plot_num=self.epoch,
            epoch=self.epoch,
            columns=self.columns,
            iter_num=self.iter_num,
            wait_num=self.wait_num,
            figsize=self.figsize,
            cell_size=self.cell_size,
            valid_fmt=self.valid_fmt,
        )

    def draw(self, *args: Any, **kwargs: Any) -> None:
        """tensorview's redraw, each epoch marked in a short run; one epoch gets a widened x axis without a warning."""
        style = {"lines.marker": "o", "lines.markersize": 4} if self.iter_num <= MARKED_EPOCHS else {}
        # Only these keys are set and put back: matplotlib.rc_context would restore every setting, the
        # backend's included, and the notebook would stop showing the figures of later cells.
        saved = {key: matplotlib.rcParams[key] for key in style}
        matplotlib.rcParams.update(style)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Attempting to set identical low and high xlims", UserWarning)
                super().draw(*args, **kwargs)
        finally:
            matplotlib.rcParams.update(saved)
