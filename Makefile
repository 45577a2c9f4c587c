# Two commands matter: `make run` and `make test`. Both set up whatever is missing
# and skip whatever is already up to date.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
INSTALLED := $(VENV)/.installed
SPACY_PIPELINE := models/spacy_nl
SPACY_BUILT := $(SPACY_PIPELINE)/meta.json
MODEL := models/toptraject.tar.gz
WIDGET_BUNDLE := web/static/vendor/rasa-webchat.js
CHART_BUNDLE := web/static/vendor/chart.umd.js
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)

# Quieter TensorFlow and SQLAlchemy start-up noise in every command.
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
# Rasa sends usage data and error reports to its servers unless this is off.
export RASA_TELEMETRY_ENABLED := false

.PHONY: help setup nlu train widget browser services db run cluster test lint validate unit-tests integration-tests \
	unit-tests-postgresql integration-tests-postgresql pytest drills \
	conversation-tests nlu-quality blind-eval integration-then-blind edge-bench load-bench load-bench-short \
	teaching-drill \
	load-bench-cluster bare-bot \
	cross-validation bench lock clean

help:
	@echo "make run    set up, build, train, migrate, seed and start the assistant"
	@echo "make test   set up, build, train and run every check"

setup: $(INSTALLED)

$(INSTALLED): requirements.lock scripts/setup-venv.sh scripts/find-python310.sh
	@scripts/setup-venv.sh
	@touch $@

nlu: $(SPACY_BUILT)

# The spaCy pipeline and bot/language's word lists (models/word_lists).
$(SPACY_BUILT): $(INSTALLED) nlu/build_pipeline.py bot/language/entity_patterns.yml \
		bot/language/word_lists.py bot/language/word_table.py
	$(PY) -m nlu.build_pipeline --output $(SPACY_PIPELINE)

train: $(MODEL)

