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
# # Part 14 · Inside the two networks
#
# **What this part shows.** What the two saved networks compute, layer by layer: the patterns their
# first layers respond to, their activations for a few test digits, the pixels each one's decision
# depends on, how each arranges the test digits in its last hidden layer, and which digits each gets
# wrong. Most pictures come with a number measured on all the test digits, to say how far the eye
# can be trusted.
#
# **What it reuses.** The dense network with 128 hidden units saved by part 3 (`MNIST_dense128`) and
# the halved LeNet saved by part 7 (`MNIST_LeNet60`), read back from their `.h5` files as the original
# tutorial saved them. Nothing is trained here.
#
# **The idea to take away.** A trained network re-represents the digits, layer by layer, until
# simple rules separate them. Looking inside shows what each architecture attends to, and measuring
# on all the test digits says how far the pictures can be trusted.
#
# **Run time.** In the box under this header: from scratch, on the machine that built the site. A run
# by hand prints its own at the end. Most of it goes into three UMAP maps (2-D pictures of
# the digits, explained where they appear), which a rerun with the same networks reads back from a cache.

# %% tags=["parameters"]
profile = "full"  # "full": all test digits; "quick": a smoke run on a subset
output_dir = None  # where results go; None: a scratch folder, executed/interactive/
seed = 42  # UMAP's seed
train_size = None  # training digits the k-nearest-neighbour classifiers vote among (None: all 60,000)
test_size = None  # test digits studied (None: all 10,000)
examples_per_group = 2  # digits shown per group (both right, only dense wrong, only LeNet wrong)
ig_steps = 64  # steps of the integrated-gradients path from the black image to the digit
umap_neighbors = 15  # UMAP's n_neighbors: the size of the neighbourhood each point's layout keeps
umap_min_dist = 0.1  # UMAP's min_dist: how tightly points may pack in the map
knn_neighbors = 5  # k of the k-NN classifiers, and the neighbourhood size of the trustworthiness score

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
import itertools
import sys

import numpy as np
import pandas as pd
from absl import logging as absl_logging
from IPython.display import Markdown
from sklearn.manifold import trustworthiness

from helpers import claims, inspection
from helpers import inspection_plots as iplots
from helpers.data import pad_to_32
from helpers.params import start_run
from helpers.results import load_results, model_record, save_results
from helpers.saved_models import load_saved_model
from helpers.statistics import describe_accuracy_gap, describe_gap, mcnemar_p, mean_interval, split_verdict
from helpers.training import prepare_mnist

PART = "14_inside_the_networks"
run = start_run(
    PART,
    globals(),
    chapter="Looking closer: the saved networks",
    summary=(
        "What the two saved networks compute, layer by layer: the patterns their first layers respond to, "
        "their activations for a few test digits, the pixels each one's decision depends on, how each "
        "arranges the test digits in its last hidden layer, and which digits each gets wrong."
    ),
)
# A compiled .h5 model warns, when loaded, that its metrics are built on first use: true and harmless here.
absl_logging.set_verbosity(absl_logging.ERROR)
part3 = load_results(run, "03_dense_sized")
part7 = load_results(run, "07_lenet_halved")

# %% [markdown]
# ## The two networks, read back
#
# `keras.models.load_model` rebuilds each network from its `.h5` file: architecture, weights and the
# compile settings it was saved with (the helper only finds the file and, if it is missing, names the
# part that makes it). The dense network reads the 28x28 digits as they are; LeNet reads them padded
# to 32x32, as in parts 4-7.

# %%
dense = load_saved_model(run, "MNIST_dense128")
lenet = load_saved_model(run, "MNIST_LeNet60")
data = prepare_mnist(train_size, test_size)
print(data.describe())
x_test, y_test = data.x_test, data.y_test
x_test_padded = pad_to_32(x_test)

dense_loss, dense_accuracy = dense.evaluate(x_test, y_test, batch_size=1000, verbose=0)
lenet_loss, lenet_accuracy = lenet.evaluate(x_test_padded, y_test, batch_size=1000, verbose=0)
dense_pred = dense.predict(x_test, batch_size=1000, verbose=0).argmax(axis=1)
lenet_pred = lenet.predict(x_test_padded, batch_size=1000, verbose=0).argmax(axis=1)

# %% tags=["nbval-ignore-output"]
for name, model, accuracy, part, model_name in [
    ("dense network", dense, dense_accuracy, part3, "Dense 128"),
    ("LeNet", lenet, lenet_accuracy, part7, "LeNet, dropout, halved"),
]:
    same_digits = part.get("parameters", {}).get("test_size") == test_size
    verdict = inspection.agreement(accuracy, part["models"][model_name]["test_accuracy"], same_digits=same_digits)
    print(f"{name}: {model.count_params():,} coefficients, test accuracy {accuracy:.2%}, {verdict}")

