#!/usr/bin/env bash
# Writes the architecture diagram, generated from the templates, into README.md.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
mkdir -p .local
cargo run --quiet -p api-tests --bin diagram > .local/diagram.md
python3 - <<'PY'
import re
readme = open("README.md").read()
diagram = open(".local/diagram.md").read()
start = readme.index("-->", readme.index("<!-- diagram:start")) + 3
end = readme.index("<!-- diagram:end -->")
open("README.md", "w").write(readme[:start] + "\n" + diagram + readme[end:])
PY
