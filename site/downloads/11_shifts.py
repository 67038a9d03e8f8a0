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
# # Part 11 · Shifted digits
#
# **What this part shows.** How the two saved networks, the 128-wide dense network of part 3 and the
# halved LeNet of part 7, read digits moved by a few pixels in any direction, the test the original
# tutorial promised and never ran; then, layer by layer, where LeNet follows a shift and where it
# stops following it.
#
# **What it reuses.** `MNIST_dense128` and `MNIST_LeNet60`, read back from the `.h5` files parts 3
# and 7 saved, with the test accuracies those parts recorded. Nothing is trained here.
#
# **The idea to take away.** A test accuracy describes digits like the test set's and nothing else.
# How far a network tolerates a shift has to be measured, with intervals; a convolution follows a
# shift, but a network built from convolutions is not, for that reason, shift-invariant.
#
# **Run time.** In the box under this header: from scratch, on the machine that built the site. A run
# by hand prints its own at the end. The full profile measures every shift on all 10,000
# test digits; the quick profile on a few hundred.

# %% tags=["parameters"]
profile = "full"  # "full": the complete measurement; "quick": a smoke run on a subset
output_dir = None  # where results go; None: a scratch folder, executed/interactive/
test_size = None  # None: all 10,000 test images, for every measurement
max_shift = 6  # shifts of -max_shift..+max_shift pixels, horizontally and vertically
equivariance_images = 1000  # digits used to measure the equivariance of LeNet's stages

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
import numpy as np
from absl import logging as absl_logging
from IPython.display import Markdown

from helpers import claims
from helpers import robustness as rb
from helpers import robustness_plots as rplots
from helpers.data import load_mnist, scale_pixels
from helpers.params import start_run
from helpers.results import load_results, save_results
from helpers.statistics import accuracy_interval, intervals, paired_difference

PART = "11_shifts"
run = start_run(
    PART,
    globals(),
    chapter="Looking closer: the saved networks",
    summary=(
        "How the two saved networks read digits moved by a few pixels, and where inside LeNet a shift is "
        "followed and where it is lost."
    ),
)
absl_logging.set_verbosity(absl_logging.ERROR)  # "compiled metrics not built yet": we only predict

# %% [markdown]
# ## The two networks, from their `.h5` files
#
# Parts 3 and 7 saved their networks in the legacy HDF5 format of the original tutorial; reading them
# back with `keras.models.load_model` is all a reader of the original would need (`rb.saved_networks`
# finds the two files and, if one is missing, names the part that makes it). The dense network takes a
# 28x28 digit; LeNet takes it zero-padded to 32x32. Every shift below is applied to the 28x28 digit,
# and only then is the digit padded for LeNet, so both networks always see exactly the same pixels.

# %%
dense, lenet = rb.saved_networks(run)
for net in (dense, lenet):
    print(f"{net.name}: input {net.model.input_shape}, {net.model.count_params():,} coefficients")

(_, _), (x_test_raw, y_test_raw) = load_mnist()
x_test, y_test = scale_pixels(x_test_raw[:test_size]), y_test_raw[:test_size]
print(f"test digits: {x_test.shape}")

# %% [markdown]
# First a check that the files give back the networks their parts measured: the accuracy on the
# undistorted test digits, with its 95 % confidence interval. An accuracy is a proportion of digits;
# **Wilson's interval** for a proportion stays inside 0-100 % and, unlike the textbook ± 1.96 standard
# errors, still works for accuracies close to 100 %.

# %% tags=["nbval-ignore-output"]
recorded = {
    "dense": load_results(run, "03_dense_sized")["models"]["Dense 128"],
    "LeNet": load_results(run, "07_lenet_halved")["models"]["LeNet, dropout, halved"],
}
clean = {net.name: net.correct(x_test, y_test) for net in (dense, lenet)}
for name, record in recorded.items():
    print(f"{name}: {accuracy_interval(clean[name])} here; its part recorded {100 * record['test_accuracy']:.2f} %")

