#!/usr/bin/env bash
# Runs the dashboard's browser test: installs playwright-core (pinned in package-lock.json) from
# the npm registry on first use, then drives Debian's Chromium against `approvald demo`.
#   tests/browser/run.sh PATH/TO/approvald [SCREENSHOT_DIR]
set -euo pipefail
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "node is missing: run scripts/setup" >&2; exit 1; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "chromium is missing: run scripts/setup" >&2; exit 1; }
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node dashboard.test.mjs "$@"
