#!/usr/bin/env bash
# A Django deploy's steps, before and after a change to bg: the numbers behind the Django section of
# docs/benchmarks.md. Two builds side by side in one private systemd user manager
# (scripts/user-manager.sh), each with its own app from test/fixtures/django-stock on SQLite and its
# own Caddy unit; rounds alternate the builds (ABBA, BAAB, ...) so that load from other work on the
# machine falls on both; scripts/bench-django.mjs does the deploys and prints the table.
#
#   BENCH_BG=/path/to/older/checkout bash scripts/bench-django.sh     # ~3 minutes with 5 rounds
#   BENCH_BG=... BENCH_PAIRS=8 BENCH_OUT=django.json bash scripts/bench-django.sh
#
# BENCH_BG: the "before" checkout, built (`npm run build` there); the "after" is this checkout.
# BENCH_PAIRS (5): rounds; each deploys both builds once with a pending AddField, once without.
# BENCH_OUT: also write every deploy (steps, Python starts) as JSON. BENCH_KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
before=${BENCH_BG:?set BENCH_BG to the checkout to compare with (built)}
[ -f "$before/bin/bg.cjs" ] && [ -f "$before/dist/bundle/main.cjs" ] || { echo "bench: $before is not a built bg checkout" >&2; exit 1; }
source scripts/bench-lib.sh
bench_build_if_stale
/usr/bin/python3 -c 'import django' || { echo "bench: Debian's python3-django is missing (scripts/install-deps.sh)" >&2; exit 1; }

export BENCH_BG_BEFORE BENCH_BG_AFTER=$repo
BENCH_BG_BEFORE=$(cd "$before" && pwd -P)
bench_in_manager bg-bench-django 900 scripts/bench-django.mjs
