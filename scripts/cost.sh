#!/usr/bin/env bash
# `make cost`: the estimated monthly cost per route and for a mix, at 1, 10
# and 100 million requests (cicd/preview/src/cost.rs): prices and
# assumptions from cicd/cost.json, each function's memory from
# stacks/functions.toml (the Globals' otherwise), its durations from
# BENCHMARKS.md (BENCHMARKS=another file, as the preview compares).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
memory=$(python3 - <<'PY'
import re, tomllib
default = re.search(r"^Globals:\n(?:.*\n)*?    MemorySize: (\d+)", open("stacks/functions.yaml").read(), re.M).group(1)
table = tomllib.load(open("stacks/functions.toml", "rb"))
print(",".join(f"{f['crate']}={f.get('memory_mb', default)}" for f in table["function"]))
PY
)
cargo build --quiet -p preview
"$(built preview)" cost --model cicd/cost.json --benchmarks "${BENCHMARKS:-BENCHMARKS.md}" --memory "$memory"
