# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (cnn-vs-dense)
#     language: python
#     name: cnn-vs-dense
# ---

# %% [markdown]
# # Part 8 · Conclusion: dense against convolutional
#
# **What this part shows.** The seven networks of the series side by side: coefficients,
# regularization and test accuracy over five trainings each, with the accuracies the original
# tutorial reported beside ours, and the findings the numbers support.
#
# **What it reuses.** Only the results recorded by parts 1-7, the reruns of each network included;
# nothing is trained here.
#
# **The idea to take away.** Two networks differ only when their gap is larger than the gap between
# two trainings of the same network. Every comparison in the series is read that way.

# %% tags=["parameters"]
profile = "full"  # which profile's results to read
output_dir = None  # None: a scratch folder, executed/interactive/ (the build passes executed/<profile>/)

# %% jupyter={"source_hidden": true} tags=["plumbing"]
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from helpers import plots
from helpers.comparisons import compare, prediction_interval
from helpers.params import start_run
from helpers.results import load_results, save_results

PART = "08_conclusion"
run = start_run(PART, profile=profile, output_dir=output_dir)

# %% [markdown]
# ## The comparison table
#
# Each row takes its numbers from the results file of the part that trained the network. Every
# network was trained five times more from other initial weights (in the full profile; the quick
# profile trains two), and the table reports those reruns: their mean, standard deviation and range.
# The single run each page shows beside its curves sits in its own column. The last columns hold the
# original tutorial's reported accuracy (one training, rounded to 0.1 point) and where it falls
# against ours: inside or outside the 95 % prediction interval, the range in which one more of our
# trainings would land 19 times in 20 (mean ± t·s·√(1 + 1/n), with t from Student's distribution).

