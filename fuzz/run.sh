#!/usr/bin/env bash
# Run envy's property-based fuzz tests (the `fuzz_*` proptest tests in
# tests/it/hostile.rs: pyproject, envy.lock, PEP 691 JSON and PEP 503 HTML index
# pages, core metadata, PEP 508 requirements, PEP 440 specifiers, netrc) with
# many more cases than `cargo test` uses, for a bounded time.
#
#   fuzz/run.sh                 # 20000 cases per target, at most 600 s
#   PROPTEST_CASES=200000 FUZZ_SECONDS=3600 fuzz/run.sh
#   fuzz/run.sh fuzz_parse_html # one target
#
# A failure prints the minimal failing input and stores it under
# tests/it/hostile.proptest-regressions so that every later `cargo test` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${PROPTEST_CASES:-20000}"
budget="${FUZZ_SECONDS:-600}"
filter="${1:-fuzz_}"
cargo test --test it --no-run
echo "fuzzing '${filter}' with PROPTEST_CASES=${cases} for at most ${budget}s"
status=0
PROPTEST_CASES="$cases" timeout --signal=INT "$budget" \
    cargo test --test it "$filter" -- --test-threads="${FUZZ_THREADS:-2}" || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 130 ]; then
    echo "time budget of ${budget}s reached with no failure so far"
    exit 0
fi
exit "$status"
