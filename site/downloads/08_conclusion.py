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
# regularization and test accuracy over ten trainings each, the accuracies the original tutorial
# reported beside ours, and eight findings tested as one family, with the test set's own sampling
# error counted.
#
# **What it reuses.** Only the results recorded by parts 1-7, the reruns of each network included
# (which test digits each training got right); nothing is trained here.
#
# **The idea to take away.** Two networks differ only when the gap between their mean accuracies is
# larger than the means of a few trainings of one network show by chance; several comparisons read
# together need a stricter bar than one alone.

# %% tags=["parameters"]
profile = "full"  # which profile's results to read
output_dir = None  # where results go; None: a scratch folder, executed/interactive/

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from helpers import plots
from helpers.params import start_run
from helpers.reruns import Reruns
from helpers.results import load_results, save_results
from helpers.statistics import (
    LEVEL,
    REPRODUCTION_MARGIN,
    compare_family,
    equivalence_p,
    format_p,
    new_test_set_interval,
    prediction_interval,
)

PART = "08_conclusion"
run = start_run(
    PART,
    globals(),
    chapter="The original tutorial, retold",
    summary=(
        "The seven networks of parts 1-7 side by side, the accuracies the original reported beside our reruns', "
        "and the findings tested as one family."
    ),
)

# %% [markdown]
# ## The comparison table
#
# Each row takes its numbers from the results file of the part that trained the network. Every
# network was trained ten more times from other initial weights (in the full profile; the quick
# profile trains two), and the table reports those reruns: their mean, standard deviation, range and
# error rate (the share of the test digits they get wrong). The single run each page shows beside its
# curves sits in its own column.
#
# The last columns set the original's reported accuracy (one training each, rounded to 0.1 point)
# against ours. "Reproduced" asks a precise question: is our network's mean accuracy within ±0.3
# points of the mean the original's set-up gives, counting its number as one training that varies as
# ours do? Two one-sided tests (TOST) answer it: p below 0.05 says yes; p above says that agreement is
# not shown, which is not the same as a difference shown. The margin is the one this series set
# itself before it measured any noise; the original's rounding moves it by up to 0.05 points either way.

# %%
# (part, model name in that part's results, row label, the original's coefficients and accuracy in %)
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
reruns = {label: Reruns.from_record(records[part]["reruns"]) for part, _, label, *_ in ROWS}
runs = {label: 100 * r.test_accuracy for label, r in reruns.items()}

# %% jupyter={"source_hidden": true} tags=["remove-input"]
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
            "mean − original (points)": runs[label].mean() - ref_accuracy,
            "TOST p": equivalence_p(runs[label], ref_accuracy),
        }
        for part, name, label, ref_params, ref_accuracy in ROWS
    ]
)
table["reproduced within ±0.3 points"] = np.where(table["TOST p"] < 1 - LEVEL, "yes", "not shown")

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
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
        "original (%)": "{:.1f}",
        "mean − original (points)": "{:+.2f}",
        "TOST p": format_p,
    },
    text_columns=["network", "regularization", "reproduced within ±0.3 points"],
)

# %% [markdown]
# The coefficient counts do not depend on training, so they must match the original's exactly:

# %% jupyter={"source_hidden": true} tags=["remove-input"]
matches = table["coefficients"] == table["original's coefficients"]
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

