# Pansharpen & Adapt: the two commands of the README.
#   make demo  - set up (Debian packages, .venv) and run the main job on the bundled sample (FusionNet +
#                Feature Tailor against direct transfer and the classical default: indices and timings)
#   make test  - set up and run lint, type checks and the whole test suite
PY := .venv/bin/python
DEMO_OUT ?= demo-output

.PHONY: setup demo test lint typecheck pytest bench zip clean

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/demo.sh $(DEMO_OUT)

lint: setup
	$(PY) -m ruff check .

typecheck: setup
	$(PY) -m mypy engine

pytest: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

test: lint typecheck pytest

bench: setup
	$(PY) scripts/bench_classical.py

zip: setup
	bash scripts/build_zip.sh

clean:
	rm -rf $(DEMO_OUT) dist .pytest_cache .mypy_cache .ruff_cache .qgis-settings
