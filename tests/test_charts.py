"""The site's redrawn training charts: epochs where they belong, the static figures' names and colours."""

from __future__ import annotations

import copy

from matplotlib.colors import to_hex

from helpers import plots
from helpers.build.charts import redrawn


def _tensorview_option(values: list[float]) -> dict:
    """A chart as tensorview writes it: [epoch, value] pairs on a category axis of the epochs."""
    series = [
        {"type": "line", "name": name, "data": [[e + 1, v + shift] for e, v in enumerate(values)], "markPoint": {}}
        for name, shift in (("train", 0.0), ("val", 0.1))
    ]
    return {
        "series": series,
        "xAxis": [{"name": "Epoch", "data": list(range(1, len(values) + 1))}],
        "yAxis": [{"scale": False}],
        "legend": [{"data": ["train", "val"]}],
        "tooltip": {"trigger": "item"},
        "title": [{"text": "cross-entropy loss"}],
        "toolbox": {"feature": {"saveAsImage": {}, "magicType": {}, "dataView": {}, "restore": {}}},
        "dataZoom": [{"type": "slider"}],
    }


def test_epochs_go_on_a_value_axis_from_the_first_to_the_last():
    original = _tensorview_option([0.5, 0.3, 0.2, 0.15])
    kept = copy.deepcopy(original)
    option = redrawn(original)
    assert original == kept  # the recorded option is left as it was
    (axis,) = option["xAxis"]
    assert axis["type"] == "value" and (axis["min"], axis["max"]) == (1, 4) and "data" not in axis
    assert [point[0] for point in option["series"][0]["data"]] == [1, 2, 3, 4]
    assert option["yAxis"][0]["scale"] is True  # fitted to the data, not pinned at 0
    assert option["tooltip"]["trigger"] == "axis"
    assert set(option["toolbox"]["feature"]) == {"saveAsImage", "restore"}


def test_series_are_named_and_coloured_as_in_the_static_history_figure():
    option = redrawn(_tensorview_option([0.5, 0.3]))
    figure = plots.history_curves({"loss": [0.5, 0.3], "val_loss": [0.6, 0.4]}, title="t")
    static = {line.get_label(): to_hex(line.get_color()) for line in figure.axes[0].get_lines()}
    drawn = {series["name"]: series["lineStyle"]["color"] for series in option["series"]}
    assert drawn == static == {"training": static["training"], "validation": static["validation"]}
    assert option["legend"][0]["data"] == ["training", "validation"]