# %% [markdown]
# On the same test digits, a network read back must score exactly what parts 3 and 7 recorded when they
# trained it: that checks the file holds the very network they measured. (The quick profile studies
# fewer test digits than those parts did, so there the two cannot be compared.)
#
# ## What the first layer looks for
#
# Each of the dense network's 128 hidden units gives one weight to each of the 784 pixels, so its
# weights can be drawn as a 28x28 image: red where ink raises the unit's input, blue where ink lowers
# it. LeNet's first layer has six filters of 3x3 weights, each applied at every position of the image.
# Each part of the figure has one colour scale, centred on zero.

# %% tags=["nbval-ignore-output"]
dense_kernel = dense.get_layer("dense_0").get_weights()[0]
conv_kernel = lenet.get_layer("conv_0").get_weights()[0]
fig = iplots.first_layer_figure(dense_kernel, conv_kernel)

# %% [markdown]
# The weight images at the top hold short strokes, most often in blue (ink there silences the unit)
# with a paler red fringe, each at one fixed place in the frame. They are templates: a unit responds to
# ink falling where it expects it, and only there. Strong weights also line the edges of the frame,
# where the digits rarely reach. LeNet's filters, at the bottom, are bands of one sign next to bands of
# the other sign, horizontal, vertical or diagonal: the pattern of an edge, or of a bar in one
# orientation. They are local detectors, and since each filter slides over the whole image, a stroke is
# detected wherever it is.
#
# Which pixels carry the strong weights? Group the 784 pixels by how often a training digit inks them
# (any value above 0) and average the dense network's |weight| over each group. A pixel that no
# training digit ever inks never receives a gradient, so its weights stay where initialisation drew them.

