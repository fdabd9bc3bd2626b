# Shortcuts for contributors; the README's two commands need nothing but Python and pip.
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: test lint messages drift

test:
	$(BIN)/python -m pytest

lint:
	$(BIN)/ruff check . && $(BIN)/mypy

# Re-extract the interface strings and merge them into the be/ru catalogues.
messages:
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k NP_:1,2 --no-location --sort-output --omit-header \
		-o registry/locale/messages.pot .
	$(BIN)/pybabel update -i registry/locale/messages.pot -d registry/locale \
		--ignore-obsolete --no-fuzzy-matching --width 100

# A new auto migration must come out empty.
drift:
	PICCOLO_CONF=registry.piccolo_conf $(BIN)/piccolo migrations new all --auto
