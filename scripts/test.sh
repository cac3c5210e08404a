#!/usr/bin/env bash
# Set up (first time only), check style, the layer contract and the docs, and run every test,
# browser tests included:
#   bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=/usr/bin/chromium

# requirements.txt names torch's CPU wheel index: where it cannot be reached, pip gives up on it
# in about 2 s with these flags instead of retrying for about 85 s.
PIP_FAST="--retries 0 --timeout 3"

# Create .venv and install requirements-test.txt and requirements-ray.txt (the Ray executor's
# tests start a real cluster), skipping pip when the requirements are unchanged.
ensure_venv() {
    local stamp=.venv/.requirements-test.sha256 want
    [ -x .venv/bin/python ] || python3 -m venv .venv
    want=$(cat requirements.txt requirements-test.txt requirements-ray.txt |
        sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
        echo "Installing requirements-test.txt and requirements-ray.txt into .venv" \
            "(first run takes a few minutes) ..." >&2
        .venv/bin/python -m pip install -qq --disable-pip-version-check $PIP_FAST \
            -r requirements-test.txt -r requirements-ray.txt
        echo "$want" > "$stamp"
    fi
}

# The browser tests drive Debian's chromium (Playwright cannot download its own browsers here);
# the fonts make screenshots in test-artifacts/ show text and emoji as a visitor sees them.
FONTS="fonts-liberation fonts-noto-color-emoji"
ensure_chromium() {
    [ -x "$CHROMIUM" ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
        echo "Installing Debian chromium for the browser tests ..." >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq chromium $FONTS > /dev/null
    else
        echo "WARNING: $CHROMIUM is missing and this is not root: the browser tests will fail." >&2
        echo "         Install it with: sudo apt-get install chromium $FONTS" >&2
    fi
}

# Style and structure first: lint, formatting drift, an import that runs up the layers (the
# contract in pyproject.toml) and a broken link or page of the docs fail the run before any test.
check_style() {
    .venv/bin/ruff check --quiet .
    .venv/bin/ruff format --check --quiet .
    .venv/bin/lint-imports --no-logo --no-cache
    check_docs
}

# Build the docs site (mkdocs.yml, docs/) into a temporary folder: --strict turns a missing page,
# link or anchor into a failure (not --quiet: it hides the warnings strict mode counts).
check_docs() {
    local site out status=0
    site=$(mktemp -d)
    out=$(NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir "$site" 2>&1) || status=$?
    rm -rf "$site"
    [ "$status" -eq 0 ] || { echo "$out" >&2; echo "mkdocs build --strict failed" >&2; }
    return "$status"
}

ensure_venv
ensure_chromium
check_style
exec .venv/bin/python -m pytest "$@"
