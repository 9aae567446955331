#!/usr/bin/env bash
# The whole `crossreview agreement --ratings FILE` process against Python's `krippendorff.alpha`
# call on the same data already in numpy: 10 raters x 1,000,000 items, 20 % missing, 5
# categories (an 18 MB CSV). Prints both minimums of 5 runs, the ratio, and our peak RSS.
#
#   benches/ratings_compare.sh           # from the repository root
#
# Uses the venv of benches/python_reference.sh (target/python-ref-venv; VENV=... to override),
# creating it when absent. CROSSREVIEW=path/to/binary times another build (default: a release
# build of this tree).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-target/python-ref-venv}
DATA=${DATA:-target/agreement-bench-data}
PYTHON=${PYTHON:-python3}
RUNS=5

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet "krippendorff==0.9.*" statsmodels scikit-learn numpy
fi

cargo build --release --locked --quiet --example agreement_bench
if [ -z "${CROSSREVIEW:-}" ]; then
    cargo build --release --locked --quiet --bin crossreview
    CROSSREVIEW=target/release/crossreview
fi
BIN=target/release/examples/agreement_bench
"$BIN" write-data "$DATA" >/dev/null
CSV="$DATA/ratings_10x1M.csv"
[ -f "$CSV" ] || "$BIN" write-csv "$CSV" >/dev/null

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $CSV: $(du -m "$CSV" | cut -f1) MB"

best_ms=""
best_kb=0
for _ in $(seq $RUNS); do
    /usr/bin/time -f '%e %M' -o "$DATA/time.txt" "$CROSSREVIEW" agreement --ratings "$CSV" --json >"$DATA/agreement.json"
    read -r secs kb <"$DATA/time.txt"
    ms=$(awk -v s="$secs" 'BEGIN { printf "%.0f", s * 1000 }')
    if [ -z "$best_ms" ] || [ "$ms" -lt "$best_ms" ]; then best_ms=$ms; fi
    if [ "$kb" -gt "$best_kb" ]; then best_kb=$kb; fi
done

py_ms=$("$VENV/bin/python" benches/python_reference.py "$DATA" alpha_nominal |
    "$VENV/bin/python" -c 'import json, sys; print(round(json.load(sys.stdin)["alpha_nominal"]["min_ms"]))')
ours=$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["krippendorff_alpha_nominal"])' "$DATA/agreement.json")

echo "crossreview agreement --ratings (whole process, every statistic): min ${best_ms} ms of $RUNS, peak RSS $((best_kb / 1024)) MB, alpha nominal $ours"
echo "python krippendorff.alpha (the call alone, data in numpy):        min ${py_ms} ms of 5"
awk -v p="$py_ms" -v r="$best_ms" 'BEGIN { printf "ratio: %.1fx (goal: at least 5x, under 60 MB)\n", p / r }'
