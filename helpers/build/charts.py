"""tensorview's training charts, redrawn right: epochs on a value axis, the static figures' names and colours.

tensorview hands pyecharts its points as ``[epoch, value]`` pairs on a *category* axis whose categories
are the epochs 1..N; ECharts reads the pair's first number as a category index, so epoch e was drawn at
tick e + 1 and the last epoch fell off the axis. ``redrawn`` puts the epochs on a value axis from 1 to N,
names and colours the series as the static history figures do (``helpers.plots.history_curves``:
matplotlib's first two default colours, "training" and "validation"), scales the value axis to the data,
shows every series' value for the epoch under the pointer, and keeps the title, legend, toolbox, pins
and zoom slider apart at any width.
"""

from __future__ import annotations

import copy
from typing import Any

from matplotlib import rcParamsDefault
from matplotlib.colors import to_hex

#: tensorview's series names, and the names the static figures give them.
SERIES_NAMES = {"train": "training", "val": "validation"}
#: The static figures' colours: matplotlib's default colour cycle, in the order the series are drawn.
SERIES_COLOURS = dict(
    zip(SERIES_NAMES.values(), map(to_hex, rcParamsDefault["axes.prop_cycle"].by_key()["color"]), strict=False)
)


#: The toolbox buttons kept: zoom, restore, save as image.
TOOLS = ("dataZoom", "restore", "saveAsImage")


def epochs_drawn(option: dict[str, Any]) -> int:
    """The number of epochs in a chart: its longest series."""
    return max((len(series.get("data", [])) for series in option.get("series", [])), default=0)


def redrawn(option: dict[str, Any]) -> dict[str, Any]:
    """A copy of a tensorview chart's ECharts ``option``, drawn as described in the module docstring."""
    option = copy.deepcopy(option)
    last = max(1, epochs_drawn(option))
    option["xAxis"] = [
        {
            "type": "value",
            "name": "epoch",
            "nameLocation": "middle",
            "nameGap": 26,
            "min": 1,
            "max": last,
            "minInterval": 1,
            "splitLine": {"show": False},
        }
    ]
    for axis in option.get("yAxis", []):
        axis.update({"type": "value", "scale": True, "splitLine": {"show": True}})
    for series in option.get("series", []):
        series["name"] = SERIES_NAMES.get(series.get("name"), series.get("name"))
        if series["name"] in SERIES_COLOURS:
            colour = SERIES_COLOURS[series["name"]]
            series["itemStyle"] = {"color": colour}
            series["lineStyle"] = {"color": colour, "width": 2}
        series["smooth"] = False  # a smoothed curve passes values the network never had
        series["showSymbol"] = last <= 20
        if "markPoint" in series:  # the pins at the lowest and highest value
            series["markPoint"].update({"precision": 3, "label": {"fontSize": 10}})
    for legend in option.get("legend", []):
        legend["data"] = [SERIES_NAMES.get(name, name) for name in legend.get("data", [])]
        legend.update({"top": 28, "left": 0})
    option["title"] = [{**title, "left": 0, "top": 0} for title in option.get("title", [])]
    option["tooltip"] = {"show": True, "trigger": "axis", "axisPointer": {"type": "line"}}
    if isinstance(option.get("toolbox"), dict):  # a bar chart or a data table of epochs teaches nothing
        features = option["toolbox"].get("feature", {})
        option["toolbox"]["feature"] = {name: features[name] for name in TOOLS if name in features}
        option["toolbox"].update({"left": None, "right": 0, "top": 0})
    option["grid"] = {"top": 78, "bottom": 84, "left": 8, "right": 16, "containLabel": True}
    for zoom in option.get("dataZoom", []):
        zoom.update({"bottom": 8, "height": 22})
    return option