# %%
# (part, model name in that part's results, row label, reference tutorial's coefficients and accuracy in %)
ROWS = [
    ("01_dense_tutorial", "Dense tutorial", "Dense, TensorFlow tutorial", 407_050, 98.4),
    ("02_dense_regularized", "Dense, two dropouts", "Dense, two dropout layers", 407_050, 98.6),
    ("03_dense_sized", "Dense 128", "Dense, 128 neurons", 101_770, 97.9),
    ("04_lenet", "LeNet", "LeNet (ReLU)", 81_194, 99.1),
    ("05_lenet_l1l2_grid", "LeNet, L1-L2 (selected)", "LeNet, L1-L2 grid's pick", 81_194, 99.1),
    ("06_lenet_dropout_grid", "LeNet, dropout (selected)", "LeNet, dropout", 81_194, 99.4),
    ("07_lenet_halved", "LeNet, dropout, halved", "LeNet, dropout, halved dense layers", 38_552, 99.2),
]
records = {part: load_results(run, part) for part, *_ in ROWS}
runs = {label: 100 * np.array(records[part]["reruns"]["test_accuracy"]) for part, _, label, *_ in ROWS}
intervals = {label: prediction_interval(accuracies) for label, accuracies in runs.items()}
table = pd.DataFrame(
    [
        {
            "network": label,
            "coefficients": records[part]["models"][name]["params"],
            "reference coefficients": ref_params,
            "regularization": records[part]["models"][name]["regularization"],
            "epochs": records[part]["models"][name]["epochs"],
            "runs": len(runs[label]),
            "mean (%)": runs[label].mean(),
            "s.d. (points)": runs[label].std(ddof=1),
            "lowest (%)": runs[label].min(),
            "highest (%)": runs[label].max(),
            "run on its page (%)": 100 * records[part]["models"][name]["test_accuracy"],
            "reference (%)": ref_accuracy,
            "mean − reference (points)": runs[label].mean() - ref_accuracy,
            "reference in our 95 % prediction interval": intervals[label][0] <= ref_accuracy <= intervals[label][1],
        }
        for part, name, label, ref_params, ref_accuracy in ROWS
    ]
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
if profile == "quick":
    display(
        Markdown(
            "> **Quick profile.** These numbers come from a smoke run on a subset of MNIST with a few epochs;"
            " they are not comparable with the reference tutorial's."
        )
    )
plots.styled_table(
    table.drop(columns="reference coefficients"),
    formats={
        "coefficients": "{:,}",
        "mean (%)": "{:.2f}",
        "s.d. (points)": "{:.2f}",
        "lowest (%)": "{:.2f}",
        "highest (%)": "{:.2f}",
        "run on its page (%)": "{:.2f}",
        "reference (%)": "{:.1f}",
        "mean − reference (points)": "{:+.2f}",
        "reference in our 95 % prediction interval": lambda inside: "yes" if inside else "no",
    },
    text_columns=["network", "regularization", "reference in our 95 % prediction interval"],
)

# %% [markdown]
# Read the table down its columns. The coefficient counts come first: every LeNet row holds fewer
# coefficients than any dense row. Then the mean, the centre of five trainings, and the standard
# deviation, how far one training strays from it. Compare the page's run with the lowest and highest
# columns to see how lucky each page's single run was. The last column answers the question the
# original's numbers raise: could the original's accuracy be one more training of ours?
#
# The coefficient counts do not depend on training, so they must match the original's exactly:

# %%
print(
    "coefficient counts identical to the reference:",
    bool((table["coefficients"] == table["reference coefficients"]).all()),
)

# %% [markdown]
# When this line says True, every network here matches the original's coefficient count, as the
# layer lists of parts 1-7 do layer for layer; differences in accuracy then come from training, not
# from the architecture.
#
# ## Against the original, with the run-to-run noise
#
# Both series scored their networks on the same 10,000 test digits, so what separates our accuracies
# from the original's is the training itself: the random initial weights, the batch order and the
# dropout masks, and the differences between Keras versions. The figure shows each network's mean
# over its reruns, with a whisker over its 95 % prediction interval, beside the original's accuracy.

# %% tags=["nbval-ignore-output"]
fig = plots.against_reference(
    dict(zip(table["network"], table["mean (%)"], strict=True)),
    dict(zip(table["network"], table["reference (%)"], strict=True)),
    tolerance=0.3,
    noise={label: (high - low) / 2 for label, (low, high) in intervals.items()},
    noise_label="95 % prediction interval for one more training",
    title="Test accuracy: this series against the original tutorial",
)

# %% [markdown]
# What to look for: whether each diamond falls inside our whisker. A diamond inside it is consistent
# with one more training of ours; it does not show that the two series are the same (the whisker
# spans about ±3 standard deviations). A diamond outside it is a real gap between the two series
# (different Keras versions, different defaults), or a lucky or unlucky run of the original's, which
# a single reported number cannot tell apart. The grey band is the ±0.3 points that this project set
# itself as a target before it measured the noise.
#
# ## Findings
#
# Each finding sets two networks' reruns against each other with Welch's t-test, which compares two
# means without assuming that both networks scatter equally. The interval is the 95 % confidence
# interval of the difference of the means: if it leaves out zero, the difference exceeds retraining
# noise and the verdict names the direction; if it holds zero, the two networks cannot be told apart
# with five trainings each. The p-value is the chance, were both networks equally good on average, of
# a t statistic at least this far from zero. With six findings, the chance that at least one of them
# reads "higher" or "lower" by luck alone is about 1 in 4 (1 − 0.95⁶): a verdict with an interval that
# only just leaves out zero is worth a second look.

# %% tags=["nbval-ignore-output"]
dense, dense_two_dropouts, dense_128, lenet, l1l2, dropout, halved = table["network"]
findings = {
    "convolutions against dense layers": compare(lenet, dense, runs),
    "stronger dropout in the dense network": compare(dense_two_dropouts, dense, runs),
    "sizing the dense network": compare(dense_128, dense_two_dropouts, runs),
    "dropout or no regularization": compare(dropout, lenet, runs),
    "a penalty or dropout": compare(dropout, l1l2, runs),
    "halving the dense layers": compare(halved, dropout, runs),
}
verdicts = pd.DataFrame(
    [
        {
            "finding": name,
            "comparison": f"{c.first} against {c.second}",
            "difference of means (points)": c.difference,
            "95 % interval (points)": f"{c.low:+.2f} to {c.high:+.2f}",
            "p (Welch)": c.p_value,
            "verdict": c.verdict,
        }
        for name, c in findings.items()
    ]
)
plots.styled_table(
    verdicts,
    formats={"difference of means (points)": "{:+.2f}", "p (Welch)": "{:.3f}"},
    text_columns=["finding", "comparison", "verdict"],
)

# %% [markdown]
# Read the verdict column first, then the interval: a wide interval that barely holds zero says
# "not shown with five runs", not "equal". Two findings compare more than one change. LeNet against
# the dense network also differs in dropout (none against 0.2) and epochs (60 against 100). And the
# halved network of part 7 trained for 80 epochs (the original's schedule) against part 6's 60: its
# finding measures halving and the longer training together. The sizing finding compares part 3 with
# part 2, not part 1, because part 3 differs from part 1 in dropout as well as width.
#
# How our numbers stand against the original's:

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
inside = table["reference in our 95 % prediction interval"]
test_picks = {
    label: 100 * records[part]["selected"]["test_set_pick"]["test_accuracy"]
    for part, _, label, *_ in ROWS
    if "selected" in records[part]
}
Markdown(
    f"{inside.sum()} of the {len(inside)} reference accuracies fall inside our 95 % prediction interval. "
    f"Of the {len(findings)} findings, {sum(c.verdict != 'within noise' for c in findings.values())} exceed "
    "retraining noise. Picked on the test set, as the original picked its grid winners, our grid cells would score "
    + " and ".join(f"{value:.2f} % ({label})" for label, value in test_picks.items())
    + " in their single grid run."
)

# %% [markdown]
# Two caveats apply to every comparison above. The reruns of a network share its batch order and
# differ in their initial weights and dropout masks, so they may understate the full run-to-run noise
# a little. And the grid parts chose their winners on validation accuracy, while the original chose on
# the test set, which flatters the reported accuracy of the winner; parts 5 and 6 show how much that
# choice mattered there. The reruns of a grid's pick are fresh trainings, so the selection does not
# flatter their mean.
#
# ## How long each part took
#
# The wall time of each part's last run, on the hardware it ran on. The grids keep every finished
# network in a cache, so a grid part that was interrupted and resumed, or rerun after its networks
# were trained, reports only the time of that last run; its page says how many networks came from an
# earlier run's cache.

# %% tags=["nbval-ignore-output"]
pd.DataFrame(
    {
        "wall time of the last run (s)": {part: records[part]["wall_seconds"] for part, *_ in ROWS},
        "hardware": {part: records[part]["environment"]["hardware"] for part, *_ in ROWS},
        "finished (UTC)": {part: records[part]["environment"]["finished_utc"] for part, *_ in ROWS},
    }
)

# %% [markdown]
# A grid part that reports only seconds here trained nothing in its last run: its networks came from
# the cache, and its page says how many. The time to train them from scratch is not in this table.

# %% jupyter={"source_hidden": true} tags=["plumbing"]
save_results(
    run,
    models={},
    comparison=table.to_dict(orient="records"),
    findings=verdicts.to_dict(orient="records"),
)
print("comparison table recorded for the site")
