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
# regularization and test accuracy, with the accuracies the original tutorial reported beside ours,
# and the findings the numbers support.
#
# **What it reuses.** Only the results recorded by parts 1-7; nothing is trained here.
#
# **The idea to take away.** Two networks differ only when their gap is larger than the gap between
# two trainings of the same network. Every comparison in the series is read that way.

# %% tags=["parameters"]
profile = "full"  # which profile's results to read
output_dir = None  # None: a scratch folder, executed/interactive/ (the build passes executed/<profile>/)
test_size = None  # test images the parts were evaluated on (None: all 10,000), for the standard errors

# %% jupyter={"source_hidden": true} tags=["plumbing"]
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from helpers import plots
from helpers.comparisons import compare, retraining_gap_sd
from helpers.params import start_run
from helpers.results import load_results, save_results

PART = "08_conclusion"
run = start_run(PART, profile=profile, output_dir=output_dir, test_size=test_size)
test_images = 10_000 if test_size is None else test_size

# %% [markdown]
# ## The comparison table
#
# Each row takes its numbers from the results file of the part that trained the network. The last
# two columns hold the original tutorial's reported values (taken from its conclusion table, rounded
# to 0.1 point there) and the difference between ours and theirs, in percentage points. The test set
# is itself a sample of digits: the column "s.e." is the standard error of an accuracy $p$ measured on
# $n$ test images, $\sqrt{p(1-p)/n}$, how far the accuracy on another sample of $n$ new digits could
# move. It says how well each number estimates the network's error rate on digits in general; it is
# not the yardstick for our numbers against the original's, which were measured on the same 10,000
# MNIST test digits (see the figure below).

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
table = pd.DataFrame(
    [
        {
            "network": label,
            "coefficients": records[part]["models"][name]["params"],
            "reference coefficients": ref_params,
            "regularization": records[part]["models"][name]["regularization"],
            "epochs": records[part]["models"][name]["epochs"],
            "test accuracy (%)": 100 * records[part]["models"][name]["test_accuracy"],
            "reference (%)": ref_accuracy,
        }
        for part, name, label, ref_params, ref_accuracy in ROWS
    ]
).set_index("network")
accuracy = table["test accuracy (%)"] / 100
table.insert(
    table.columns.get_loc("test accuracy (%)") + 1,
    "s.e. (points)",
    100 * np.sqrt(accuracy * (1 - accuracy) / test_images),
)
table["difference (points)"] = table["test accuracy (%)"] - table["reference (%)"]

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
if profile == "quick":
    display(
        Markdown(
            "> **Quick profile.** These numbers come from a smoke run on a subset of MNIST with a few epochs;"
            " they are not comparable with the reference tutorial's."
        )
    )
table.style.format(
    {
        "coefficients": "{:,}",
        "reference coefficients": "{:,}",
        "test accuracy (%)": "{:.2f}",
        "s.e. (points)": "{:.2f}",
        "reference (%)": "{:.1f}",
        "difference (points)": "{:+.2f}",
    }
)

# %% [markdown]
# Read the table down its columns. Every LeNet row holds fewer coefficients than any dense row and
# scores higher on the test set. The difference column is ours minus the original's: before reading
# anything into it, set it against the s.e. column and against part 4's rerun scatter, in the figure
# below.
#
# The coefficient counts do not depend on training, so they must match the original's exactly:

# %%
print(
    "coefficient counts identical to the reference:",
    bool((table["coefficients"] == table["reference coefficients"]).all()),
)
print(table["coefficients"].map("{:,}".format).to_string())

# %% [markdown]
# When the first line says True, every network here is the original's, layer for layer, and any
# difference in accuracy comes from training, not from the architecture.
#
# ## Against the original, with the run-to-run noise
#
# Both series scored their networks on the same test digits, so what separates one of our accuracies
# from the original's is the training itself: its random initial weights, batch order and dropout
# masks, and the differences between Keras versions. Part 4 measured the first kind of scatter by
# retraining its LeNet from other initial weights; the whiskers on the LeNet rows reach two of those
# standard deviations either side of our result: the distance by which retraining alone can move a
# LeNet's score. Grey: the original's accuracy ± 0.3 points.

# %% tags=["nbval-ignore-output"]
reruns = records["04_lenet"]["reruns"]
rerun_accuracy = 100 * np.array(reruns["test_accuracy"])
rerun_sd = float(rerun_accuracy.std(ddof=1))
gap_sd = retraining_gap_sd(list(rerun_accuracy))  # the scatter of the gap between two independent trainings
lenet_rows = [label for _, _, label, *_ in ROWS if "LeNet" in label]
fig = plots.against_reference(
    table["test accuracy (%)"].to_dict(),
    table["reference (%)"].to_dict(),
    tolerance=0.3,
    noise={label: 2 * rerun_sd for label in lenet_rows},
    noise_label=f"± 2 s.d. of a LeNet rerun ({len(reruns['test_accuracy'])} reruns, part 4)",
    title="Test accuracy: this series against the original tutorial",
)

