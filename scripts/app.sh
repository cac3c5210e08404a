#!/usr/bin/env bash
# Set up (first time only) and run the Parity Lab app: bash scripts/app.sh [streamlit options]
set -euo pipefail
cd "$(dirname "$0")/.."

# requirements.txt names torch's CPU wheel index: where it cannot be reached, pip gives up on it
# in about 2 s with these flags instead of retrying for about 85 s.
PIP_FAST="--retries 0 --timeout 3"

# Create .venv and install requirements.txt, skipping pip when the file is unchanged.
ensure_venv() {
    local stamp=.venv/.requirements-app.sha256 want
    [ -x .venv/bin/python ] || python3 -m venv .venv
    want=$(sha256sum requirements.txt | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
        echo "Installing requirements.txt into .venv (first run takes a few minutes) ..." >&2
        .venv/bin/python -m pip install -qq --disable-pip-version-check $PIP_FAST \
            -r requirements.txt
        echo "$want" > "$stamp"
    fi
}

ensure_venv
exec .venv/bin/streamlit run streamlit_app.py "$@"
