#!/usr/bin/env bash
# `make bench`: builds the release binaries (and the floor function) for this
# machine and for Lambda's arm64, measures them (bench/src/main.rs), measures
# the handlers' own cost (criterion), and writes BENCHMARKS.md.
#
# `make bench BASELINE=<revision>` also builds the functions as they were at
# that revision (its own tree and target folder under $TARGET_DIR/bench-baseline)
# and measures them in the same run, interleaved: BENCHMARKS.md then shows
# before and after against the budget (cold start within 10%, zip < 3 MB).
#
# BENCH_QUICK=1 is a short, bounded run (5 cold rounds, 1,000 warm
# invocations, no criterion) for a pull request's preview; BENCH_OUT writes
# elsewhere than BENCHMARKS.md.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# dynalite (node) is the bench's DynamoDB API; peer, the Python peer's runtime.
need lambda zig node arm64 peer
out="${BENCH_OUT:-BENCHMARKS.md}"
export BENCH_OUT="$out"
if [ "${BENCH_QUICK:-}" = 1 ]; then
  export BENCH_COLD_RUNS="${BENCH_COLD_RUNS:-5}" BENCH_WARM_RUNS="${BENCH_WARM_RUNS:-1000}"
fi
functions=(floor); for d in functions/*/; do functions+=("$(basename "$d")"); done
pkgs=(); for f in "${functions[@]}"; do pkgs+=(-p "$f"); done

log "Building the release binaries for this machine (the deployed profile), then the harness"
# Two cargo invocations, not one: cargo unifies features across what one
# invocation builds, and the harness's dependencies (the test helpers, a
# multi-threaded Tokio) would otherwise be compiled into the functions,
# 0.5 MB more of binary than the functions deploy with, and not in the
# baseline's binaries, which are built as the functions alone.
cargo build --release "${pkgs[@]}"
cargo build --release -p bench
log "Building the arm64 Lambda zips (sizes)"
cargo lambda build --release --arm64 --output-format zip "${pkgs[@]}"

if [ -n "${BASELINE:-}" ]; then
  revision="$(git rev-parse --short "$BASELINE^{commit}")"
  baseline="$TARGET_DIR/bench-baseline"
  log "Building the baseline $revision (release and arm64 zips, in ${baseline#"$ROOT/"})"
  # Extracted once per revision: cargo then finds it built on later runs.
  if [ "$(cat "$baseline/src/.revision" 2>/dev/null)" != "$revision" ]; then
    rm -rf "$baseline/src" "$baseline/target/lambda"
    mkdir -p "$baseline/src"
    git archive "$revision" | tar -x -C "$baseline/src"
    echo "$revision" > "$baseline/src/.revision"
  fi
  base_pkgs=(); for d in "$baseline"/src/functions/*/; do base_pkgs+=(-p "$(basename "$d")"); done
  (
    cd "$baseline/src"
    export CARGO_TARGET_DIR="$baseline/target"
    cargo build --release "${base_pkgs[@]}"
    cargo lambda build --release --arm64 --output-format zip "${base_pkgs[@]}"
  )
  export BENCH_BASELINE_DIR="$baseline/target" BENCH_BASELINE_REV="$revision"
fi

log "Measuring cold starts, warm invocations and memory"
"$TARGET_DIR/release/bench"

if [ "${BENCH_QUICK:-}" = 1 ]; then
  : > .local/criterion.md
else
log "Measuring the handlers' own cost (criterion)"
cargo bench -p bench --bench handlers -- --warm-up-time 1 --measurement-time 3 2>/dev/null | tee .local/criterion.txt
python3 - <<'PY'
import re
rows, name = [], None
for line in open(".local/criterion.txt"):
    m = re.match(r"^(\S.*?)\s+time:\s+\[(.*)\]", line)
    if m:
        rows.append((m.group(1).strip(), m.group(2)))
        continue
    m = re.match(r"^\s+time:\s+\[(.*)\]", line)
    if m and name:
        rows.append((name, m.group(1)))
    elif line.strip() and not line.startswith(" "):
        name = line.strip()
table = "\n## Handler cost (criterion: in-memory store, fixed clock, real events)\n\n"
table += "| handler | time per call (low, estimate, high) |\n|---|---|\n"
table += "".join(f"| {n} | {t} |\n" for n, t in rows)
open(".local/criterion.md", "w").write(table)
PY
fi
# The monthly cost from the durations the harness just wrote (make cost).
{ printf '\n## Estimated monthly cost (`make cost`, from the durations above)\n\n'; BENCHMARKS="$out" scripts/cost.sh; } > .local/cost.md
# Both before the sizes.
python3 - "$out" <<'PY'
import sys
text = open(sys.argv[1]).read()
extra = open(".local/criterion.md").read() + open(".local/cost.md").read()
i = text.index("\n## Size")
open(sys.argv[1], "w").write(text[:i] + extra + text[i:])
PY
log "Wrote $out"
