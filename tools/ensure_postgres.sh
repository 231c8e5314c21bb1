#!/usr/bin/env bash
# Make PostgreSQL's server binaries (initdb, pg_ctl, postgres) available for the tests.
#
# Looks on PATH, then in /usr/lib/postgresql/*/bin (Debian puts them there, off PATH).
# When they are missing and we are root, installs Debian's `postgresql` package
# (apt-get update once, then apt-get install, quietly). Never starts a cluster:
# tests/pg.py starts a throwaway one per test session.
#
# Exit status: 0 when PostgreSQL is available, and also 0 when it is missing and we
# cannot install it (not root, no apt-get): the tests then skip PostgreSQL with a reason.
# With --require (used by .ci/run), a PostgreSQL still missing at the end is an error (1).
set -euo pipefail

require=0
case "${1:-}" in
    --require) require=1 ;;
    "") ;;
    *) echo "usage: $0 [--require]" >&2; exit 2 ;;
esac

# Where Debian installs the server binaries, one folder per major version (overridable for tests).
libdir=${ENSURE_POSTGRES_LIBDIR:-/usr/lib/postgresql}

say() { echo "ensure_postgres: $*"; }

find_bindir() {
    local initdb
    if initdb=$(command -v initdb 2>/dev/null) && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$initdb")"
        return 0
    fi
    local dir
    # Highest major version first.
    for dir in $(ls -d "$libdir"/*/bin 2>/dev/null | awk -F/ '{print $(NF-1) "\t" $0}' | sort -rn | cut -f2); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

if bindir=$(find_bindir); then
    say "PostgreSQL found in $bindir ($("$bindir/postgres" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

missing() {
    say "$*"
    if [ "$require" -eq 1 ]; then
        say "PostgreSQL is required here (--require): failing"
        exit 1
    fi
    say "the tests will skip PostgreSQL (set CI=true to make that an error)"
    exit 0
}

if [ "$(id -u)" -ne 0 ]; then
    missing "PostgreSQL (initdb, pg_ctl) is missing and we are not root, so cannot install it;" \
        "install it with: sudo apt-get install postgresql"
fi
if ! command -v apt-get >/dev/null 2>&1; then
    missing "PostgreSQL (initdb, pg_ctl) is missing and there is no apt-get to install it with"
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp -t ensure_postgres.apt.XXXXXX)
say "PostgreSQL is missing: running apt-get update"
if ! apt-get update -qq >"$log" 2>&1; then
    tail -n 20 "$log" >&2 || true
    missing "apt-get update failed (log above)"
fi
say "installing Debian's postgresql package (apt-get install -y --no-install-recommends postgresql)"
if ! apt-get install -y -qq --no-install-recommends postgresql >>"$log" 2>&1; then
    tail -n 20 "$log" >&2 || true
    missing "apt-get install postgresql failed (log above)"
fi

if bindir=$(find_bindir); then
    say "installed PostgreSQL in $bindir ($("$bindir/postgres" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi
missing "apt-get installed postgresql but initdb/pg_ctl are still not found"
