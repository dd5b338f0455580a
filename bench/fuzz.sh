#!/usr/bin/env bash
# Fuzzes the parser with cargo-fuzz (libFuzzer, nightly): runs each target of fuzz/ for
# SECONDS (default 600), one after another, and prints per target the executions, the
# executions per second, the corpus size and any crash. Not run by CI.
#
#   bench/fuzz.sh [SECONDS] [TARGET…]      e.g. bench/fuzz.sh 60 guide
#
# Corpora grow in fuzz/corpus/<target>/ (seeded from the repository's guides); a crash
# is saved in fuzz/artifacts/<target>/ and the script exits 1. Reproduce one with
# `cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>`.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"
shift || true
toolchain="${FUZZ_TOOLCHAIN:-nightly}"

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo "+$toolchain" fuzz list)
fi

# Seeds: every guide and fixture in the repository (the targets take any text).
seeds="$(mktemp -d)"
trap 'rm -rf "$seeds"' EXIT
find source tests/fixtures -type f -name '*.md' -size -64k -exec cp --backup=numbered -t "$seeds" {} +

cargo "+$toolchain" fuzz build
status=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    log="fuzz/artifacts/$t.log"
    crashes_before=$(find "fuzz/artifacts/$t" -type f | wc -l)
    echo "== $t for $secs s (log: $log)"
    # libFuzzer exits non-zero on a crash; the summary below reports it.
    cargo "+$toolchain" fuzz run "$t" "fuzz/corpus/$t" "$seeds" -- \
        -max_total_time="$secs" -dict=fuzz/guide.dict -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1 || true
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    spent=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    crashes=$(( $(find "fuzz/artifacts/$t" -type f | wc -l) - crashes_before ))
    rate=0
    if [ "${spent:-0}" -gt 0 ]; then rate=$(( ${runs:-0} / spent )); fi
    line="$t: ${spent:-?} s, ${runs:-?} executions, $rate exec/s, corpus $corpus inputs, $crashes new crash(es)"
    echo "$line"
    summary+=("$line")
    if [ "$crashes" -gt 0 ] || ! grep -q '^Done ' "$log"; then
        status=1
        echo "$t did not finish cleanly; the end of $log:"
        tail -n 15 "$log"
    fi
done
echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$status"
