#!/usr/bin/env bash
# Every side-by-side speed figure of the README in one run: builds the data, runs our
# benchmarks and the Python references on the same data, and prints each ratio.
#
#   benches/compare.sh
#
# - agreement: Krippendorff's alpha (the `krippendorff` package), Fleiss' kappa (statsmodels),
#   Cohen's kappa (scikit-learn), in a venv under target/ (benches/python_reference.sh);
# - agreement --ratings, the whole process on an 18 MB CSV, against the krippendorff call alone
#   (benches/ratings_compare.sh);
# - import: a plain Python json + sqlite3 import of the same JSONL, on two files: the
#   benchmark's own and one shaped like a CROSS release (benches/import_compare.sh).
#
# Takes about 5 minutes on 2 cores after the first run (the first one also builds in release
# mode and pip-installs the Python packages). Run it on an otherwise idle machine: the figures
# are wall times.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/compare
mkdir -p "$out"

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "## Agreement (benches/python_reference.sh)"
benches/python_reference.sh | tee "$out/agreement.txt"
echo
echo "## agreement --ratings, whole process (benches/ratings_compare.sh)"
benches/ratings_compare.sh | tee "$out/ratings.txt"
echo
echo "## Import (benches/import_compare.sh)"
CROSSREVIEW_BENCH_DIR=${CROSSREVIEW_BENCH_DIR:-target/compare/import-data} benches/import_compare.sh 2>"$out/import.log" | tee "$out/import.txt"
echo
echo "## Ratios"
# The ratio lines of both parts, one per line.
sed -n '/^case /,$p' "$out/agreement.txt"
grep '^ratio' "$out/ratings.txt" | sed 's/^/agreement --ratings, whole process: /'
grep 'faster' "$out/import.txt" | sed 's/^/import: /'
