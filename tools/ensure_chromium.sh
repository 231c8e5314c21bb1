#!/usr/bin/env bash
# Make Debian's Chromium and its chromedriver available for the browser tests (tests/browser).
#
# Looks for chromium (or chromium-browser) and chromedriver on PATH. When they are missing and we
# are root, installs Debian's `chromium` and `chromium-driver` packages (apt-get update once,
# then apt-get install, quietly): the two come from one source package, so the driver matches
# the browser's version. Never downloads a browser build of its own.
#
# Exit status: 0 when both are available, and also 0 when they are missing and we cannot
# install them (not root, no apt-get): the browser tests then skip with a reason.
# With --require (used by .ci/run), a Chromium still missing at the end is an error (1).
set -euo pipefail

require=0
case "${1:-}" in
    --require) require=1 ;;
    "") ;;
    *) echo "usage: $0 [--require]" >&2; exit 2 ;;
esac

say() { echo "ensure_chromium: $*"; }

found() {
    local browser
    browser=$(command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null) || return 1
    command -v chromedriver >/dev/null 2>&1 || return 1
    echo "$browser"
}

versions() {
    echo "$("$1" --version 2>/dev/null || echo 'browser version unknown'); $(chromedriver --version 2>/dev/null || echo 'driver version unknown')"
}

if browser=$(found); then
    say "Chromium found at $browser ($(versions "$browser"))"
    exit 0
fi

missing() {
    say "$*"
    if [ "$require" -eq 1 ]; then
        say "Chromium is required here (--require): failing"
        exit 1
    fi
    say "the browser tests will skip (CTA_REQUIRE_BROWSER=1 makes that an error)"
    exit 0
}

if [ "$(id -u)" -ne 0 ]; then
    missing "Chromium or chromedriver is missing and we are not root, so cannot install them;" \
        "install them with: sudo apt-get install chromium chromium-driver"
fi
if ! command -v apt-get >/dev/null 2>&1; then
    missing "Chromium or chromedriver is missing and there is no apt-get to install them with"
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp -t ensure_chromium.apt.XXXXXX)
say "Chromium is missing: running apt-get update"
if ! apt-get update -qq >"$log" 2>&1; then
    tail -n 20 "$log" >&2 || true
    missing "apt-get update failed (log above)"
fi
say "installing Debian's chromium and chromium-driver (apt-get install -y --no-install-recommends)"
if ! apt-get install -y -qq --no-install-recommends chromium chromium-driver >>"$log" 2>&1; then
    tail -n 20 "$log" >&2 || true
    missing "apt-get install chromium chromium-driver failed (log above)"
fi

if browser=$(found); then
    say "installed Chromium at $browser ($(versions "$browser"))"
    exit 0
fi
missing "apt-get installed chromium but chromium or chromedriver is still not found"