# %% [markdown]
# ## Shifts
#
# A shift moves the 28x28 digit a whole number of pixels right or left, down or up; black fills the
# pixels it leaves, and ink pushed past the frame is lost. MNIST fitted each digit into a 20x20 box and
# then put its centre of mass at the centre of the 28x28 frame, so the margins are about 4 pixels, less
# on one side for lopsided digits: beyond 2 or 3 pixels of shift, the tallest digits start to lose rows
# at the top or the bottom. How much of all the test digits' ink stays in the frame:

# %% tags=["nbval-ignore-output"]
shifts = list(range(-max_shift, max_shift + 1))
for d in range(2, max_shift + 1):
    print(
        f"shift {d} px: {100 * rb.ink_kept(x_test, d, 0):.2f} % of the ink stays horizontally, "
        f"{100 * rb.ink_kept(x_test, 0, d):.2f} % vertically"
    )

# %% tags=["nbval-ignore-output"]
grid = rb.shift_grid([dense, lenet], x_test, y_test, shifts)
fig = rplots.shift_heatmaps(
    {name: correct.mean(axis=2) for name, correct in grid.items()},
    shifts,
    title="Accuracy of shifted digits",
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
positions = {name: int((correct.mean(axis=2) >= 0.9).sum()) for name, correct in grid.items()}
Markdown(
    "The bright centre of each map is the set of shifts at which the network still reads most digits; a "
    "shift-invariant network would give a map of one colour. "
    + claims.state(
        "lenet_reads_well_at_more_positions",
        positions["LeNet"] > positions["dense"],
        f"LeNet's centre is the larger: it reads at least 90 % of the digits at {positions['LeNet']} of the "
        f"{len(shifts) ** 2} shifts, the dense network at {positions['dense']}.",
    )
)

# %% tags=["nbval-ignore-output"]
centre = shifts.index(0)
horizontal = {name: intervals(correct[centre, :, :]) for name, correct in grid.items()}
vertical = {name: intervals(correct[:, centre, :]) for name, correct in grid.items()}
fig = rplots.shift_curves(shifts, horizontal, vertical, title="Accuracy of shifted digits, one direction at a time")

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
widest = max(100 * (p.high - p.low) / 2 for curves in (horizontal, vertical) for ps in curves.values() for p in ps)
Markdown(
    "These are the middle row and the middle column of the two maps. The shaded bands are 95 % confidence "
    f"intervals over the {len(y_test):,} test digits, the widest {widest:.1f} points either side of its line: "
    "where the two bands do not touch, the gap is not luck of the test sample."
)

# %%
three = [(-3, 0), (3, 0), (0, -3), (0, 3)]  # (dx, dy): left, right, up, down
at_three = {
    name: np.stack([correct[shifts.index(dy), shifts.index(dx)] for dx, dy in three], axis=1)
    for name, correct in grid.items()
}
gap_3 = paired_difference(at_three["LeNet"], at_three["dense"])
reach = {name: rb.tolerance(shifts, [i.value for i in horizontal[name]], 0.9 * clean[name].mean()) for name in grid}
Markdown(
    f"Moved by 3 pixels (left, right, up or down, pooled), the dense network reads "
    f"**{accuracy_interval(at_three['dense'])}** of the digits and LeNet "
    f"**{accuracy_interval(at_three['LeNet'])}**: LeNet's accuracy is {gap_3.verdict} ({gap_3.points()}, 95 % "
    f"interval {100 * gap_3.low:+.1f} to {100 * gap_3.high:+.1f}). Keeping 90 % of its clean accuracy, the dense "
    f"network tolerates horizontal shifts of up to **{reach['dense']:g} px**, LeNet up to **{reach['LeNet']:g} px**."
)

# %% [markdown]
# ## The same digits, moved step by step
#
# Three test digits moved right by 0 to 6 pixels, with each network's guess and its confidence (the
# softmax probability of the guess): **D** is the dense network, **L** LeNet. Wrong guesses are red and
# crossed.

# %% tags=["nbval-ignore-output"]
examples = np.array([int(np.flatnonzero(y_test == digit)[0]) for digit in (2, 4, 7)])
right = [d for d in shifts if d >= 0]
moved = [rb.shift(x_test[examples], d, 0) for d in right]
fig = rplots.distorted_examples(
    moved,
    y_test[examples],
    [f"{d} px" for d in right],
    {net.name: [net.probabilities(im) for im in moved] for net in (dense, lenet)},
    title="Shifted right",
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
SUBJECT = {"dense": "the dense network", "LeNet": "LeNet"}
farthest = max(right)
far_moved = rb.shift(x_test, farthest, 0)
confidence = {}
for net in (dense, lenet):
    probabilities = net.probabilities(far_moved)
    wrong = probabilities.argmax(axis=1) != y_test
    confidence[net.name] = (wrong.mean(), float(np.median(probabilities.max(axis=1)[wrong])))
Markdown(
    f"These three digits are examples. Over all {len(y_test):,} test digits moved {farthest} pixels right, "
    + claims.state(
        "wrong_answers_given_confidently",
        all(median > 0.5 for _, median in confidence.values()),
        "both networks give most of their wrong answers with more than half of the probability: "
        + ", ".join(
            f"{SUBJECT[name]} misreads {100 * share:.0f} % of them, with a median confidence of "
            f"{100 * median:.0f} % in the wrong digit"
            for name, (share, median) in confidence.items()
        )
        + ". A network's confidence does not tell it that it has never seen a digit in this place.",
        "at least one network gives most of its wrong answers with half of the probability or less.",
    )
)

# %% [markdown]
# ## Where LeNet follows a shift, and where it stops
#
# A convolution applies the same small filter at every position of the image (**weight sharing**),
# and each output looks only at a 3x3 neighbourhood (**local receptive field**). Move the digit, and
# the stroke detectors fire in the same pattern, moved by the same amount: the feature maps are
# *equivariant* to shifts. The dense network has nothing of the kind: each of its 128 neurons has one
# weight per pixel.
#
# Equivariance is not invariance, though. Average pooling replaces each 2x2 block of a map by its
# mean, so after the first pooling a shift of one pixel is half a cell, and after the second a quarter.
# And at the end, `Flatten` lays the 6x6x16 maps out as 576 numbers for dense layers with one weight
# per position, exactly like the dense network's first layer. Two measures, on one scale, say what
# each layer does with a shift. Shift a digit and pass it through LeNet:
#
# * the **equivariance error** compares a layer's maps with the original digit's maps *moved* by the
#   same amount (at the layer's resolution: one cell is 1, 2 or 4 input pixels); 0 means the layer
#   followed the shift exactly. Only layers with maps have it.
# * the **invariance error** compares a layer's output with the original digit's output *as it was*;
#   0 means the layer's output ignores the shift. Every layer has it, the last (`dense_2`, the ten
#   probabilities) included.
#
# Both are relative to the digit's own signal (the layer's output for the digit minus its output for a
# blank image), so 1 means a change as large as the signal itself. Only digits that stay whole in the
# frame at every shift are used, so that no error comes from lost ink.

# %% tags=["nbval-ignore-output"]
stage_names = ["conv_0", "pool_0", "conv_1", "pool_1", "dense_0", "dense_1", "dense_2"]
stage_strides = [1, 2, 2, 4, None, None, None]
stages = rb.feature_maps(lenet.model, stage_names)
whole = np.flatnonzero(rb.stays_whole(x_test, max_shift))[:equivariance_images]
equivariance = np.array([rb.equivariance_error(stages, x_test[whole], dx, 0, stage_strides) for dx in shifts])
invariance = np.array([rb.invariance_error(stages, x_test[whole], dx, 0) for dx in shifts])
cells = {
    name: f"{name} (cell = {stride} px)" if stride else name
    for name, stride in zip(stage_names, stage_strides, strict=True)
}
fig = rplots.shift_error_curves(
    shifts,
    {cells[name]: equivariance[:, k] for k, name in enumerate(stage_names) if stage_strides[k]},
    {cells[name]: invariance[:, k] for k, name in enumerate(stage_names)},
    title=f"What LeNet's layers do with a shift ({len(whole):,} digits that stay whole)",
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
at = {d: dict(zip(stage_names, invariance[shifts.index(d)], strict=True)) for d in (1, 4)}
follows = {d: dict(zip(stage_names, equivariance[shifts.index(d)], strict=True)) for d in (1, 4)}
Markdown(
    "- "
    + claims.state(
        "conv_0_follows_every_shift",
        float(equivariance[:, 0].max()) < 1e-3,
        "The first convolution follows every shift exactly (its equivariance error stays below "
        f"{max(equivariance[:, 0].max(), 1e-4):.4f}); a pooled map follows only the shifts that are whole "
        "multiples of its cell "
        "(2 pixels after the first pooling, 4 after the second) and misses those between cells: the zig-zag.",
    )
    + "\n- "
    + claims.state(
        "pooling_and_dense_layers_change_less_at_one_pixel",
        at[1]["pool_0"] < at[1]["conv_0"]
        and at[1]["pool_1"] < at[1]["conv_1"]
        and at[1]["dense_1"] < at[1]["dense_0"] < at[1]["pool_1"],
        "Following a shift is the opposite of ignoring it: the first convolution's maps change by "
        f"**{at[1]['conv_0']:.2f}** of their signal for a 1-pixel shift. Each pooling lowers the change of the "
        "convolution before it "
        f"(conv_0 {at[1]['conv_0']:.2f} → pool_0 {at[1]['pool_0']:.2f}; conv_1 {at[1]['conv_1']:.2f} → pool_1 "
        f"{at[1]['pool_1']:.2f}), the dense layers lower it further "
        f"({at[1]['dense_0']:.2f}, {at[1]['dense_1']:.2f}), and the ten probabilities move by "
        f"{at[1]['dense_2']:.2f}.",
    )
    + "\n- "
    + claims.state(
        "the_head_changes_its_output_on_a_whole_cell_shift",
        follows[4]["pool_1"] < 1e-3 and at[4]["dense_0"] > 0.5,
        f"At 4 pixels, one whole cell of the last pooled maps, those maps follow the shift exactly "
        f"(equivariance error {follows[4]['pool_1']:.0e}), yet the first dense layer's output changes by "
        f"**{at[4]['dense_0']:.2f}** of its signal and the probabilities by {at[4]['dense_2']:.2f}: the dense "
        "layers read the moved maps as a different input.",
    )
)

# %% [markdown]
# ## What this part found

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
tolerance_found = claims.state(
    "lenet_tolerates_larger_shifts",
    reach["LeNet"] > reach["dense"] and gap_3.verdict == "higher",
    f"LeNet more slowly: moved 3 pixels, the dense network reads {accuracy_interval(at_three['dense'])} of the "
    f"digits and LeNet {accuracy_interval(at_three['LeNet'])}; keeping 90 % of its clean accuracy, the dense "
    f"network tolerates horizontal shifts of up to {reach['dense']:g} px, LeNet up to {reach['LeNet']:g} px.",
    "and LeNet does not tolerate larger shifts than the dense network in this run.",
)
Markdown("* Both networks lose digits as the shift grows, " + tolerance_found)

# %% [markdown]
# * LeNet's convolutions follow a shift exactly and its poolings follow whole cells; each pooling and
#   dense layer changes less than the layer before it for a small shift, but a shift of a whole cell still
#   changes the dense layers' output. Part 13 asks whether training on shifted digits can teach the
#   dense network the same tolerance.

# %% [markdown]
# ## Try it yourself
#
# 1. Set `max_shift = 10`, the largest the parameter check allows, and rerun the part. Nothing is
#    trained, but the shift grid grows from 13 x 13 to 21 x 21 positions, about 2.6 times the
#    predictions. How far must a digit move before each network's accuracy in the one-direction curves
#    comes down to about 10 %?
#
#    *Hint:* read the far ends of the curves beside the lines printed above the heatmaps, which say how
#    much of the ink is still in the frame.
#
#    <details><summary>Answer</summary>
#
#    About 10 % is where a network has stopped reading the digit: answering the same class for nearly
#    every such frame scores that class's share of the test digits, and each class is roughly a tenth of
#    them; a curve clearly below it makes systematic mistakes. Where a curve reaches that floor only
#    after most of the ink has left the frame, the digit is gone rather than misread: compare the two
#    networks with each other there, with their bands. The equivariance figure now uses only the digits
#    that stay whole under 10-pixel shifts, nearly all of them 1s (its title says how many): do not set it
#    beside the page's.
#
#    </details>
#
# 2. Does LeNet treat a vertical shift as it treats a horizontal one? In the cell that computes
#    `equivariance` and `invariance`, pass `0, dx` instead of `dx, 0` in both lines and pick the digits
#    with `rb.stays_whole(x_test, 0, max_shift)`; rerun that cell and the one below it (seconds; nothing
#    is trained). The figure's axis still says "horizontal".
#
#    *Hint:* read the number of digits in the figure's title first: MNIST scaled each digit's longer side,
#    usually its height, to 20 of the frame's 28 pixels.
#
#    <details><summary>Answer</summary>
#
#    The equivariance curves must look as they do for horizontal shifts: `conv_0` at rounding level at
#    every shift, since its filters slide down as they slide across, `pool_0` and `conv_1` exact at even
#    shifts and `pool_1` at ±4 pixels, since the pooling cells are square. The invariance curves are the
#    new measurement: set them beside the page's at 1 and 4 pixels, layer by layer. Read a difference
#    with care: few digits stay whole under a 6-pixel vertical shift, mostly 0s, 2s and 5s, so the digits
#    differ as well as the direction.
#
#    </details>
#
# 3. On the site's [Try it yourself](try.html) page, start from a test digit and move it with the shift
#    sliders: at which shift does each network change its answer, and how do LeNet's feature maps move?
#
#    *Hint:* move one slider at a time; the page also prints what part 11 measured on all the test digits
#    for the same shift.
#
#    <details><summary>Answer</summary>
#
#    When each network changes its answer depends on the digit: one digit is an example, the line from
#    part 11 is the measurement. The first layer's behaviour does not: LeNet's six `conv_0` maps move
#    with the digit pixel for pixel as long as its ink stays in the frame (the first convolution follows
#    every shift exactly, as measured above), while the dense network's first layer has no maps to move:
#    other units answer.
#
#    </details>

# %% jupyter={"source_hidden": true} tags=["plumbing"]
save_results(
    run,
    models={},
    clean={name: vars(accuracy_interval(correct)) for name, correct in clean.items()},
    shift_grid={name: correct.mean(axis=2).tolist() for name, correct in grid.items()},
    shifts=shifts,
    curves={
        name: {
            "shift, horizontal": [vars(i) for i in horizontal[name]],
            "shift, vertical": [vars(i) for i in vertical[name]],
        }
        for name in grid
    },
    at_three={name: vars(accuracy_interval(correct)) for name, correct in at_three.items()},
    equivariance={"stages": stage_names, "shifts": shifts, "digits": len(whole), "error": equivariance.tolist()},
    invariance={"stages": stage_names, "shifts": shifts, "digits": len(whole), "error": invariance.tolist()},
    claims=claims.recorded(),
)
