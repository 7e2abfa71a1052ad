#!/usr/bin/env bash
# `make test-latest`: the test suite on the newest releases that pyproject.toml allows.
#
# The committed uv.lock pins what `make test` installs; this script copies the working tree
# to a throwaway folder, drops the lock's deliberate pins ([tool.uv] constraint-dependencies,
# e.g. mediapipe), resolves afresh with `uv lock --upgrade`, installs that and runs pytest.
# The drift it reports (a new mediapipe that moves a gate, say) is what users who
# `pip install facetrack` would meet. Needs network; not part of CI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/facetrack-latest.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# ../shared (the real webcam videos) is seen beside the copy as beside the checkout.
[ -d "$root/../shared" ] && ln -s "$root/../shared" "$scratch/shared"
mkdir "$scratch/main"
cd "$root"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$scratch/main"
cd "$scratch/main"
python3 - <<'PY'
import re, pathlib
p = pathlib.Path("pyproject.toml")
text = p.read_text()
p.write_text(re.sub(r"(?m)^constraint-dependencies = .*\n", "", text))
PY
uv lock --upgrade --quiet
uv export --frozen --quiet --no-hashes --no-emit-project --format requirements-txt \
    | grep -E '^(mediapipe|numpy|opencv|scipy|pandas|matplotlib)==' | sed 's/^/newest: /'
uv sync --frozen --quiet
.venv/bin/python -m pytest -q --durations=10 "$@"
