# Chung Tay build entry points. GNU make; needs only python3 on a fresh Debian machine
# (system packages such as Chromium and PostgreSQL are installed by scripts/ensure-system-deps.sh).

PY ?= python3
VENV ?= .venv

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV_ABS := $(abspath $(VENV))
PYBIN := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYBABEL := $(VENV)/bin/pybabel
STAMP := $(VENV)/.installed

# Locales we ship; `make i18n` creates a catalogue for any that lacks one.
LOCALES := vi en
POT := locales/messages.pot
PO_FILES := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k invite -x"`.
PYTEST_ARGS ?=

.PHONY: help venv i18n i18n-compile run test lint migrate lock clean bench

help:
	@echo "Chung Tay - make targets:"
	@echo "  make venv          create $(VENV) from requirements.lock and install the project (editable)"
	@echo "  make run           run the bot (sandbox when TELEGRAM_BOT_TOKEN is empty)"
	@echo "  make test          run the test suite on SQLite, then on a throwaway PostgreSQL"
	@echo "                     (pytest arguments: PYTEST_ARGS=\"...\")"
	@echo "  make lint          ruff check + mypy + hadolint (Dockerfile)"
	@echo "  make bench         run bench/run_all.py and update BENCHMARKS.md (QUICK=1: seconds, no file"
	@echo "                     written; more arguments: BENCH_ARGS=\"...\")"
	@echo "  make migrate       upgrade the database in DATABASE_URL to the newest schema"
	@echo "  make i18n          extract messages, update/init the vi and en catalogues, compile"
	@echo "  make i18n-compile  compile changed .po catalogues to .mo"
	@echo "  make lock          regenerate requirements.lock from pyproject.toml in a fresh venv"
	@echo "  make clean         remove the venv, caches and compiled catalogues"
	@echo "Variables: PY=$(PY) VENV=$(VENV)"

# ------------------------------------------------------------------ virtualenv
venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PY) -m venv $(VENV) || { echo "error: '$(PY) -m venv' failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps -e .
	touch $@

# ------------------------------------------------------------------ translations
# Each .mo depends on its .po, so only changed catalogues are recompiled; a no-op without catalogues.
i18n-compile: $(MO_FILES)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po | $(STAMP)
	$(PYBABEL) compile -i $< -o $@ -l $* -D messages --statistics

i18n: $(STAMP)
	mkdir -p locales
	$(PYBABEL) extract -F babel.cfg -k _ -k t -k gettext -k ngettext:1,2 -k N_ -k pgettext:1c,2 \
		--sort-by-file --width=100 --project=chungtay -o $(POT) bot handlers db
	@set -e; for loc in $(LOCALES); do \
		if [ ! -f locales/$$loc/LC_MESSAGES/messages.po ]; then \
			echo "$(PYBABEL) init -i $(POT) -d locales -D messages -l $$loc"; \
			$(PYBABEL) init -i $(POT) -d locales -D messages --width=100 -l $$loc; \
		fi; \
	done
	$(PYBABEL) update -i $(POT) -d locales -D messages --no-fuzzy-matching --width=100
	@if [ -f bot/i18n_tools.py ]; then \
		echo "$(PYBIN) -m bot.i18n_tools fill-en"; \
		$(PYBIN) -m bot.i18n_tools fill-en; \
	fi
	@# A sub-make re-reads the list of catalogues, which init may just have extended.
	$(MAKE) --no-print-directory i18n-compile VENV=$(VENV) PY=$(PY)

# ------------------------------------------------------------------ everyday targets
run: $(STAMP) i18n-compile
	$(PYBIN) -m bot

test: $(STAMP) i18n-compile
	VENV=$(VENV_ABS) bash scripts/run-tests.sh $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/hadolint Dockerfile

# Benchmarks (not part of `make test`; tests/test_bench_quick.py runs the quick mode).
BENCH_ARGS ?=
bench: $(STAMP) i18n-compile
	$(PYBIN) bench/run_all.py $(if $(QUICK),--quick,) $(BENCH_ARGS)

migrate: $(STAMP)
	$(PYBIN) -m bot.cli migrate

# ------------------------------------------------------------------ maintenance
# Installs the project with [dev] into a throwaway venv and freezes the full transitive set.
lock:
	@set -euo pipefail; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "creating a fresh venv in $$tmp/venv"; \
	$(PY) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/pip" install --quiet -e '.[dev]'; \
	{ \
		echo "# Fully pinned dependency set (runtime + dev) for Chung Tay, installed by 'make venv'."; \
		echo "# Generated from pyproject.toml; do not edit by hand. Regenerate with: make lock"; \
		echo "# (installs the project with [dev] into a fresh venv and runs 'pip freeze --exclude-editable')."; \
		"$$tmp/venv/bin/pip" freeze --exclude-editable; \
	} > "$$tmp/requirements.lock"; \
	mv "$$tmp/requirements.lock" requirements.lock; \
	echo "requirements.lock updated ($$(grep -vc '^#' requirements.lock) packages)"

clean:
	-bash scripts/test-postgres.sh stop >/dev/null 2>&1
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
	rm -f locales/*/LC_MESSAGES/*.mo
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