# %% tags=["nbval-ignore-output"]
intervals = {label: prediction_interval(accuracies) for label, accuracies in runs.items()}
fig = plots.against_reference(
    {label: accuracies.mean() for label, accuracies in runs.items()},
    {label: original for _, _, label, _, original in ROWS},
    tolerance=REPRODUCTION_MARGIN,
    noise={label: (high - low) / 2 for label, (low, high) in intervals.items()},
    noise_label="95 % prediction interval for one more training",
    title="Test accuracy: this series against the original tutorial",
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
reproduced = table[table["reproduced within ±0.3 points"] == "yes"]["network"].tolist()
not_shown = table[table["reproduced within ±0.3 points"] != "yes"]
grid_rows = [label for _, name, label, *_ in ROWS if "(selected)" in name]
Markdown(
    f"**{len(reproduced)} of the {len(table)}** accuracies of the original are reproduced within "
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
    "best test score of its grid, a maximum of noisy scores that tends to sit above what one more training "
    "of the same network gives, so the test's model (the original's number as one training) does not hold "
    "for these two rows and their p is only indicative. Our rows report fresh trainings of a cell picked on "
    "validation accuracy."
)

# %% [markdown]
# ## Findings
#
# Eight questions, each a pair of networks: the steps of the original's story, and the two
# comparisons it builds up to, the sized networks against each other and the best of each kind.
# Reading eight tests together, the chance that at least one comes out "significant" by luck alone is
# well above one in twenty (about one in three if the tests were independent). So they are treated as
# one family:
#
# - **p (permutation)** asks how often a split of the two networks' trainings into two groups of the
#   same sizes, drawn as if the two networks' trainings were interchangeable (the same distribution of
#   accuracy), gives a gap at least as large as the real one in either direction. It lists every split
#   and assumes no bell curve. Welch's t-test p sits beside it: the classic test of a difference of
#   two means, for groups whose spreads may differ, which assumes roughly bell-shaped accuracies.
# - **p (Holm)** is the permutation p adjusted for the family by Holm's method, which keeps the chance
#   of even one false verdict among all eight at 5 % at most. The verdict reads it: below 0.05, the
#   verdict names the direction; otherwise "within noise": a gap this large arises between two equally
#   good networks often enough, with this many trainings each, that the family-adjusted p is 0.05 or
#   more. It does not mean that the two networks are equal.
# - **interval** is Welch's interval for the difference of the means, each at a level raised so that
#   the eight intervals hold together at least 95 % of the time (Bonferroni: each misses with 5 % / 8;
#   Welch's assumes roughly bell-shaped accuracies). It is a slightly stricter and differently built bar
#   than the verdict's, so in a borderline case the verdict can name a direction while the interval
#   still reaches zero, or the reverse; such a row says "at the edge".
# - **beyond this test set** counts the second source of noise. Every accuracy here is measured on the
#   same 10,000 test digits, themselves a sample of the digits the networks could have been tested on.
#   A second interval, also simultaneous, treats the trainings and the digits as two crossed samples
#   (what both networks find hard cancels, and each part of the noise is counted once). "Holds" means
#   it leaves out zero on the verdict's side: the gap belongs to the networks on digits like these, not
#   only to these 10,000. It is not a promise that a new test set would give a significant result
#   again, and digits from new writers would vary more than this counts. The verdict column, without
#   it, speaks for this test set only.
# - **fewer errors** turns the gap into what a user feels: how many of the second network's errors
#   the first one avoids (a point estimate, shown where the verdict names a direction).

# %% tags=["nbval-ignore-output"]
dense, dense_two_dropouts, dense_128, lenet, l1l2, dropout, halved = runs
PAIRS = {
    "convolutions against dense layers": (lenet, dense),
    "stronger dropout in the dense network": (dense_two_dropouts, dense),
    "sizing the dense network": (dense_128, dense_two_dropouts),
    "dropout or no regularization": (dropout, lenet),
    "dropout or the L1-L2 grid's pick": (dropout, l1l2),
    "halving the dense layers": (halved, dropout),
    "sized against sized": (halved, dense_128),
    "best against best": (dropout, dense_two_dropouts),
}
findings = compare_family(PAIRS, runs)
family_level = 1 - (1 - LEVEL) / len(PAIRS)
beyond = {
    name: new_test_set_interval(reruns[c.first].test_correct, reruns[c.second].test_correct, level=family_level)
    for name, c in findings.items()
}
holds = {name: (low > 0) if findings[name].difference > 0 else (high < 0) for name, (low, high) in beyond.items()}
at_the_edge = {name: (c.low > 0 or c.high < 0) != c.significant for name, c in findings.items()}

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
verdicts = pd.DataFrame(
    [
        {
            "finding": name,
            "comparison": f"{c.first} against {c.second}",
            "difference (points)": c.difference,
            "errors (%)": f"{c.error_first:.2f} against {c.error_second:.2f}",
            "fewer errors": f"{c.fewer_errors:+.0f} %" if c.significant else "—",
            "interval (points)": f"{c.low:+.2f} to {c.high:+.2f}",
            "p (Welch)": c.p_welch,
            "p (permutation)": c.p_permutation,
            "p (Holm)": c.p_adjusted,
            "verdict": c.verdict + (" (at the edge)" if at_the_edge[name] else ""),
            "beyond this test set": ("holds" if holds[name] else "not shown") if c.significant else "—",
        }
        for name, c in findings.items()
    ]
)
plots.styled_table(
    verdicts,
    formats={
        "difference (points)": "{:+.2f}",
        "p (Welch)": format_p,
        "p (permutation)": format_p,
        "p (Holm)": format_p,
    },
    text_columns=["finding", "comparison", "errors (%)", "fewer errors", "interval (points)", "verdict"],
)


# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
def finding_sentence(name: str) -> str:
    """What one finding says, in words, from its numbers."""
    c = findings[name]
    gap = f"{c.difference:+.2f} points, interval {c.low:+.2f} to {c.high:+.2f}, adjusted p {format_p(c.p_adjusted)}"
    edge = " The Welch interval beside it disagrees with the verdict: the finding sits at the family's bar."
    edge = edge if at_the_edge[name] else ""
    if not c.significant:
        return (
            f"- **{name[0].upper() + name[1:]}**: {c.first} and {c.second} are not told apart by "
            f"{len(runs[c.first])} and {len(runs[c.second])} trainings ({gap}).{edge}"
        )
    fewer = f"{abs(c.fewer_errors):.0f} % {'fewer' if c.fewer_errors > 0 else 'more'} errors"
    where = (
        "and the gap holds once the test digits are counted as a sample too"
        if holds[name]
        else "but once the test digits are also counted as a sample the interval reaches zero, so the gap is "
        "not shown beyond this test set"
    )
    return (
        f"- **{name[0].upper() + name[1:]}**: {c.first} makes {fewer} than {c.second} ({c.error_first:.2f} % against "
        f"{c.error_second:.2f} % of the test digits; {gap}), {where}.{edge}"
    )


Markdown(
    f"Of the {len(findings)} findings, **{sum(c.significant for c in findings.values())}** exceed retraining "
    f"noise once adjusted for the family, and **{sum(holds[n] and c.significant for n, c in findings.items())}** "
    "of those hold beyond this test set.\n\n" + "\n".join(map(finding_sentence, findings))
)

# %% [markdown]
# ### In plain words
#
# The same findings without the statistics (the site also shows them at the top of this page and on the
# front page):

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
PLAIN_NAMES = dict(
    zip(
        table["network"],
        [
            "the tutorial's dense network",
            "the dense network with two dropout layers",
            "the dense network cut to 128 neurons",
            "LeNet",
            "LeNet with the L1-L2 grid's pick",
            "LeNet with dropout",
            "LeNet with dropout and halved dense layers",
        ],
        strict=True,
    )
)


def in_plain_words(name: str) -> str:
    """One finding as a sentence without statistics: who makes how many fewer errors, or that they tie."""
    c = findings[name]
    first, second = PLAIN_NAMES[c.first], PLAIN_NAMES[c.second]
    if not c.significant:
        return (
            f"{first[0].upper() + first[1:]} and {second} cannot be told apart: with {len(runs[c.first])} "
            "trainings each, the gap between them is within what training luck alone produces."
        )
    more_or_fewer = "fewer" if c.fewer_errors > 0 else "more"
    return (
        f"{first[0].upper() + first[1:]} makes {abs(c.fewer_errors):.0f} % {more_or_fewer} errors than {second} "
        f"({c.error_first:.2f} % of the test digits against {c.error_second:.2f} %)."
    )


plain = [in_plain_words(name) for name in findings]
Markdown("\n".join(f"- {sentence}" for sentence in plain))

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
pick = records["05_lenet_l1l2_grid"]["selected"]["point"]
alike = findings["dropout or no regularization"], findings["dropout or the L1-L2 grid's pick"]
agree = alike[0].verdict == alike[1].verdict
Markdown(
    f"Part 5's grid picked λ1 = {pick['l1']:g}, λ2 = {pick['l2']:g} on `dense_0`"
    + (
        ": its pick carries only the fixed mild penalty on `dense_1` that every cell of the grid shares, so "
        '"dropout or the L1-L2 grid\'s pick" asks nearly what "dropout or no regularization" asks, with '
        "other trainings. "
        if pick["l1"] == 0 and pick["l2"] == 0
        else ', a penalty on `dense_0`, so "dropout or the L1-L2 grid\'s pick" sets dropout against a penalty. '
    )
    + (
        "The two findings agree."
        if agree
        else f"The two findings disagree (adjusted p {format_p(alike[0].p_adjusted)} against "
        f"{format_p(alike[1].p_adjusted)}): the gap sits near the family's bar, where {len(runs[dropout])} "
        "trainings of each network can fall on either side of it."
    )
)

# %% [markdown]
# Four findings compare more than one change. Every LeNet reads the digits padded to 32x32 and every
# dense network reads them at 28x28, so the three findings that set a LeNet against a dense network
# measure the padding too. LeNet against the dense network also differs in dropout (none against 0.2)
# and epochs (60 against 100); the sized networks differ in kind, size, dropout and epochs (80
# against 100). "Best against best" pairs the networks each kind's story ends on before sizing, the
# dropout LeNet and the dense network with two dropout layers: they differ in kind, in where their
# dropout acts and how strongly, and in epochs (60 against 100). The halved network of part 7 trained
# for 80 epochs (the original's schedule) against part 6's 60, so its finding measures halving and the
# longer training together. The sizing finding compares part 3 with part 2, not part 1, because part 3
# differs from part 1 in dropout as well as width.
#
# Two caveats apply to every comparison above. The reruns of a network share one batch order (the
# grid runner's, drawn from the part's seed; not the page's own run's) and differ in their initial
# weights and dropout masks, so they may understate the full run-to-run noise, by an amount not
# measured here. And the grids chose their winners on validation accuracy; the reruns
# of a grid's pick are fresh trainings, so the selection does not flatter their mean, but the pick
# itself is one good cell among several (parts 5 and 6 show how many lie within noise of it).
#
# ## Beyond the original
#
# Why does LeNet win? Part 9 writes its first convolution as the dense layer it is and separates what
# locality and weight sharing each buy, by experiment; part 10 measures what the convolution costs and
# buys elsewhere: test error against the number of training digits, arithmetic and time per digit, and
# the same comparisons on the harder Fashion-MNIST. Parts 11-14 take the two saved networks further:
# shifted and distorted digits, training on shifted digits, and what the layers compute.

# %% [markdown]
# ## Try it yourself
#
# 1. Run the part by hand (seconds; it reads `executed/interactive/results/` before the published results,
#    so move any by-hand runs of parts 1-7 aside first). Pick one finding, say "convolutions against dense
#    layers", and compute its difference of means and its "fewer errors" from the two rows of the comparison
#    table; check both against the findings table.
#
#    *Hint:* a row's error rate is 100 − its mean, and "fewer errors" is the share of the second network's
#    errors that the first one avoids.
#
#    <details><summary>Answer</summary>
#
#    The difference is the first network's mean minus the second's (LeNet (ReLU) minus Dense, TensorFlow
#    tutorial here); `compare_family` computes it from the same trainings, so the two agree up to the
#    tables' rounding. "Fewer errors" is 100 × (errors of the second − errors of the first) / errors of the
#    second, which is why a small gap in accuracy can be a large share of the errors.
#
#    </details>
#
# 2. The verdicts read the permutation p rather than Welch's: Welch's test assumes roughly bell-shaped
#    accuracies, which ten trainings per network are too few to check, while the permutation test assumes
#    nothing about their shape. Adjust the Welch column yourself with `holm` from `helpers.statistics`,
#    `holm([c.p_welch for c in findings.values()])`: would any verdict change?
#
#    *Hint:* ten trainings against ten split into two groups in C(20, 10) = 184,756 ways, and the observed
#    split and its mirror image always count, so the permutation p cannot go below 2 / 184,756 ≈ 1.1 × 10⁻⁵.
#
#    <details><summary>Answer</summary>
#
#    Holm multiplies the smallest of the eight p by 8, the next by 7 and so on, never letting an adjusted p
#    fall below the one before it. A verdict would change only for a finding whose adjusted Welch p and
#    adjusted permutation p lie on different sides of 0.05, so look at the findings near that bar. Far from
#    it, Welch's p can be much smaller than the permutation p, which sits at its floor: that is the
#    resolution of ten trainings against ten, not a weaker result.
#
#    </details>
#
# 3. Why can a row read "not shown" although its mean lies close to the original's? Work out the largest
#    standard deviation with which ten trainings could show equivalence within ±0.3 points even if our mean
#    equalled the original's exactly, and set it beside the s.d. column. Check it on made-up runs:
#    `z = (np.arange(10) - 4.5) / np.arange(10).std(ddof=1)` holds ten values of mean 0 and standard
#    deviation 1, and `equivalence_p(99.1 + s * z, 99.1)` tests them for a few values of `s`. Nothing is
#    trained.
#
#    *Hint:* the test counts the original's number as one more training, spread s·√(1 + 1/n), and needs
#    both one-sided bounds of the gap inside the margin (Student's t with 9 degrees of freedom: 1.833).
#
#    <details><summary>Answer</summary>
#
#    With a gap of 0, p < 0.05 needs 0.3 > 1.833 × s × √1.1, that is s below about 0.156 points. A network
#    whose ten trainings spread more than that cannot be shown to reproduce one reported number within
#    ±0.3 points, however close the means: the reported number is a single training, as uncertain as one
#    of ours. "Not shown" then describes the noise, not a difference.
#
#    </details>

# %% jupyter={"source_hidden": true} tags=["plumbing"]
index_table = {
    "title": "The networks of parts 1-7 against the original's",
    "caption": (
        f"From the recorded results of parts 1-7 ({profile} profile). Each network was trained "
        f"{int(table['runs'].min())} more times from other initial weights: the accuracy column gives the mean and "
        "standard deviation of those trainings, the errors column the share of test digits they get wrong. The "
        "original column holds the accuracy the original tutorial reported for one training; the last column says "
        f"whether our mean lies within ±{REPRODUCTION_MARGIN} points of the original's set-up (an equivalence "
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
            f"{row['original (%)']:.1f}",
            row["reproduced within ±0.3 points"],
        ]
        for _, row in table.iterrows()
    ],
}
save_results(
    run,
    models={},
    comparison=table.to_dict(orient="records"),
    findings=verdicts.to_dict(orient="records"),
    in_plain_words=plain,
    index_table=index_table,
)
