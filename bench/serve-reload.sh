#!/usr/bin/env bash
# Edit → reload message latency of `errbook serve`, median and p95, on the default site
# and on generated corpora (200 guides per locale by default; pass other sizes as
# arguments, e.g. `bench/serve-reload.sh 200 2000`). Not a test: it prints numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
runs="${RUNS:-40}"
sizes=("${@:-200}")

cargo build --release --bin errbook --example gencorpus --example serve_reload
bin="$target/release/errbook"
bench="$target/release/examples/serve_reload"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== default site (1 guide per locale)"
mkdir -p "$work/default"
cp -r source "$work/default/source"
"$bench" --bin "$bin" --root "$work/default" \
    --guide source/ko-KR/backup-azure-mabs-troubleshoot.md --runs "$runs"

for n in "${sizes[@]}"; do
    echo "== generated site, $n guides per locale (ko-KR, en-US)"
    "$target/release/examples/gencorpus" --guides "$n" --out "$work/gen$n" >/dev/null
    guide="$(cd "$work/gen$n" && ls source/ko-KR/*.md | head -1)"
    "$bench" --bin "$bin" --root "$work/gen$n" --guide "$guide" --runs "$runs"
    echo "-- the same, saves ${GAP_LONG:-8000} ms apart (the search index catches up in between)"
    "$bench" --bin "$bin" --root "$work/gen$n" --guide "$guide" --runs 10 --gap "${GAP_LONG:-8000}"
done
