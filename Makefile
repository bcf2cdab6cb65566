# cs109par: two commands on a fresh machine.
#   make lab    set up .venv (first time only) and open the course in JupyterLab
#   make test   set up .venv if missing, then run every test (unit tests + every notebook + slides)
# More: make help

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.cs109par-installed
# Extra JupyterLab flags, e.g. make lab LAB_ARGS="--no-browser --port=8899"
LAB_ARGS ?=
# Jupyter refuses to run as root unless told; containers and CI often are root.
ROOT_FLAG = $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)
# --durations: the slowest steps end every run, so the time budget stays visible.
PYTEST_ARGS ?= --durations=10
NBVAL = --nbval --nbval-current-env --nbval-sanitize-with tests/nbval-sanitize.cfg --nbval-cell-timeout=300

.PHONY: help setup lab run test unit notebooks doctor student grade bench slides clean

help:
	@echo "make lab      set up (first time) and open the course in JupyterLab"
	@echo "make test     set up if needed and run every test (what CI runs)"
	@echo "make run      execute every notebook headless, in place (no browser)"
	@echo "make doctor   check Java, Spark and packages on this machine"
	@echo "make student  write gapped student copies of the notebooks to student/"
	@echo "make grade SUBMISSIONS=\"hand-ins/*.ipynb\"  grade collected copies (runs students' code: see README)"
	@echo "make unit     only the unit tests (tests/)"
	@echo "make notebooks  only nbval over notebooks/ (one: make notebooks NB=04)"
	@echo "make bench    run the benchmarks and print the measured ratios"
	@echo "make slides   build the instructor deck (slides/dist/)"
	@echo "make clean    remove the venv, generated data and build output"

# The venv is (re)built when pyproject.toml changes; a stamp file marks a finished install.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "cs109par needs Python 3.10 or newer; run: make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# JupyterLab setting defaults for the course (no news pop-up, no update check: the course runs offline),
# put where JupyterLab reads them: <venv>/share/jupyter/lab/settings/overrides.json.
LAB_OVERRIDES = $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_OVERRIDES): cs109par/conf/jupyterlab-overrides.json $(STAMP)
	@mkdir -p $(dir $@)
	cp $< $@

setup: $(STAMP) $(LAB_OVERRIDES)

lab: setup
	$(BIN)/python -m cs109par doctor --no-spark || true
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00-setup.ipynb $(ROOT_FLAG) $(LAB_ARGS)

run: setup
	$(BIN)/python -m cs109par execute

doctor: setup
	$(BIN)/python -m cs109par doctor

student: setup
	$(BIN)/python -m cs109par student --out student

# Grade collected notebooks: make grade SUBMISSIONS="hand-ins/*.ipynb" GRADE_ARGS="--hidden ../hidden.yml"
# (writes grades/grades.csv and grades/feedback/). It runs the students' code: README, "For instructors".
SUBMISSIONS ?=
GRADE_ARGS ?=
grade: setup
	@test -n "$(strip $(SUBMISSIONS))" || { echo 'name what to grade: make grade SUBMISSIONS="hand-ins/*.ipynb"'; exit 2; }
	$(BIN)/python -m cs109par grade $(SUBMISSIONS) $(GRADE_ARGS)

bench: setup
	$(BIN)/python -m benchmarks

# The deck: figures (matplotlib), Marp CLI pinned in slides/package-lock.json (npm ci on first use),
# images inlined -> slides/dist/cs109par-slides.html (+ .pdf when Chromium is installed). See slides/README.md.
slides: setup
	$(BIN)/python slides/build.py

# pytest exits 5 when it collected no tests: say so instead of failing obscurely.
# The doctests of cs109par run too (--doctest-modules); tests/test_code_quality.py runs ruff and mypy.
# Two pytest-xdist workers, a file each at a time (--dist loadfile keeps a notebook's cells in order in one
# kernel): much of the run waits on JVMs, kernels and servers starting. TEST_JOBS=0 runs in one process.
TEST_JOBS ?= 2
XDIST = $(if $(filter 0,$(TEST_JOBS)),,-n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder)
test: setup
	@$(BIN)/python -m pytest $(NBVAL) --doctest-modules $(XDIST) $(PYTEST_ARGS) cs109par tests notebooks; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

# The fast inner loop: unit tests and doctests, without the tests that start clusters, servers or kernels.
unit: setup
	$(BIN)/python -m pytest --doctest-modules -m "not slow" $(XDIST) $(PYTEST_ARGS) cs109par tests

# One notebook's nbval: make notebooks NB=04 (a number, or several: NB="04 05")
NB ?=
NB_PATHS = $(if $(NB),$(foreach n,$(NB),$(wildcard notebooks/$(n)-*.ipynb)),notebooks)
notebooks: setup
	@test -n "$(strip $(NB_PATHS))" || { echo "no notebook matches NB=$(NB) (try NB=04)"; exit 2; }
	$(BIN)/python -m pytest $(NBVAL) $(PYTEST_ARGS) $(NB_PATHS)

clean:
	rm -rf $(VENV) data/generated student slides/dist slides/node_modules
