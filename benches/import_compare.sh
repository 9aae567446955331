#!/usr/bin/env bash
# Times `crossreview import` (benches/import.rs) and a plain Python json + sqlite3 import
# (benches/python_import_baseline.py) of the same generated files, side by side in one run, and
# prints each ratio with the date: against Python writing the same tables as the import, and
# against Python writing items and responses only (the baseline of earlier figures). Two files
# of 100,000 items x 3 responses:
#
# - canonical: the benchmark's own file (~340 MB, 8 languages);
# - cross: shaped like a CROSS release (~338 MB: queries in a dozen scripts, a norm and an
#   English translation per item, ~780-character responses; benches/support/cross_shaped.rs).
#
#   benches/import_compare.sh            # generated files in a temporary folder
#   CROSSREVIEW_BENCH_DIR=/tmp/bench benches/import_compare.sh   # keep and reuse the files
#   IMPORT_SHAPES=cross benches/import_compare.sh                # one file only
#   CROSSREVIEW=path/to/binary benches/import_compare.sh         # time another build
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

for shape in ${IMPORT_SHAPES:-canonical cross}; do
    rust_out=$(CROSSREVIEW_BENCH_SHAPE=$shape cargo bench --bench import 2>&1)
    printf '%s\n' "$rust_out" >&2
    rust_line=$(grep '^RESULT' <<<"$rust_out")
    rust_s=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$rust_line")
    items=$(sed -E 's/.*items=([0-9]+) .*/\1/' <<<"$rust_line")
    bytes=$(sed -E 's/.*bytes=([0-9]+) .*/\1/' <<<"$rust_line")
    data=$(sed -E 's/.*file=(.*)$/\1/' <<<"$rust_line")

    # The baseline twice: writing what a crossreview import writes (items, responses, the
    # judge's scores and the session's indexes), and items and responses only (as before
    # sessions kept several judges; earlier figures used this one).
    medians=()
    for tables in session two; do
        py_times=()
        for i in $(seq 1 "$runs"); do
            db="$CROSSREVIEW_BENCH_DIR/python_baseline_$i.db"
            rm -f "$db" "$db-wal" "$db-shm"
            line=$(python3 benches/python_import_baseline.py --tables "$tables" "$data" "$db")
            echo "python ($tables tables) run $i ($shape): $line" >&2
            py_times+=("$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$line")")
            rm -f "$db" "$db-wal" "$db-shm"
        done
        medians+=("$(printf '%s\n' "${py_times[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")")
    done

    python3 - "$shape" "$items" "$bytes" "$rust_s" "${medians[0]}" "${medians[1]}" <<'PY'
import sys
from datetime import datetime, timezone
shape, items, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rust, py_session, py_two = (float(v) for v in sys.argv[4:7])
with open("/proc/loadavg") as f:
    load = " ".join(f.read().split()[:3])
when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
print(f"# {shape} file: {items:,} items, {size / 1e6:.0f} MB; {when}, load average {load}")
print(f"crossreview import: {rust:.2f} s ({items / rust:,.0f} items/s)")
print(f"python json+sqlite3, the session's tables: {py_session:.2f} s ({items / py_session:,.0f} items/s)")
print(f"python json+sqlite3, items and responses only: {py_two:.2f} s ({items / py_two:,.0f} items/s)")
print(f"{when}: {shape} file: crossreview is {py_session / rust:.1f}x faster than Python writing the same "
      f"tables, {py_two / rust:.1f}x than Python writing items and responses only (medians)")
PY
done
