#!/usr/bin/env bash
# Runs the test suite twice: on SQLite, then on a throwaway PostgreSQL (scripts/test-postgres.sh).
# Both runs always happen; the script fails if either failed. Arguments go to pytest.
#   VENV=path/to/venv scripts/run-tests.sh [pytest args...]
# Sets for pytest: CHUNGTAY_TEST_DB=sqlite|postgresql, and CHUNGTAY_TEST_DATABASE_URL for PostgreSQL.
set -euo pipefail

VENV="${VENV:-.venv}"
case "$VENV" in
    /*) ;;
    *) VENV="$PWD/$VENV" ;;
esac
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

PYTHON="$VENV/bin/python"
[ -x "$PYTHON" ] || { echo "run-tests: no Python at $PYTHON (run 'make venv' first)" >&2; exit 1; }

bash scripts/ensure-system-deps.sh

failed=()

# run_pytest LABEL ENV... -- PYTEST-ARGS...
run_pytest() {
    local label="$1"
    shift
    local envs=()
    while [ "$1" != "--" ]; do
        envs+=("$1")
        shift
    done
    shift
    echo
    echo "== tests on $label =="
    local rc=0
    env -u CHUNGTAY_TEST_DB -u CHUNGTAY_TEST_DATABASE_URL "${envs[@]}" "$PYTHON" -m pytest "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "run-tests: pytest collected no tests on $label - counted as a failure" >&2
        failed+=("$label")
    elif [ "$rc" -ne 0 ]; then
        echo "run-tests: tests on $label failed (pytest exit code $rc)" >&2
        failed+=("$label")
    fi
}

run_pytest SQLite CHUNGTAY_TEST_DB=sqlite -- "$@"

trap 'bash "$REPO/scripts/test-postgres.sh" stop || true' EXIT
if bash scripts/test-postgres.sh start; then
    run_pytest PostgreSQL CHUNGTAY_TEST_DB=postgresql \
        "CHUNGTAY_TEST_DATABASE_URL=$(bash scripts/test-postgres.sh url)" -- "$@"
else
    echo
    echo "== tests on PostgreSQL =="
    echo "run-tests: could not start the test PostgreSQL server" >&2
    failed+=(PostgreSQL)
fi

echo
if [ ${#failed[@]} -ne 0 ]; then
    echo "run-tests: FAILED on: ${failed[*]}" >&2
    exit 1
fi
echo "run-tests: all tests passed on SQLite and PostgreSQL"
