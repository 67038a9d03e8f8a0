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
# **What this part shows.** The networks of the series side by side: coefficients, regularization
# and test accuracy over ten trainings each, the accuracies the original tutorial reported beside
# ours, and eight findings tested as one family, with the test set's own sampling error counted.
#
# **What it reuses.** Only the results recorded by parts 1-7, the reruns of each network included
# (which test digits each training got right); nothing is trained here.
#
# **The idea to take away.** Two networks differ only when their gap is larger than the gap between
# two trainings of the same network, and several comparisons read together need a stricter bar than
# one alone.

# %% tags=["parameters"]
profile = "full"  # which profile's results to read
output_dir = None  # None: a scratch folder, executed/interactive/ (the build passes executed/<profile>/)

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from helpers import plots
from helpers.comparisons import (
    LEVEL,
    REPRODUCTION_MARGIN,
    compare_family,
    equivalence_p,
    format_p,
    new_test_set_interval,
    prediction_interval,
)
from helpers.params import start_run
from helpers.reruns import Reruns
from helpers.results import load_results, save_results

PART = "08_conclusion"
run = start_run(PART, profile=profile, output_dir=output_dir)

# %% [markdown]
# ## The comparison table
#
# Each row takes its numbers from the results file of the part that trained the network. Every
# network was trained ten more times from other initial weights (in the full profile; the quick
# profile trains two), and the table reports those reruns: their mean, standard deviation, range and
# error rate (the share of the 10,000 test digits they get wrong). The single run each page shows
# beside its curves sits in its own column. Part 5's grid picked a cell with no penalty on `dense_0`,
# so its best cell that does carry one, with its own reruns, has a row too: it has no counterpart in
# the original, which reported only its grid's pick.
#
# The last columns set the original's reported accuracy (one training each, rounded to 0.1 point)
# against ours. "Reproduced" asks a precise question: does one more training of ours land within
# ±0.3 points of the original's number? Two one-sided tests (TOST) answer it: p below 0.05 says yes;
# p above says that agreement is not shown, which is not the same as a difference shown.

# %%
# (part, model name in that part's results, row label, the original's coefficients and accuracy in %)
ROWS = [
    ("01_dense_tutorial", "Dense tutorial", "Dense, TensorFlow tutorial", 407_050, 98.4),
    ("02_dense_regularized", "Dense, two dropouts", "Dense, two dropout layers", 407_050, 98.6),
    ("03_dense_sized", "Dense 128", "Dense, 128 neurons", 101_770, 97.9),
    ("04_lenet", "LeNet", "LeNet (ReLU)", 81_194, 99.1),
    ("05_lenet_l1l2_grid", "LeNet, L1-L2 (selected)", "LeNet, L1-L2 grid's pick", 81_194, 99.1),
    ("05_lenet_l1l2_grid", "LeNet, L1-L2 (best penalised)", "LeNet, best L1-L2 penalty", 81_194, None),
    ("06_lenet_dropout_grid", "LeNet, dropout (selected)", "LeNet, dropout", 81_194, 99.4),
    ("07_lenet_halved", "LeNet, dropout, halved", "LeNet, dropout, halved dense layers", 38_552, 99.2),
]
records = {part: load_results(run, part) for part, *_ in ROWS}


def reruns_of(part: str, name: str) -> Reruns:
    """The reruns a part recorded for its model ``name`` (part 5 records two networks' reruns)."""
    entry = "penalised_reruns" if name.endswith("(best penalised)") else "reruns"
    return Reruns.from_record(records[part][entry])


