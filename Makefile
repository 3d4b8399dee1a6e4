# `make run` sets everything up on first use and runs the baseline scenario; `make test` runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint clean validate bench calibration-example

$(STAMP): pyproject.toml examples/plugins/pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dashboard]'
	# the example plugin (docs/extending.md): CI installs it and runs its tests with the suite
	$(BIN)/pip install --quiet -e examples/plugins
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sim run scenarios/baseline.yaml

test: $(STAMP)
	@sh .ci/ensure-chromium.sh
	$(BIN)/python -m pytest

# Stylized facts on the shipped scenarios and over 20 parameter draws; writes docs/validation.md.
validate: $(STAMP)
	$(BIN)/sim check-facts --workers 2

# `make bench` times sizes M, L, XL, the 2-worker ensemble and the growth sweep, every line side
# by side with the engine of commit BENCH_VS (docs/performance.md); `make bench SIZES=M,L
# BENCH_FLAGS=` for a quick subset, `BENCH_VS=` for this tree alone. b81b59e is the engine before
# the compiled passes (issue 19's first change).
SIZES ?= M,L,XL
BENCH_FLAGS ?= --ensemble --growth
BENCH_VS ?= b81b59e
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --sizes "$(SIZES)" $(BENCH_FLAGS) --vs "$(BENCH_VS)"

# The worked example of examples/calibration/README.md: export -> calibrated scenario -> what-if.
EXAMPLE := results/calibration-example
calibration-example: $(STAMP)
	rm -rf $(EXAMPLE)
	$(BIN)/sim history examples/calibration/export --columns salesforce --out $(EXAMPLE)/history
	$(BIN)/sim calibrate examples/calibration/export --columns salesforce \
	    --scenario scenarios/baseline.yaml --holdout-months 6 --out $(EXAMPLE)/fit
	$(BIN)/sim run $(EXAMPLE)/fit/calibrated.yaml --replicates 5 --out $(EXAMPLE)/as-fitted
	$(BIN)/sim run $(EXAMPLE)/fit/calibrated.yaml --replicates 5 \
	    --set vendors.acme.program.margin=0.15 --out $(EXAMPLE)/margin-15
	$(BIN)/sim compare $(EXAMPLE)/as-fitted $(EXAMPLE)/margin-15 --metric channel_revenue \
	    --metric vendor_net_revenue --metric mean_trust

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) results
