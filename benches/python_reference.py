"""Python reference timings for the agreement benchmarks, on the same data as the Rust side.

Reads the raw files written by `cargo run --release --example agreement_bench -- write-data DIR`
(rater-major uint8, 255 = missing), times each call as in shared/iaa-golden/README.md
("Performance anchors": min and median of 5 calls, data loading and imports excluded), checks the
values against the Rust ones (meta.json), and prints one JSON object.

Usage: python benches/python_reference.py DIR [case]   (case: all | alpha_nominal | alpha_ordinal |
fleiss | cohen | cohen_quadratic; one case per process gives a clean peak RSS)
"""

import json
import resource
import statistics
import sys
import time

import numpy as np


def load(meta, name, dirname):
    m = meta[name]
    a = np.fromfile(f"{dirname}/{m['file']}", dtype=np.uint8).reshape(m["raters"], m["items"])
    return a, m


def timed(f, runs=5):
    times = []
    value = None
    for _ in range(runs):
        t = time.perf_counter()
        value = f()
        times.append((time.perf_counter() - t) * 1000.0)
    return min(times), statistics.median(times), float(value)


def main():
    dirname = sys.argv[1]
    only = sys.argv[2] if len(sys.argv) > 2 else "all"
    meta = json.load(open(f"{dirname}/meta.json"))
    rust = meta["rust_values"]
    out = {}

    if only in ("all", "alpha_nominal", "alpha_ordinal"):
        import krippendorff

        a, m = load(meta, "alpha", dirname)
        data = a.astype(float)
        data[a == 255] = np.nan
        domain = list(range(m["categories"]))
        for level in ("nominal", "ordinal"):
            key = f"alpha_{level}"
            if only not in ("all", key):
                continue
            lo, med, v = timed(
                lambda: krippendorff.alpha(reliability_data=data, value_domain=domain, level_of_measurement=level)
            )
            out[key] = {"min_ms": lo, "median_ms": med, "value": v, "rust_value": rust[key], "same_value": abs(v - rust[key]) < 1e-9}

    if only in ("all", "fleiss"):
        from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

        a, m = load(meta, "fleiss", dirname)
        items_by_raters = np.ascontiguousarray(a.T).astype(np.int64)

        def f():
            table, _ = aggregate_raters(items_by_raters, n_cat=m["categories"])
            return fleiss_kappa(table, method="fleiss")

        lo, med, v = timed(f)
        out["fleiss"] = {"min_ms": lo, "median_ms": med, "value": v, "rust_value": rust["fleiss"], "same_value": abs(v - rust["fleiss"]) < 1e-9}

    if only in ("all", "cohen", "cohen_quadratic"):
        from sklearn.metrics import cohen_kappa_score

        a, m = load(meta, "cohen", dirname)
        y1, y2 = a[0].astype(np.int64), a[1].astype(np.int64)
        labels = list(range(m["categories"]))
        for key, weights in (("cohen", None), ("cohen_quadratic", "quadratic")):
            if only not in ("all", key):
                continue
            lo, med, v = timed(lambda: cohen_kappa_score(y1, y2, labels=labels, weights=weights))
            out[key] = {"min_ms": lo, "median_ms": med, "value": v, "rust_value": rust[key], "same_value": abs(v - rust[key]) < 1e-9}

    out["_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