reruns = {label: reruns_of(part, name) for part, name, label, *_ in ROWS}
runs = {label: 100 * r.test_accuracy for label, r in reruns.items()}
table = pd.DataFrame(
    [
        {
            "network": label,
            "coefficients": records[part]["models"][name]["params"],
            "original's coefficients": ref_params,
            "regularization": records[part]["models"][name]["regularization"],
            "epochs": records[part]["models"][name]["epochs"],
            "runs": len(runs[label]),
            "mean (%)": runs[label].mean(),
            "s.d. (points)": runs[label].std(ddof=1),
            "errors (%)": 100 - runs[label].mean(),
            "lowest (%)": runs[label].min(),
            "highest (%)": runs[label].max(),
            "run on its page (%)": 100 * records[part]["models"][name]["test_accuracy"],
            "original (%)": ref_accuracy,
            "mean − original (points)": None if ref_accuracy is None else runs[label].mean() - ref_accuracy,
            "TOST p": None if ref_accuracy is None else equivalence_p(runs[label], ref_accuracy),
        }
        for part, name, label, ref_params, ref_accuracy in ROWS
    ]
)
table["reproduced within ±0.3 points"] = [
    "—" if p is None or np.isnan(p) else ("yes" if p < 1 - LEVEL else "not shown") for p in table["TOST p"]
]

# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
if profile == "quick":
    display(
        Markdown(
            "> **Quick profile.** These numbers come from a smoke run on a subset of MNIST with a few epochs;"
            " they are not comparable with the original tutorial's, and the sentences below describe this"
            " smoke run only."
        )
    )
plots.styled_table(
    table.drop(columns="original's coefficients"),
    formats={
        "coefficients": "{:,}",
        "mean (%)": "{:.2f}",
        "s.d. (points)": "{:.2f}",
        "errors (%)": "{:.2f}",
        "lowest (%)": "{:.2f}",
        "highest (%)": "{:.2f}",
        "run on its page (%)": "{:.2f}",
        "original (%)": lambda value: "—" if value is None or np.isnan(value) else f"{value:.1f}",
        "mean − original (points)": lambda value: "—" if value is None or np.isnan(value) else f"{value:+.2f}",
        "TOST p": lambda value: "—" if value is None or np.isnan(value) else format_p(value),
    },
    text_columns=["network", "regularization", "reproduced within ±0.3 points"],
)

# %% [markdown]
# The coefficient counts do not depend on training, so they must match the original's exactly:

# %%
with_counterpart = table.dropna(subset=["original (%)"])
matches = with_counterpart["coefficients"] == with_counterpart["original's coefficients"]
print(f"coefficient counts identical to the original's: {int(matches.sum())} of {len(matches)}")

# %% [markdown]
# ## Against the original
#
# Both series scored their networks on the same 10,000 test digits, so what separates our accuracies
# from the original's is the training itself: the random initial weights, the batch order and the
# dropout masks, and the differences between Keras versions. The figure shows each network's mean
# over its reruns, with a whisker over its 95 % prediction interval (where one more training of ours
# would land 19 times in 20: mean ± t·s·√(1 + 1/n)), beside the original's accuracy and the ±0.3-point
# band of the equivalence test.

# %% tags=["nbval-ignore-output"] caption="Our mean accuracy (whisker: 95 % prediction interval); diamond: original."
intervals = {label: prediction_interval(runs[label]) for label in with_counterpart["network"]}
fig = plots.against_reference(
    dict(zip(with_counterpart["network"], with_counterpart["mean (%)"], strict=True)),
    dict(zip(with_counterpart["network"], with_counterpart["original (%)"], strict=True)),
    tolerance=REPRODUCTION_MARGIN,
    noise={label: (high - low) / 2 for label, (low, high) in intervals.items()},
    noise_label="95 % prediction interval for one more training",
    title="Test accuracy: this series against the original tutorial",
)

# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
reproduced = with_counterpart[with_counterpart["reproduced within ±0.3 points"] == "yes"]["network"].tolist()
not_shown = with_counterpart[with_counterpart["reproduced within ±0.3 points"] != "yes"]
grid_rows = [label for part, name, label, _, ref in ROWS if ref is not None and "selected" in name]
Markdown(
    f"**{len(reproduced)} of the {len(with_counterpart)}** accuracies of the original are reproduced within "
    f"±{REPRODUCTION_MARGIN} points (TOST p < 0.05)"
    + (f": {', '.join(reproduced)}. " if reproduced else ". ")
    + (
        "For "
        + ", ".join(
            f"{row['network']} (ours {row['mean (%)']:.2f} %, the original's {row['original (%)']:.1f} %, "
            f"TOST p {format_p(row['TOST p'])})"
            for _, row in not_shown.iterrows()
        )
        + ", agreement within the margin is not shown. "
        if len(not_shown)
        else ""
    )
    + f"Two of the original's numbers carry a selection effect: for {' and '.join(grid_rows)} it reported the "
    "best test score of its 36-cell grid, a maximum of noisy scores that sits above what one more training "
    "of the same network gives; our rows report fresh trainings of a cell picked on validation accuracy."
)

