#!/usr/bin/env bash
# The whole check, as `make test` and CI run it:
#   1. ruff on edupact, tests and bench;
#   2. the import contracts that hold today (.importlinter-kept; .importlinter is the target);
#   3. the pytest suite on SQLite;
#   4. the same suite on a throwaway PostgreSQL 15 cluster (stopped again whatever happens).
# Every step runs even when an earlier one failed; the script fails if any step failed.
# Extra pytest arguments: PYTEST_ARGS="-k scoping" scripts/test.sh
# Tests run in parallel (pytest-xdist), one worker per core unless EDUPACT_TEST_WORKERS says
# otherwise (0 runs them in this process); each worker has its own test database and live server.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=${VENV:-.venv}/bin
export DJANGO_SETTINGS_MODULE=edupact.settings
export EDUPACT_REQUIRE_ALL=${EDUPACT_REQUIRE_ALL:-1}
export PYTHONDONTWRITEBYTECODE=1
# pytest-django gives SQLite an in-memory database and PostgreSQL a test_… database; the
# secret key, static files and anything else written under var/ go to a scratch directory.
scratch=$(mktemp -d /tmp/edupact-test.XXXX)
export EDUPACT_VAR_DIR=$scratch/var
pg_dir=""

cleanup() {
    if [[ -n $pg_dir ]]; then
        scripts/pg-cluster.sh stop "$pg_dir" || true
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failed=()
timings=()
step() {
    local name=$1 start=$SECONDS
    shift
    echo
    echo "==> $name"
    if "$@"; then
        timings+=("$name: ok in $((SECONDS - start))s")
    else
        timings+=("$name: FAILED after $((SECONDS - start))s")
        failed+=("$name")
    fi
}

# shellcheck disable=SC2086  # PYTEST_ARGS is a list of words on purpose
pytest_run() {
    "$BIN/python" -m pytest -p no:cacheprovider --durations=15 \
        --numprocesses "${EDUPACT_TEST_WORKERS:-auto}" --dist worksteal ${PYTEST_ARGS:-}
}

sqlite_suite() {
    (unset DATABASE_URL; export EDUPACT_EXPECT_DB=sqlite; pytest_run)
}

postgres_suite() {
    pg_dir=$(mktemp -d /tmp/edupact-pg.XXXX)
    local url
    url=$(scripts/pg-cluster.sh start "$pg_dir") || return 1
    (export DATABASE_URL=$url EDUPACT_EXPECT_DB=postgresql; pytest_run)
}

step "ruff" "$BIN/ruff" check edupact tests bench
step "import contracts" "$BIN/lint-imports" --no-logo --no-cache .importlinter-kept
step "pytest on SQLite" sqlite_suite
step "pytest on PostgreSQL 15" postgres_suite

echo
echo "==> summary"
printf '    %s\n' "${timings[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "All checks passed."
