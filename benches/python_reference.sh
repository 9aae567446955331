#!/usr/bin/env bash
# Side-by-side timing of the agreement engine and the Python reference packages on the same
# data (the sizes of shared/iaa-golden/README.md "Performance anchors").
#
#   benches/python_reference.sh            # from the repository root
#
# Creates a venv (target/python-ref-venv; override with VENV=...), pip-installs
# krippendorff==0.9.* statsmodels scikit-learn numpy, writes the benchmark data from Rust
# (examples/agreement_bench.rs write-data), times the Python calls (one process per case, so each
# peak RSS is clean) and the Rust ones (min/median of 5 calls), and prints the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-target/python-ref-venv}
DATA=${DATA:-target/agreement-bench-data}
PYTHON=${PYTHON:-python3}

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet "krippendorff==0.9.*" statsmodels scikit-learn numpy
fi

cargo build --release --locked --quiet --example agreement_bench
BIN=target/release/examples/agreement_bench
"$BIN" write-data "$DATA" >/dev/null

echo "== Rust (min/median of 5 calls; data generation excluded)"
AGREEMENT_BENCH_JSON="$DATA/rust_times.json" "$BIN" time
echo
echo "== Rust peak RSS, whole process, 10 x 1M alpha case (nominal and ordinal)"
"$BIN" rss | tail -1
echo
echo "== Python (same protocol, one process per case)"
: > "$DATA/python_times.jsonl"
for case in alpha_nominal alpha_ordinal fleiss cohen cohen_quadratic; do
    "$VENV/bin/python" benches/python_reference.py "$DATA" "$case" | tee -a "$DATA/python_times.jsonl"
done
echo
echo "== Ratio (Python min / Rust min)"
"$VENV/bin/python" - "$DATA" <<'PY'
import json, sys
d = sys.argv[1]
rust = json.load(open(f"{d}/rust_times.json"))
names = {"alpha_nominal": "alpha_nominal_10x1M", "alpha_ordinal": "alpha_ordinal_10x1M",
         "fleiss": "fleiss_1Mx5", "cohen": "cohen_1M", "cohen_quadratic": "cohen_quadratic_1M"}
print(f"{'case':<18}{'python ms':>12}{'rust ms':>10}{'ratio':>9}{'py RSS MB':>11}  same value")
for line in open(f"{d}/python_times.jsonl"):
    row = json.loads(line)
    rss = row.pop("_peak_rss_mb")
    for k, v in row.items():
        r = rust[names[k]]
        print(f"{k:<18}{v['min_ms']:>12.1f}{r['min_ms']:>10.2f}{v['min_ms'] / r['min_ms']:>8.1f}x{rss:>11.0f}  {v['same_value']}")
PY