# The spelling and sentence-features steps change what the models see, so they and the
# language files are inputs of the training; the rule-based spotters (codes, risk
# words) are read at run time.
$(MODEL): $(SPACY_BUILT) $(TRAINING_INPUTS) nlu/spelling.py nlu/sentence_features.py \
		$(wildcard bot/language/*)
	$(RASA) train --config config.yml --domain domain.yml --data data \
		--out models --fixed-model-name toptraject

# The chat widget's and the inbox charts' JavaScript come from the npm registry at
# set-up, never from a CDN.
widget: $(WIDGET_BUNDLE) $(CHART_BUNDLE)

$(WIDGET_BUNDLE) $(CHART_BUNDLE) &: package.json package-lock.json .npmrc
	@command -v npm >/dev/null || { echo "setup: npm is missing; install Node.js 18+ with npm (Debian: apt-get install nodejs npm)"; exit 1; }
	npm ci --no-progress
	mkdir -p $(dir $(WIDGET_BUNDLE))
	cp node_modules/rasa-webchat/lib/index.js $(WIDGET_BUNDLE)
	cp node_modules/chart.js/dist/chart.umd.js $(CHART_BUNDLE)

# Debian's Chromium for the browser tests (scripts/ensure-chromium.sh installs it).
browser:
	@scripts/ensure-chromium.sh >/dev/null

# Debian's PostgreSQL, Redis and nginx for the cluster and its tests (infra/scratch starts
# them in a scratch folder; no system service).
services:
	@scripts/ensure-services.sh

db: $(INSTALLED)
	$(PY) -m bot init-db
	$(PY) -m bot seed-demo

run: train db widget
	$(PY) -m bot run --model $(MODEL)

# INSTANCES Rasa servers and action servers behind nginx, one web app, PostgreSQL and
# Redis (docs/deployment.md); without DATABASE_URL and REDIS_URL it starts its own.
INSTANCES ?= 2
cluster: train widget services
	$(PY) -m bot cluster --instances $(INSTANCES) --model $(MODEL)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Not --fail-on-warnings: responses sent by custom actions count as "unused".
# tests/unit/test_training_data.py holds the stricter checks.
validate: $(SPACY_BUILT)
	$(RASA) data validate --config config.yml --domain domain.yml --data data

# Unit tests need no trained model, so `make test` runs them beside the training
# (Rasa trains on about one core of two).
unit-tests: $(SPACY_BUILT) services
	$(VENV)/bin/pytest tests/unit

# One run, so the integration and browser tests share one started assistant.
integration-tests: train widget browser
	$(VENV)/bin/pytest tests/integration tests/browser

# The same tests on PostgreSQL: every test database, the assistant's domain database and
# Rasa's tracker store on a scratch PostgreSQL server of the run's own.
unit-tests-postgresql: $(SPACY_BUILT) services
	TEST_DATABASE=postgresql $(VENV)/bin/pytest tests/unit

integration-tests-postgresql: train widget browser services
	TEST_DATABASE=postgresql $(VENV)/bin/pytest tests/integration tests/browser

pytest: unit-tests integration-tests

# The drills (tests/drills): over 300 bad inputs, faults (action server paused and
# killed, Rasa killed, the database locked, the webhook failing and slow) and attacks,
# against an assistant of their own; -s prints their counts and recovery times.
drills: train services
	$(VENV)/bin/pytest -s tests/drills

# Teaching the bot end to end (tests/teaching): a labelled message merged into a copy of
# data/, a short training, the held-out and blind benchmarks, the swap refused below the
# bar, and a model swapped over Rasa's HTTP API. About three minutes.
teaching-drill: train
	$(VENV)/bin/pytest -s tests/teaching

# --e2e makes Rasa run NLU on the story text; without it the labelled intent is
# trusted and a misunderstood message would never fail a conversation test.
conversation-tests: train
	$(RASA) test core --model $(MODEL) --stories tests/conversations \
		--out var/conversation-test-results --fail-on-prediction-errors --e2e

# Held-out NLU evaluation; fails below the agreed intent macro F1.
nlu-quality: train
	$(PY) bench/nlu_eval.py --model $(MODEL) --data tests/nlu --min-macro-f1 0.95

# Blind first messages (tests/blind, never trained on) through a running assistant over
# REST; fails below the targets of issue 13 (bench/blind_eval.py).
blind-eval: train
	$(PY) bench/blind_eval.py

# 5-fold cross-validation of intent F1 on the training data: five trainings, about half
# an hour on two cores, so not part of `make test`. Writes bench/results/cross_validation.json.
cross-validation: $(SPACY_BUILT)
	$(PY) bench/cross_validation.py --folds 5

# What a 100 KB message costs, alone and beside other users (bench/results/edge.json).
edge-bench: train
	$(PY) bench/edge.py

# The assistant beside a bare `rasa init` bot (trained once into var/bench/) under
# load, in the same run: latency, throughput, memory, growth along a conversation,
# action database time with 100,000 students (issue 17). About three minutes; writes
# bench/results/load.json. `make test` runs it in its short mode, so it cannot rot.
load-bench: train bare-bot
	$(PY) bench/load.py

# One and two instances of the cluster beside the single assistant and the bare bot
# (issue 18): about six minutes; writes bench/results/load_cluster.json.
load-bench-cluster: train bare-bot services
	$(PY) bench/load_cluster.py

load-bench-short: train bare-bot
	$(PY) bench/load.py --short

# The bare bot is trained once per Rasa version (about a minute, into var/bench/).
bare-bot: $(INSTALLED)
	@$(PY) bench/bare_rasa.py

bench: nlu-quality blind-eval edge-bench load-bench load-bench-cluster

# First the training (the longest step, started first) and beside it everything that
# needs no model, on SQLite and on PostgreSQL; then what needs it, two at a time where the
# two mostly wait (the drills wait for recoveries; the integration tests wait for a
# browser, and the blind benchmark follows them while the drills still run); then the
# load bench alone, as it measures speed.
test:
	@$(MAKE) --no-print-directory -j2 --output-sync=target train lint validate unit-tests widget browser \
		bare-bot unit-tests-postgresql
	@$(MAKE) --no-print-directory -j2 --output-sync=target integration-then-blind drills
	@$(MAKE) --no-print-directory -j2 --output-sync=target conversation-tests nlu-quality \
		integration-tests-postgresql teaching-drill
	@$(MAKE) --no-print-directory load-bench-short

integration-then-blind: integration-tests
	@$(MAKE) --no-print-directory blind-eval

# Re-resolve requirements.in into requirements.lock in a scratch venv.
lock:
	rm -rf var/lock-venv
	"$$(scripts/find-python310.sh)" -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet -r requirements.in
	(echo "# Generated by 'make lock' from requirements.in on Python 3.10. Do not edit by hand."; \
	 var/lock-venv/bin/pip freeze --exclude-editable) > requirements.lock
	rm -rf var/lock-venv

clean:
	rm -rf $(VENV) $(SPACY_PIPELINE) models/word_lists models/*.tar.gz var/* .ruff_cache .pytest_cache \
		node_modules $(dir $(WIDGET_BUNDLE))
