# The two commands of the README: `make run` (the whole stack on the embedded AWS) and
# `make test` (the test suite). Both create .venv and install the lock (requirements.txt,
# every package pinned with its hashes, required) first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint security deploy-check lock format clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/run_local.py

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The security baseline CI runs: Django's deployment checks under production settings, and
# bandit at medium severity and above (any confidence; waivers are `# nosec BXXX` in place,
# with their reason).
security: $(STAMP)
	DJANGO_SECURE=true DJANGO_DEBUG=false AWS_ENDPOINT_URL= \
	DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/bandit -q -r accounts banners categories ecommerce orders products scripts \
	  --severity-level medium -x '*/migrations/*'

# The CloudFormation of deploy/ (README, "Deploying to AWS"): cfn-lint (the lock's, a
# dependency of moto) and checkov, pinned, in a venv of its own (its dependencies clash with
# the app's pins). Findings are fixed or skipped in the template with their reason.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

deploy-check: $(STAMP) $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
	$(BIN)/cfn-lint deploy/*.yaml
	$(CHECKOV_VENV)/bin/checkov --directory deploy --framework cloudformation --quiet \
	  --compact --skip-download

# Regenerate the lock after changing requirements.in.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.txt requirements.in

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) var