# %% [markdown]
# What to look for: whether each of our dots falls inside the grey band around the original's
# diamond and, on the LeNet rows, whether the diamond falls inside our whisker. A diamond inside the
# whisker marks a gap that retraining alone could produce: the two series then agree as closely as
# two trainings of one network can. The dense rows have no whisker, since their run-to-run scatter
# was not measured.
#
# ## Findings

# %% [markdown]
# Each finding sets two rows of the table against each other. The noise band is two standard
# deviations of the gap between two trainings of the same LeNet (part 4's reruns): a difference inside
# it is one that retraining alone could produce. The dense networks' run-to-run scatter was not
# measured, so a comparison with a dense row gets no verdict.

# %% tags=["nbval-ignore-output"]
accuracies = table["test accuracy (%)"].to_dict()
dense, dense_512, dense_128, lenet, l1l2, dropout, halved = table.index
findings = {
    "convolutions against dense layers": compare(lenet, dense, accuracies, gap_sd=None),
    "sizing the dense network": compare(dense_128, dense_512, accuracies, gap_sd=None),
    "a penalty or dropout": compare(dropout, l1l2, accuracies, gap_sd),
    "dropout or no regularization": compare(dropout, lenet, accuracies, gap_sd),
    "halving the dense layers": compare(halved, dropout, accuracies, gap_sd),
}
pd.DataFrame(
    [
        {
            "finding": name,
            "comparison": f"{c.first} against {c.second}",
            "difference (points)": f"{c.difference:+.2f}",
            "noise band (points)": "not measured" if c.band is None else f"±{c.band:.2f}",
            "verdict": c.verdict,
        }
        for name, c in findings.items()
    ]
).set_index("finding")

# %% [markdown]
# Read the verdict column first. The first two findings involve dense rows, whose scatter was not
# measured: their differences are stated, not judged, and the five-network retrainings still to come
# are what will judge them. Among the LeNets, "within noise" means that the two networks compared
# cannot be told apart by one training each. The last finding also compares two training lengths:
# part 7 trained its halved network for more epochs than part 6 trained the full one (the epochs
# column of the table).
#
# How our numbers stand against the original's:

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
gaps = table["difference (points)"].abs()
test_picks = {
    label: 100 * records[part]["selected"]["test_set_pick"]["test_accuracy"]
    for part, _, label, *_ in ROWS
    if "selected" in records[part]
}
Markdown(
    f"{(gaps <= 0.3).sum()} of the {len(gaps)} accuracies are within 0.3 points of the original's; the largest "
    f"gap is **{gaps.max():.2f} points** ({gaps.idxmax()}). Picked on the test set, as the original picked "
    f"its grid winners, ours would score "
    + " and ".join(f"{accuracy:.2f} % ({label})" for label, accuracy in test_picks.items())
    + "."
)

# %% [markdown]
# And how typical part 4's single LeNet run is among its reruns from other initial weights:

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
rerun_mean = rerun_accuracy.mean()
Markdown(
    f"Part 4's LeNet scored {accuracies[lenet]:.2f} %; its {len(rerun_accuracy)} reruns average "
    f"{rerun_mean:.2f} % ({rerun_accuracy.min():.2f} to {rerun_accuracy.max():.2f} %). Our run sits "
    f"{(accuracies[lenet] - rerun_mean) / rerun_sd:+.1f} standard deviations from that mean, the original's "
    f"{table['reference (%)'][lenet]:.1f} % sits {(table['reference (%)'][lenet] - rerun_mean) / rerun_sd:+.1f}."
)

# %% [markdown]
# Within two standard deviations either way, a score is one that a rerun of the same training could
# give; further out, it is a lucky or an unlucky draw, and a comparison built on it inherits the luck.
#
# Two caveats apply to every comparison above. Each row is a single training: one draw of the initial
# weights, the dropout masks and the batch order. Part 4 measured that scatter for LeNet only, with the batch
# order held fixed, so it may understate the full run-to-run noise a little; the dense networks'
# scatter was not measured. A gap between two LeNet rows of less than about two of the standard deviations above is
# within what retraining alone moves. And the grid parts chose their winners on validation accuracy,
# while the original chose on the test set, which flatters the reported accuracy of the winner; parts
# 5 and 6 show how much that choice mattered there.
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
    comparison=table.reset_index().to_dict(orient="records"),
)
print("comparison table recorded for the site")
