# selfscan: three commands for people (run, test, demo) and a few for developers.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
DEMO_PORT ?= 5001
DEMO_INSTANCE := instance-demo
STAMP  := $(VENV)/.installed

.PHONY: run test demo install compress lint translations messages bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Installing includes the compiled message catalogues, so that a deployment gives English in English,
# and the compressed copies of the static files.
install: $(STAMP) translations compress

# Gzip and brotli copies of every static file, which WhiteNoise serves to browsers that accept them;
# only missing or stale copies are rebuilt (and the app never serves a stale one).
compress: $(STAMP)
	$(BIN)/python -c 'from selfscan.web.static_compression import main; main()'

# Compiled message catalogues are build output; compile them from the committed .po files.
translations: $(STAMP)
	$(BIN)/pybabel compile -d selfscan/translations -f

# Extract Dutch source strings and merge them into the English catalogue (for translators).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o selfscan/translations/messages.pot --no-location --sort-output --project selfscan .
	$(BIN)/pybabel update -i selfscan/translations/messages.pot -d selfscan/translations --no-fuzzy-matching

run: install translations
	$(BIN)/flask --app selfscan init-db
	@echo "selfscan draait op http://127.0.0.1:$(PORT)"
	@echo "Een CCV-account maken: .venv/bin/flask --app selfscan create-user NAAM@hetccv.nl"
	@echo "Eerst rondkijken met voorbeeldgegevens: make demo"
	$(BIN)/flask --app selfscan run --host 127.0.0.1 --port $(PORT)

# A demonstration on its own instance folder and database (instance-demo/, never instance/):
# synthetic rounds, a closed demo round and a CCV demo account; prints the links and password.
demo: install translations
	SELFSCAN_INSTANCE_PATH=$(DEMO_INSTANCE) $(BIN)/flask --app selfscan demo-setup --url http://127.0.0.1:$(DEMO_PORT)
	SELFSCAN_INSTANCE_PATH=$(DEMO_INSTANCE) $(BIN)/flask --app selfscan run --host 127.0.0.1 --port $(DEMO_PORT)

test: install translations
	$(BIN)/ruff check selfscan tests bench wsgi.py
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The load benchmark uses wrk (Debian package) when present, else a slower Python generator;
# as root on Debian, install it first so that runs match docs/performance.md.
bench: install translations
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	  || echo "wrk not installed: bench/load.py uses its Python load generator"; }
	$(BIN)/python bench/run_all.py

# PNGs of the main pages for the README (docs/screenshots/), from the real app on a temporary demo
# instance with Playwright and Debian's Chromium.
screenshots: install translations
	$(BIN)/python docs/screenshots/make_screenshots.py

clean:
	rm -rf $(VENV) instance $(DEMO_INSTANCE) .pytest_cache .hypothesis
