#!/usr/bin/env bash
# Times `crossreview import` (benches/import.rs) and a plain Python json + sqlite3 import
# (benches/python_import_baseline.py) of the same generated file (100,000 items x 3 responses,
# ~340 MB), and prints the ratio.
#
#   benches/import_compare.sh            # generated file in a temporary folder
#   CROSSREVIEW_BENCH_DIR=/tmp/bench benches/import_compare.sh   # keep and reuse the file
#
# Both write the session on the same file system as the data file; each takes the median of
# CROSSREVIEW_BENCH_RUNS runs (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."

created_dir=""
if [ -z "${CROSSREVIEW_BENCH_DIR:-}" ]; then
    created_dir=$(mktemp -d)
    export CROSSREVIEW_BENCH_DIR="$created_dir"
fi
cleanup() { if [ -n "$created_dir" ]; then rm -rf "$created_dir"; fi; }
trap cleanup EXIT
runs=${CROSSREVIEW_BENCH_RUNS:-3}

rust_out=$(cargo bench --bench import 2>&1)
printf '%s\n' "$rust_out" >&2
rust_line=$(grep '^RESULT' <<<"$rust_out")
rust_s=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$rust_line")
items=$(sed -E 's/.*items=([0-9]+) .*/\1/' <<<"$rust_line")
data=$(sed -E 's/.*file=(.*)$/\1/' <<<"$rust_line")

py_times=()
for i in $(seq 1 "$runs"); do
    db="$CROSSREVIEW_BENCH_DIR/python_baseline_$i.db"
    rm -f "$db" "$db-wal" "$db-shm"
    line=$(python3 benches/python_import_baseline.py "$data" "$db")
    echo "python run $i: $line" >&2
    py_times+=("$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$line")")
    rm -f "$db" "$db-wal" "$db-shm"
done
py_s=$(printf '%s\n' "${py_times[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")

python3 - "$items" "$rust_s" "$py_s" <<'PY'
import sys
items, rust, py = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"crossreview import: {rust:.2f} s ({items / rust:,.0f} items/s)")
print(f"python json+sqlite3: {py:.2f} s ({items / py:,.0f} items/s)")
print(f"crossreview is {py / rust:.1f}x faster (median of each)")
PY
