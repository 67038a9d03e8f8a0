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
# **Run time.** On the site, under this header (the build's own, from this part's results file);
# printed at the end of the page when you run it. The full profile measures every shift on all 10,000
# test digits; the quick profile on a few hundred.

# %% tags=["parameters"]
profile = "full"  # "full": the complete measurement; "quick": a smoke run on a subset
output_dir = None  # None: a scratch folder, executed/interactive/ (the build passes executed/<profile>/)
test_size = None  # None: all 10,000 test images, for every measurement
max_shift = 6  # shifts of -max_shift..+max_shift pixels, horizontally and vertically
equivariance_images = 1000  # digits used to measure the equivariance of LeNet's stages

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
import numpy as np
from absl import logging as absl_logging
from IPython.display import Markdown

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

# %% tags=["nbval-ignore-output"] caption="Accuracy (%) for every horizontal and vertical shift; centre: no shift."
grid = rb.shift_grid([dense, lenet], x_test, y_test, shifts)
fig = rplots.shift_heatmaps(
    {name: correct.mean(axis=2) for name, correct in grid.items()},
    shifts,
    title="Accuracy of shifted digits",
)

# %% [markdown]
# Compare the size of the bright centre in the two maps: it is the set of positions where a network
# still reads most digits. A shift-invariant network would give a map of one uniform colour.

# %% tags=["nbval-ignore-output"] caption="Accuracy against horizontal and vertical shifts, 95 % bands."
centre = shifts.index(0)
horizontal = {name: intervals(correct[centre, :, :]) for name, correct in grid.items()}
vertical = {name: intervals(correct[:, centre, :]) for name, correct in grid.items()}
fig = rplots.shift_curves(shifts, horizontal, vertical, title="Accuracy of shifted digits, one direction at a time")

# %% [markdown]
# These are the middle row and the middle column of the two maps. The shaded bands are 95 %
# confidence intervals over the test digits: where the two bands do not touch, the gap is not luck of
# the test sample.

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
# softmax probability of the guess): **d** is the dense network, **L** LeNet. Wrong guesses are red and
# crossed.

# %% tags=["nbval-ignore-output"] caption="Three digits shifted right, each network's guess; red: wrong."
examples = np.array([int(np.flatnonzero(y_test == digit)[0]) for digit in (2, 4, 7)])
right = [d for d in shifts if d >= 0]
moved = [rb.shift(x_test[examples], d, 0) for d in right]
rplots.distorted_examples(
    moved,
    y_test[examples],
    [f"{d} px" for d in right],
    {net.name: [net.probabilities(im) for im in moved] for net in (dense, lenet)},
    title="Shifted right",
)

# %% [markdown]
# Compare the column where each network's guess first turns red, and the confidence it gives its
# wrong answers: a network does not know that it has never seen a digit in this place.

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
# per position, exactly like the dense network's first layer. We can measure where the maps stop
# following a shift: shift a digit, pass it through LeNet's layers, and compare each layer's maps with
# the original digit's maps shifted by the same amount (at the layer's resolution: one cell is 1, 2 or
# 4 input pixels). The error is relative to the digit's own signal: 0 means the layer followed the
# shift exactly, 1 means the difference is as large as the signal itself. Only digits that stay whole
# in the frame at every shift are used, so that no error comes from lost ink. The first dense layer
# has no map to shift: the next figure draws its *invariance* error instead (its output for the
# shifted digit against its output for the original), and it is a different quantity on the same axis.

# %% tags=["nbval-ignore-output"] caption="How far each LeNet stage is from following a horizontal shift."
stage_names = ["conv_0", "pool_0", "conv_1", "pool_1", "dense_0"]
stage_strides = [1, 2, 2, 4, None]
stages = rb.feature_maps(lenet.model, stage_names)
whole = np.flatnonzero(rb.stays_whole(x_test, max_shift))[:equivariance_images]
equivariance = np.array([rb.equivariance_error(stages, x_test[whole], dx, 0, stage_strides) for dx in shifts])
fig = rplots.equivariance_curves(
    shifts,
    {
        f"{name} (cell = {stride} px)" if stride else f"{name} (dense: invariance error)": equivariance[:, k]
        for k, (name, stride) in enumerate(zip(stage_names, stage_strides, strict=True))
    },
    title=f"Where LeNet stops following a shift ({len(whole):,} digits that stay whole)",
)

# %% [markdown]
# Read the figure from the bottom line up. The first convolution follows every shift exactly. A
# pooled map follows only the shifts that are whole multiples of its cell (2 pixels after the first
# pooling, 4 after the second) and misses the ones that fall between cells: a zig-zag.

# %%
row = {d: equivariance[shifts.index(d)] for d in (1, 4)}
Markdown(
    f"For a shift of 4 pixels, one cell of the last pooled maps, the first convolution is off by "
    f"**{row[4][0]:.3f}** and the last pooled maps by **{row[4][3]:.3f}**; the first dense layer's output moves by "
    f"**{row[4][4]:.2f}** of its size. For a shift of 1 pixel the last pooled maps are off by **{row[1][3]:.2f}** "
    f"and the dense layer's output moves by **{row[1][4]:.2f}**."
)

# %% [markdown]
# ## What this part found
#
# * Both networks read digits moved by a pixel or two almost as well as centred ones, and both lose
#   them as the shift grows; the heatmaps and curves above say how fast, network by network.
# * LeNet's convolutions follow a shift exactly and its poolings follow whole cells; what its dense
#   head does with the moved maps is measured, not assumed, in the figure above. Part 13 asks whether
#   training on shifted digits can teach the dense network the same tolerance.

# %% [markdown]
# ## Try it yourself
#
# * Set `max_shift = 10` and rerun: at which shift does each network fall to chance (10 %)?
# * Why does the first convolution's equivariance error stay at zero for every shift, while the pooled
#   maps' zig-zags?
# * On the site's [Try it yourself](try.html) page, draw a digit and shift it with the sliders: at which
#   shift does each network change its answer, and how do LeNet's feature maps move?

# %% tags=["plumbing"] jupyter={"source_hidden": true}
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
)