# %% tags=["nbval-ignore-output"]
inked = (data.x_train > 0).mean(axis=0).ravel()  # share of the training digits that ink each pixel
bands = {
    "never inked": inked == 0,
    "inked in under 0.1 % of digits": (inked > 0) & (inked < 0.001),
    "inked in 0.1-10 %": (inked >= 0.001) & (inked < 0.1),
    "inked in 10 % or more": inked >= 0.1,
}
mean_weight = {band: float(np.abs(dense_kernel[pixels]).mean()) for band, pixels in bands.items() if pixels.any()}
pd.DataFrame(
    {"pixels": {band: int(pixels.sum()) for band, pixels in bands.items()}, "mean |weight|": mean_weight}
).round(3)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
rare, often = mean_weight["inked in 0.1-10 %"], mean_weight["inked in 10 % or more"]
Markdown(
    claims.state(
        "rarely_inked_pixels_carry_the_largest_weights",
        rare > often and rare > mean_weight["never inked"],
        f"The largest weights sit on the pixels that 0.1-10 % of the training digits ink (mean |weight| "
        f"**{rare:.3f}**), not on the often-inked centre ({often:.3f}) nor on the never-inked pixels "
        f"({mean_weight['never inked']:.3f}, their initial values).",
    )
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(
    f"The dense layer spends **{dense.get_layer('dense_0').count_params():,}** coefficients on its templates; "
    f"LeNet's first layer holds **{lenet.get_layer('conv_0').count_params()}**."
)

# %% [markdown]
# ## What the layers compute, digit by digit
#
# The same few test digits serve for the rest of the page: the first digits of the test set that both
# networks get right (of different classes), then the first that only the dense network gets wrong,
# then the first that only LeNet gets wrong. Each row names the true digit and both predictions.
#
# LeNet's feature maps come first: for each digit, the six maps of its first convolution (after the
# ReLU) and the same maps after average pooling. Black is zero, and each layer has one brightness scale
# for all digits, so a brighter map is a stronger response.

# %%
picked = inspection.pick_examples(y_test, dense_pred, lenet_pred, per_group=examples_per_group)
examples = dict(zip(["both right", "only dense wrong", "only LeNet wrong"], picked.values(), strict=True))
shown = np.concatenate(list(examples.values()))
row_labels = [f"#{i}: a {y_test[i]}\ndense {dense_pred[i]}\nLeNet {lenet_pred[i]}" for i in shown]
lenet_maps = inspection.layer_outputs(lenet, ["conv_0", "pool_0", "conv_1", "pool_1", "dense_1"], x_test_padded[shown])
dense_hidden_shown = inspection.layer_outputs(dense, ["dense_0"], x_test[shown])["dense_0"]
pd.DataFrame(
    {"test digits (their index)": [", ".join(f"#{i}" for i in indices) for indices in examples.values()]},
    index=pd.Index(list(examples), name=None),
)

# %% tags=["nbval-ignore-output"]
fig = iplots.feature_maps_figure(
    x_test[shown],
    lenet_maps,
    layout=[["conv_0", "pool_0"]],
    row_labels=row_labels,
    title="LeNet: first convolution and pooling",
)

# %% [markdown]
# Each map is a copy of the digit seen through one filter: a filter that responds to horizontal edges
# lights up along the tops and bottoms of strokes, another along their left or right sides. The
# pooled maps keep the same picture at half the resolution: fine detail is averaged away, and part 11
# measures what that does to a shifted digit.

# %% tags=["nbval-ignore-output"]
fig = iplots.feature_maps_figure(
    x_test[shown],
    lenet_maps,
    layout=[["conv_1"], ["pool_1"]],
    row_labels=row_labels,
    title="LeNet: second convolution and pooling",
)

# %% [markdown]
# The second convolution combines the six first-stage maps, and its maps are sparser: each lights up
# only some pieces of the strokes (horizontal bars in one map, slanted strokes in another), and a few
# stay nearly dark. After pooling, 576 numbers (16 maps of 6x6) describe the digit by which pieces it
# has, and roughly where.
#
# The hidden layers that feed the classifiers, one cell per unit: the dense network's 128 hidden units
# and the 42 of LeNet's last hidden layer, `dense_1`.

# %% tags=["nbval-ignore-output"]
fig = iplots.hidden_strips_figure(
    x_test[shown],
    {"dense network, dense_0": dense_hidden_shown, "LeNet, dense_1": lenet_maps["dense_1"]},
    row_labels=row_labels,
    title="The last hidden layer of each network",
)

# %% [markdown]
# A black cell is a silent unit: a ReLU outputs zero whenever its input is negative. Look down each
# strip: which units fire changes from digit to digit. Averaged over all the test digits of each
# class:

# %% tags=["nbval-ignore-output"]
dense_hidden_test = inspection.layer_outputs(dense, ["dense_0"], x_test)["dense_0"]
lenet_hidden_test = inspection.layer_outputs(lenet, ["dense_1"], x_test_padded)["dense_1"]
dense_means = inspection.class_means(dense_hidden_test, y_test)
lenet_means = inspection.class_means(lenet_hidden_test, y_test)
fig = iplots.class_means_figure(
    {"dense network, dense_0": dense_means, "LeNet, dense_1": lenet_means},
    title="Which hidden units fire for which digit",
)

# %% [markdown]
# Read each picture row by row. A bright stretch along a row is a group of units that fire mostly for
# that digit, like a bank of digit detectors; a column bright in several rows is a unit shared by
# several digits. The dense network's last hidden layer is also its first: its units read the pixels
# themselves. LeNet's `dense_1` sits after two convolutions and another dense layer and reads what
# those computed. Whether that is why the two pictures differ, this page does not test.

# %% [markdown]
# Three numbers for these pictures: the share of units a digit leaves silent, the selectivity of the
# units (the share of a unit's activity that goes to its favourite digit, averaged over the units;
# 10 % would be no preference) and the units that never fire at all.

# %%
layer_numbers = pd.DataFrame(
    {
        "silent on a digit (%)": [100 * inspection.fraction_silent(a) for a in (dense_hidden_test, lenet_hidden_test)],
        "selectivity (%)": [100 * inspection.selectivity(m) for m in (dense_means, lenet_means)],
        "never fire": [inspection.dead_units(a) for a in (dense_hidden_test, lenet_hidden_test)],
    },
    index=["dense network, dense_0", "LeNet, dense_1"],
)
layer_numbers.round(1)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
dense_silent, lenet_silent = layer_numbers["silent on a digit (%)"] / 100
dense_selectivity, lenet_selectivity = layer_numbers["selectivity (%)"] / 100
Markdown(
    f"On average a test digit leaves **{dense_silent:.0%}** of the dense network's hidden units silent and "
    f"**{lenet_silent:.0%}** of LeNet's. A unit gives its favourite digit **{dense_selectivity:.0%}** of its "
    f"activity in the dense network and **{lenet_selectivity:.0%}** in LeNet (10 % would be no preference). "
    f"The dense network's selectivity is {describe_gap(dense_selectivity, lenet_selectivity, margin=0.02)} "
    f"LeNet's."
)

# %% [markdown]
# ## Where each network looks
#
# A saliency map asks which pixels the decision depends on. Two ways, both taken on the class score
# the network predicts (its logit, before the softmax):
#
# * **gradient:** how much the score changes when one pixel gets a little more ink. Fast, but it only
#   describes the network right at the digit;
# * **SmoothGrad** (Smilkov et al., 2017): the gradient averaged over copies of the digit with a
#   little Gaussian noise added (`inspection.smoothgrad`'s defaults): what stays is what the copies
#   share, without the gradient's pixel-to-pixel jitter;
# * **integrated gradients** (Sundararajan et al., 2017): the gradient averaged along the straight
#   path from a black image to the digit, times the pixel's ink. Its values add up to the score of the
#   digit minus the score of the black image, so it shares the score out among the pixels. With a black
#   starting point, a pixel without ink gets nothing: it says which ink mattered, not which empty
#   places did.
#
# In the figure, red marks pixels whose ink raises the predicted class's score and blue those whose ink
# lowers it; each map has its own colour scale. LeNet's maps are cropped from 32x32 back to the 28x28
# digit.

# %%
dense_gradient = inspection.gradient_saliency(dense, x_test[shown], dense_pred[shown])
dense_ig = inspection.integrated_gradients(dense, x_test[shown], dense_pred[shown], steps=ig_steps)
lenet_gradient = inspection.gradient_saliency(lenet, x_test_padded[shown], lenet_pred[shown])[:, 2:-2, 2:-2, 0]
lenet_ig = inspection.integrated_gradients(lenet, x_test_padded[shown], lenet_pred[shown], steps=ig_steps)
dense_smooth = inspection.smoothgrad(dense, x_test[shown], dense_pred[shown], seed=seed)
lenet_smooth = inspection.smoothgrad(lenet, x_test_padded[shown], lenet_pred[shown], seed=seed)[:, 2:-2, 2:-2, 0]

# %% tags=["nbval-ignore-output"]
for name, model, images, ig, predicted in [
    ("dense", dense, x_test[shown], dense_ig, dense_pred[shown]),
    ("LeNet", lenet, x_test_padded[shown], lenet_ig, lenet_pred[shown]),
]:
    gain = inspection.class_scores(model, images, predicted) - inspection.class_scores(
        model, np.zeros_like(images), predicted
    )
    error = np.abs(ig.reshape(len(ig), -1).sum(axis=1) - gain).max() / np.abs(gain).max()
    print(f"{name}: integrated gradients add up to the score gain within {error:.2%} (largest gap, {ig_steps} steps)")
lenet_ig = lenet_ig[:, 2:-2, 2:-2, 0]

# %% [markdown]
# That check is the completeness property above: if the attributions did not add up, the map would be
# sharing out a score that is not the network's.

# %% tags=["nbval-ignore-output"]
fig = iplots.attribution_figure(
    x_test[shown],
    {
        "dense: gradient": dense_gradient,
        "dense: SmoothGrad": dense_smooth,
        "dense: integrated grad.": dense_ig,
        "LeNet: gradient": lenet_gradient,
        "LeNet: SmoothGrad": lenet_smooth,
        "LeNet: integrated grad.": lenet_ig,
    },
    row_labels=row_labels,
    title="Where each network looks, for the class it predicts",
)

# %% [markdown]
# The gradient columns cover the whole frame for both networks: the dense network's is often strongest
# along the edges, far from the digit (ink there would move its score, although digits rarely reach so
# far), and LeNet's is a banded texture over the digit and around it. Integrated gradients keep to the
# ink by construction: their path starts from a black image, so a pixel without ink gets none. Along the
# strokes, the blue stretches are the ink that argued against the class the network chose.
#
# **Do the maps depend on what the network learned?** A saliency method can draw convincing maps
# that mostly show the input, whatever the weights (Adebayo et al., 2018). The check: draw the same
# maps with a copy of each network whose weights are drawn afresh, as before training, and compare.
# The table gives the rank correlation of the two maps' absolute values over each digit's ink pixels
# (Spearman's, the mean over the first test digits, `probe` below; off the ink, integrated gradients are 0 for
# both networks by construction, and those ties alone would make any two maps look alike): near 1,
# the map hardly depends on what the network learned; near 0, it does.

# %% tags=["nbval-ignore-output"]
probe = np.arange(100)
methods = {
    "gradient": lambda model, images, classes: inspection.gradient_saliency(model, images, classes),
    "SmoothGrad": lambda model, images, classes: inspection.smoothgrad(model, images, classes, seed=seed),
    "integrated gradients": lambda model, images, classes: inspection.integrated_gradients(
        model, images, classes, steps=ig_steps
    ),
}
sanity = {}
for network, model, images, predicted in [
    ("dense network", dense, x_test[probe], dense_pred[probe]),
    ("LeNet", lenet, x_test_padded[probe], lenet_pred[probe]),
]:
    untrained = inspection.randomized_copy(model, seed)
    ink = images > 0.1
    sanity[network] = {
        method: inspection.rank_similarity(
            draw(model, images, predicted), draw(untrained, images, predicted), within=ink
        )
        for method, draw in methods.items()
    }
sanity_table = pd.DataFrame(sanity)
sanity_table.round(2)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(
    "- "
    + claims.state(
        "integrated_gradients_share_most_with_an_untrained_network",
        sanity_table.loc["integrated gradients"].min() > sanity_table.loc[["gradient", "SmoothGrad"]].abs().max().max(),
        f"Integrated gradients stay the most alike between the trained and the untrained networks (rank correlation "
        f"{sanity_table.loc['integrated gradients', 'dense network']:.2f} for the dense network, "
        f"{sanity_table.loc['integrated gradients', 'LeNet']:.2f} for LeNet, on the ink): with a black starting "
        "point each value is a gradient times the pixel's ink, and the ink is the same for both. Part of what their "
        "maps show is the digit, not the network.",
    )
    + "\n- "
    + claims.state(
        "gradient_maps_are_the_trained_networks_own",
        sanity_table.loc[["gradient", "SmoothGrad"]].abs().max().max() < 0.1,
        f"The plain gradient's and SmoothGrad's maps are unrelated to the untrained networks' (rank correlations "
        f"between {sanity_table.loc[['gradient', 'SmoothGrad']].min().min():.2f} and "
        f"{sanity_table.loc[['gradient', 'SmoothGrad']].max().max():.2f}): what they show comes from the training.",
    )
)

# %% [markdown]
# How much of each network's gradient falls on the ink or within two pixels of it? Each test digit
# counts once: for each, the share of its gradient's absolute mass in that region, against the share
# of the frame the region covers (what a gradient spread evenly would put there); then the mean over
# the test digits, with its 95 % interval.

# %% tags=["nbval-ignore-output"]
dense_gradients = inspection.gradient_saliency(dense, x_test, dense_pred)
lenet_gradients = inspection.gradient_saliency(lenet, x_test_padded, lenet_pred)[:, 2:-2, 2:-2, 0]
shares = {
    "dense network": inspection.shares_near_ink(dense_gradients, x_test),
    "LeNet": inspection.shares_near_ink(lenet_gradients, x_test),
}
near_ink = {name: mean_interval(share[:, 0]) for name, share in shares.items()}
even = mean_interval(shares["LeNet"][:, 1])
excess = {name: mean_interval(share[:, 0] - share[:, 1]) for name, share in shares.items()}
pd.DataFrame(
    {
        name: {
            "share of |gradient| near the ink": f"{near_ink[name].value:.1%} ({near_ink[name].low:.1%} to "
            f"{near_ink[name].high:.1%})",
            "share of the frame there (even spread)": f"{even.value:.1%}",
            "difference (points)": f"{100 * excess[name].value:+.1f} ({100 * excess[name].low:+.1f} to "
            f"{100 * excess[name].high:+.1f})",
        }
        for name in shares
    }
).T

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(
    f"Ink and its margin cover {even.value:.0%} of a typical frame. "
    + claims.state(
        "lenets_gradient_leans_to_the_ink",
        excess["LeNet"].low > 0,
        f"**{near_ink['LeNet'].value:.0%}** of LeNet's gradient falls there, "
        f"{100 * excess['LeNet'].value:.1f} points more than an even spread would put there (95 % interval "
        f"{100 * excess['LeNet'].low:+.1f} to {100 * excess['LeNet'].high:+.1f}): it leans to the ink, far from all "
        "of it on the strokes. ",
    )
    + claims.state(
        "the_dense_gradient_leans_away_from_the_ink",
        excess["dense network"].high < 0,
        f"The dense network's puts **{near_ink['dense network'].value:.0%}** there, "
        f"{-100 * excess['dense network'].value:.1f} points less than an even spread (95 % interval "
        f"{100 * excess['dense network'].low:+.1f} to {100 * excess['dense network'].high:+.1f}): it leans away from "
        "the ink, towards the empty frame.",
    )
)

# %% [markdown]
# ## How each network arranges the digits
#
# Each network turns a digit into a vector before its last layer decides: 128 numbers for the dense
# network, 42 for LeNet. If the network has learnt to tell the digits apart, digits of the same class
# should lie close together in that space. Two measurements, each against the raw 784 pixels as a
# baseline:
#
# * **k-NN accuracy:** classify each test digit by a vote of its k nearest training digits in that
#   representation: whether digits of one class lie close together there. The networks were trained to
#   separate exactly these classes, so this largely restates each network's own accuracy; the raw-pixel
#   row is the baseline it is read against.
# * **trustworthiness** (scikit-learn's `trustworthiness`, from 0 to 1): how far the k nearest
#   neighbours of each point in the 2-D map are also near it in the representation. It says how much
#   to believe the map. It is shown to two decimals: a UMAP map moves with the last bits of the
#   features it is given (which differ slightly from one TensorFlow run to another), and the score's
#   third decimal moves with it.
#
# The maps are UMAP embeddings of the test digits (McInnes et al., 2018), seeded and cached. In them,
# black circles mark the digits the network misclassifies; in the raw-pixel map, the digits either
# network misclassifies.

# %% tags=["nbval-ignore-output"]
x_train_padded = pad_to_32(data.x_train)
representations = {
    "raw pixels": (data.x_train.reshape(len(data.x_train), -1), x_test.reshape(len(x_test), -1)),
    "dense network, dense_0": (
        inspection.layer_outputs(dense, ["dense_0"], data.x_train)["dense_0"],
        dense_hidden_test,
    ),
    "LeNet, dense_1": (inspection.layer_outputs(lenet, ["dense_1"], x_train_padded)["dense_1"], lenet_hidden_test),
}
scores, embeddings, from_cache = {}, {}, {}
for name, (train_features, test_features) in representations.items():
    embeddings[name], from_cache[name] = inspection.umap_embedding(
        test_features, seed=seed, neighbors=umap_neighbors, min_dist=umap_min_dist
    )
    scores[name] = {
        "dimensions": test_features.shape[1],
        "k-NN accuracy (%)": 100
        * inspection.knn_accuracy(train_features, data.y_train, test_features, y_test, neighbors=knn_neighbors),
        "trustworthiness": trustworthiness(test_features, embeddings[name], n_neighbors=knn_neighbors),
    }
table = pd.DataFrame(scores).T.astype({"dimensions": int})
print(f"UMAP maps from the cache in .cache/embeddings/: {from_cache}", file=sys.stderr)
shown_k = {name: f"{name}, k = {knn_neighbors}" for name in ("k-NN accuracy (%)", "trustworthiness")}
table.round({"k-NN accuracy (%)": 2, "trustworthiness": 2}).rename(columns=shown_k)

# %% tags=["nbval-ignore-output"]
wrong = {"dense network, dense_0": dense_pred != y_test, "LeNet, dense_1": lenet_pred != y_test}
wrong["raw pixels"] = wrong["dense network, dense_0"] | wrong["LeNet, dense_1"]
fig = iplots.embedding_figure(
    [
        (
            f"{name} ({row['dimensions']:.0f} dims)\n{knn_neighbors}-NN accuracy {row['k-NN accuracy (%)']:.2f} %, "
            f"trustworthiness {row['trustworthiness']:.2f}",
            embeddings[name],
            wrong[name],
        )
        for name, row in table.iterrows()
    ],
    y_test,
    title=f"{len(y_test):,} test digits, three representations (UMAP, seed {seed})",
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
knn = table["k-NN accuracy (%)"] / 100
raw, dense_rep, lenet_rep = table.index
Markdown(
    f"A {knn_neighbors}-NN vote among the training digits is **{100 * knn[raw]:.2f} %** accurate in raw pixels, "
    f"**{100 * knn[dense_rep]:.2f} %** in the dense network's 128 hidden units and **{100 * knn[lenet_rep]:.2f} %** "
    f"in LeNet's 42. LeNet's representation scores "
    f"{describe_accuracy_gap(knn[lenet_rep], knn[dense_rep], len(y_test))} the dense network's, which "
    f"scores {describe_accuracy_gap(knn[dense_rep], knn[raw], len(y_test))} raw pixels."
)

# %% [markdown]
# **Layer by layer.** The same k-NN vote, taken after each of LeNet's stages from the pixels to its last
# hidden layer (a *probe*: it reads a layer without training anything on it), beside the dense
# network's two points, pixels and its one hidden layer:

# %% tags=["nbval-ignore-output"]
stage_features = inspection.layer_outputs(lenet, ["pool_1", "dense_0"], x_train_padded)
stage_tests = inspection.layer_outputs(lenet, ["pool_1", "dense_0"], x_test_padded)
ladder = {
    "LeNet": {
        "pixels (784)": table.loc["raw pixels", "k-NN accuracy (%)"],
        **{
            f"{stage} ({stage_tests[stage][0].size})": 100
            * inspection.knn_accuracy(
                stage_features[stage].reshape(len(data.x_train), -1),
                data.y_train,
                stage_tests[stage].reshape(len(x_test), -1),
                y_test,
                neighbors=knn_neighbors,
            )
            for stage in ("pool_1", "dense_0")
        },
        "dense_1 (42)": table.loc["LeNet, dense_1", "k-NN accuracy (%)"],
    },
    "dense network": {
        "pixels (784)": table.loc["raw pixels", "k-NN accuracy (%)"],
        "dense_0 (128)": table.loc["dense network, dense_0", "k-NN accuracy (%)"],
    },
}
pd.DataFrame(
    [(network, layer, value) for network, rows in ladder.items() for layer, value in rows.items()],
    columns=["network", "layer (numbers)", f"{knn_neighbors}-NN accuracy (%)"],
).set_index(["network", "layer (numbers)"]).round(2)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
steps = list(ladder["LeNet"].items())
Markdown(
    "From the pixels to LeNet's last hidden layer the vote goes "
    + " → ".join(f"{value:.2f} %" for _, value in steps)
    + ": "
    + "; ".join(
        f"{later[0].split()[0]} scores {describe_accuracy_gap(later[1] / 100, earlier[1] / 100, len(y_test))} "
        f"{earlier[0].split()[0]}"
        for earlier, later in itertools.pairwise(steps)
    )
    + f". The dense network goes from {steps[0][1]:.2f} % to {ladder['dense network']['dense_0 (128)']:.2f} % in "
    "its one hidden layer. The networks were trained to separate these classes, so a probe of their layers measures "
    "how far along that road each stage is, not a property learned for its own sake."
)

# %% [markdown]
# Look, in the raw-pixel map, for the classes that run into each other (in MNIST, usually 4, 7 and 9,
# and 3, 5 and 8), then for the same classes in the two hidden layers: whether they still touch, and
# where the circled mistakes sit. A circled digit inside another class's island is one the network
# takes for that class.
#
# The trustworthiness column says how far the 2-D pictures can be read as they look: close to 1, a
# point's neighbours in the map are its neighbours in the representation too. Distances *between*
# islands are not measured by it, and UMAP does not preserve them: read the maps for which digits sit
# together, not for how far apart the islands are.
#
# ## The mistakes
#
# Which test digits does each network get wrong, and are they the same ones? The digits only one of
# the two gets wrong decide whether one network errs more than the other. If both were equally likely
# to miss such a digit, it would fall to either side like a fair coin; **McNemar's test** asks how
# unlikely a split as uneven as the one observed would be under that fair coin (its p-value).

# %%
groups = inspection.mistake_groups(y_test, dense_pred, lenet_pred)
groups = {
    "both wrong": groups["both"],
    "only dense wrong": groups["only first"],
    "only LeNet wrong": groups["only second"],
}
pd.DataFrame({"test digits": {name: len(indices) for name, indices in groups.items()}})

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
only_dense, only_lenet = len(groups["only dense wrong"]), len(groups["only LeNet wrong"])
Markdown(
    f"Of the {len(y_test):,} test digits, both networks get **{len(groups['both wrong'])}** wrong. Among the digits "
    f"exactly one of them gets wrong, the dense network misses **{only_dense}** and LeNet **{only_lenet}**: "
    f"{split_verdict(only_dense, only_lenet, names=('dense', 'LeNet'))}."
)

# %% tags=["nbval-ignore-output"]
titles = [f"{y}: D {d}, L {le}" for y, d, le in zip(y_test, dense_pred, lenet_pred, strict=True)]
fig = iplots.grouped_examples(x_test, groups, titles, title="The test digits the networks get wrong")

# %% [markdown]
# The rows are the three groups above, a few digits of each: the top row, digits both networks get
# wrong; the middle row, digits only the dense network misses; the bottom row, digits only LeNet misses.
# Whether a digit is one a person would hesitate over is a judgement this page does not measure.
#
# Which confusions differ most between the two networks (true digit read as predicted digit)?

# %%
pairs = inspection.confusion_differences(y_test, dense_pred, lenet_pred, count=8)
pd.DataFrame(pairs, columns=["true digit", "predicted", "dense", "LeNet"]).set_index(["true digit", "predicted"])

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
true_digit, predicted_digit, dense_count, lenet_count = pairs[0]
Markdown(
    f"The largest difference: a **{true_digit} read as {predicted_digit}**, {dense_count} times by the dense "
    f"network and {lenet_count} by LeNet. Counts this small are single digits: read the table for which "
    "confusions each network makes, not as a measure of which shapes it has learnt."
)

# %% [markdown]
# ## What this part found
#
# Part 8 compared the two networks by their accuracy and their size. Inside them, the difference has a
# shape. The dense network's first layer learns one template per unit, each tied to fixed pixels, and
# its gradient reaches to the edges of the frame. LeNet's first layer learns a handful of small edge
# detectors and applies each one everywhere: the same coefficients serve every position. In both
# networks' last hidden layer, the nearest training digits of a test digit mostly share its class.
# The numbers of this page, in short (the trustworthiness line scores the 2-D maps, not the networks):

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
trust = table["trustworthiness"]
Markdown(
    f"- **{knn_neighbors}-NN accuracy:** raw pixels {100 * knn[raw]:.2f} %, "
    f"dense network {100 * knn[dense_rep]:.2f} %, LeNet {100 * knn[lenet_rep]:.2f} %.\n"
    f"- **Trustworthiness of the 2-D maps:** {trust[raw]:.2f}, {trust[dense_rep]:.2f}, {trust[lenet_rep]:.2f}.\n"
    f"- **Gradient on or near the ink:** dense network {near_ink['dense network'].value:.0%}, "
    f"LeNet {near_ink['LeNet'].value:.0%}, against {even.value:.0%} for an even spread.\n"
    f"- **Saliency against an untrained copy (rank correlation):** gradient "
    f"{sanity_table.loc['gradient', 'dense network']:.2f} / {sanity_table.loc['gradient', 'LeNet']:.2f}, SmoothGrad "
    f"{sanity_table.loc['SmoothGrad', 'dense network']:.2f} / {sanity_table.loc['SmoothGrad', 'LeNet']:.2f}, "
    f"integrated gradients {sanity_table.loc['integrated gradients', 'dense network']:.2f} / "
    f"{sanity_table.loc['integrated gradients', 'LeNet']:.2f} (dense / LeNet).\n"
    f"- **Mistakes on {len(y_test):,} test digits:** {len(groups['both wrong'])} by both, "
    f"{only_dense} by the dense network alone, {only_lenet} by LeNet alone."
)

# %% [markdown]
# ## Try it yourself
#
# 1. How much of the digit does one cell of LeNet's last pooled maps (`pool_1`, 6x6) see? Work back by
#    hand from a `pool_1` cell through `conv_1`, `pool_0` and `conv_0` to the 32x32 input, and say how
#    far apart the patches of neighbouring cells start. Nothing is run.
#
#    *Hint:* a 3x3 convolution widens the patch by 2 cells of the map it reads and a 2x2 pooling by 1,
#    where a cell of the input and of `conv_0` is 1 pixel wide and one of `pool_0` and `conv_1` is 2 (the
#    cell sizes of part 11).
#
#    <details><summary>Answer</summary>
#
#    A cell of `conv_0` sees 3x3 pixels, of `pool_0` 4x4, of `conv_1` 8x8 and of `pool_1` 10x10, and
#    neighbouring `pool_1` cells start 4 pixels apart, so their patches overlap by 6. Cell k covers rows
#    (and columns) 4k to 4k + 9 of the padded input: the six cells span rows 0 to 29, which hold the
#    whole digit (rows 2 to 29). The 576 numbers thus say which pieces a digit has to within a few
#    pixels, the "roughly where" above; a pixel in rows 4 to 25 is seen by two or three cells along each
#    axis.
#
#    </details>
#
# 2. Set `ig_steps = 16` and rerun the part (nothing is trained; the UMAP maps come from the cache if
#    the part has run before). Read the completeness check printed after the saliency cell for both
#    networks, then set the integrated-gradients columns of the figure beside the 64-step ones.
#
#    *Hint:* the gradient is averaged at `ig_steps` + 1 points along the path (the trapezoidal rule), and
#    the check says how far the attributions' sum misses the score gain it should equal.
#
#    <details><summary>Answer</summary>
#
#    The printed gap is the quadrature's error: the further the sum misses the score gain, the less the
#    map is the exact sharing-out of the score the page describes. A small gap is needed but not enough,
#    since the errors of single pixels can cancel in the sum: the figure shows whether the maps also look
#    alike. Any error comes from the stretches of the path where the gradient changes between two sample
#    points, in these ReLU networks where units switch on or off as the ink fades in. The sanity table's
#    integrated-gradients row is computed with the new steps too.
#
#    </details>
#
# 3. On the site's [Try it yourself](try.html) page, point at the digits of these maps, the ringed
#    mistakes among them: do the digits a network confuses look confusable to you?
#
#    *Hint:* pointing at a digit shows it with its label and both networks' answers; try ringed digits
#    where two classes' islands meet, then some inside another class's island.

# %% jupyter={"source_hidden": true} tags=["plumbing"]
models = {}
for label, model, accuracy, loss, part, recorded_as in [
    ("Dense 128 (MNIST_dense128)", dense, dense_accuracy, dense_loss, part3, "Dense 128"),
    ("LeNet, halved (MNIST_LeNet60)", lenet, lenet_accuracy, lenet_loss, part7, "LeNet, dropout, halved"),
]:
    saved = part["models"][recorded_as]
    models[label] = model_record(
        params=model.count_params(),
        test_accuracy=accuracy,
        test_loss=loss,
        epochs=saved["epochs"],
        regularization=saved["regularization"],
        saved_by=part["part"],
    )
inspection.save_maps(run.output_dir, PART, embeddings)  # for the site's interactive map
save_results(
    run,
    models=models,
    representations={name: {k: float(v) for k, v in row.items()} for name, row in table.iterrows()},
    hidden_layers={name: {k: float(v) for k, v in row.items()} for name, row in layer_numbers.iterrows()},
    gradient_near_ink={name: vars(interval) for name, interval in {**near_ink, "even spread": even}.items()},
    saliency_against_an_untrained_copy=sanity,
    mistakes={name: len(indices) for name, indices in groups.items()},
    mcnemar_p=mcnemar_p(only_dense, only_lenet),
    confusion_differences=[dict(zip(["true", "predicted", "dense", "lenet"], p, strict=True)) for p in pairs],
    examples={group: indices.tolist() for group, indices in examples.items()},
    claims=claims.recorded(),
)
