"""Shared code of the notebook series: data, plots, live curves, training, grids, results."""