# %% [markdown]
# ## Findings
#
# Eight questions, each a pair of networks: the steps of the original's story, and the two
# comparisons it builds up to, the sized networks against each other and the best of each kind.
# Reading eight tests together, one of them would come out "significant" by luck alone far more often
# than one test in twenty. So they are treated as one family:
#
# - **p (permutation)** asks how often a split of the two networks' trainings into two groups of the
#   same sizes, drawn as if both networks were equally good, gives a gap at least as large as the real
#   one. It counts every possible split and assumes no bell curve. Welch's t-test p sits beside it.
# - **p (Holm)** is the permutation p adjusted for the family by Holm's method, which keeps the chance
#   of even one false verdict among all eight at 5 % at most. The verdict reads it: below 0.05, the
#   verdict names the direction; otherwise "within noise", which means the gap is no larger than ten
#   trainings of each network often show by luck alone, not that the two networks are equal.
# - **interval** is Welch's interval for the difference of the means, each at a level raised so that
#   the eight intervals hold together 95 % of the time (Bonferroni: each misses with 5 % / 8).
# - **on a new test set** counts the second source of noise. Every accuracy here is measured on the
#   same 10,000 test digits, themselves a sample: a training that gets a digit right by a whisker
#   could as well have met a slightly different digit. A two-level bootstrap redraws both the
#   trainings and the test digits (the same digits for both networks) thousands of times; "holds"
#   means its simultaneous interval leaves out zero too, so the verdict would likely stand on a
#   new test set of the same size. The verdict column, without it, speaks for this test set only.
# - **fewer errors** turns the gap into what a user feels: how many of the second network's errors
#   the first one avoids.

# %% tags=["nbval-ignore-output"]
(dense, dense_two_dropouts, dense_128, lenet, l1l2, penalised, dropout, halved) = table["network"]
PAIRS = {
    "convolutions against dense layers": (lenet, dense),
    "stronger dropout in the dense network": (dense_two_dropouts, dense),
    "sizing the dense network": (dense_128, dense_two_dropouts),
    "dropout or no regularization": (dropout, lenet),
    "a penalty or dropout": (dropout, penalised),
    "halving the dense layers": (halved, dropout),
    "sized against sized": (halved, dense_128),
    "best against best": (dropout, dense_two_dropouts),
}
findings = compare_family(PAIRS, runs)
family_level = 1 - (1 - LEVEL) / len(PAIRS)
new_test_set = {
    name: new_test_set_interval(reruns[c.first].test_correct, reruns[c.second].test_correct, level=family_level)
    for name, c in findings.items()
}
holds = {name: low > 0 or high < 0 for name, (low, high) in new_test_set.items()}
verdicts = pd.DataFrame(
    [
        {
            "finding": name,
            "comparison": f"{c.first} against {c.second}",
            "difference (points)": c.difference,
            "errors (%)": f"{c.error_first:.2f} against {c.error_second:.2f}",
            "fewer errors (%)": c.fewer_errors,
            "interval (points)": f"{c.low:+.2f} to {c.high:+.2f}",
            "p (Welch)": c.p_welch,
            "p (permutation)": c.p_permutation,
            "p (Holm)": c.p_adjusted,
            "verdict": c.verdict,
            "on a new test set": ("holds" if holds[name] else "not shown") if c.significant else "—",
        }
        for name, c in findings.items()
    ]
)
plots.styled_table(
    verdicts,
    formats={
        "difference (points)": "{:+.2f}",
        "fewer errors (%)": "{:+.0f}",
        "p (Welch)": format_p,
        "p (permutation)": format_p,
        "p (Holm)": format_p,
    },
    text_columns=["finding", "comparison", "errors (%)", "interval (points)", "verdict", "on a new test set"],
)


# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
def finding_sentence(name: str) -> str:
    """What one finding says, in words, from its numbers."""
    c = findings[name]
    gap = f"{c.difference:+.2f} points, interval {c.low:+.2f} to {c.high:+.2f}, adjusted p {format_p(c.p_adjusted)}"
    if not c.significant:
        return (
            f"- **{name.capitalize()}**: {c.first} and {c.second} cannot be told apart with "
            f"{len(runs[c.first])} and {len(runs[c.second])} trainings ({gap})."
        )
    fewer = f"{abs(c.fewer_errors):.0f} % {'fewer' if c.fewer_errors > 0 else 'more'} errors"
    where = (
        "and the gap would hold on a new test set of the same size"
        if holds[name]
        else "but on a new test set of the same size the gap is not shown: the test digits' own sampling "
        "error is as large as it"
    )
    return (
        f"- **{name.capitalize()}**: {c.first} makes {fewer} than {c.second} ({c.error_first:.2f} % against "
        f"{c.error_second:.2f} % of the test digits; {gap}), {where}."
    )


Markdown(
    f"Of the {len(findings)} findings, **{sum(c.significant for c in findings.values())}** exceed retraining "
    f"noise once adjusted for the family, and **{sum(holds[n] and c.significant for n, c in findings.items())}** "
    "of those would hold on a new test set of the same size.\n\n" + "\n".join(map(finding_sentence, findings))
)

# %% [markdown]
# Three findings compare more than one change. LeNet against the dense network also differs in dropout
# (none against 0.2) and epochs (60 against 100); the sized networks differ in kind, size and epochs
# (80 against 100). The halved network of part 7 trained for 80 epochs (the original's schedule)
# against part 6's 60, so its finding measures halving and the longer training together. The sizing
# finding compares part 3 with part 2, not part 1, because part 3 differs from part 1 in dropout as well
# as width. "Best against best" pairs the networks each kind's story ends on before sizing: the dense
# network with two dropout layers and the dropout LeNet.
#
# Two caveats apply to every comparison above. The reruns of a network share its batch order and
# differ in their initial weights and dropout masks, so they may understate the full run-to-run noise
# a little. And the grids chose their winners on validation accuracy; the reruns of a grid's pick are
# fresh trainings, so the selection does not flatter their mean, but the pick itself is one good cell
# among several (parts 5 and 6 show how many lie within noise of it).

# %% tags=["plumbing"] jupyter={"source_hidden": true}
index_table = {
    "caption": (
        f"From the recorded results of parts 1-7 ({profile} profile). Each network was trained "
        f"{int(table['runs'].min())} more times from other initial weights: the accuracy column gives the mean and "
        "standard deviation of those trainings, the errors column the share of test digits they get wrong. The "
        "original column holds the accuracy the original tutorial reported for one training; the last column says "
        f"whether one more training of ours lands within ±{REPRODUCTION_MARGIN} points of it (an equivalence "
        "test; part 8 explains it)."
    ),
    "columns": [
        "network",
        "coefficients",
        "regularization",
        "epochs",
        "test accuracy (%), mean ± s.d.",
        "errors (%)",
        "original (%)",
        "reproduced within ±0.3 points",
    ],
    "numeric": [1, 3, 4, 5, 6],
    "rows": [
        [
            row["network"],
            f"{row['coefficients']:,}",
            row["regularization"],
            str(row["epochs"]),
            f"{row['mean (%)']:.2f} ± {row['s.d. (points)']:.2f}",
            f"{row['errors (%)']:.2f}",
            "—" if row["original (%)"] is None or np.isnan(row["original (%)"]) else f"{row['original (%)']:.1f}",
            row["reproduced within ±0.3 points"],
        ]
        for _, row in table.iterrows()
    ],
}
save_results(
    run,
    models={},
    comparison=table.replace({np.nan: None}).to_dict(orient="records"),
    findings=verdicts.to_dict(orient="records"),
    index_table=index_table,
)
