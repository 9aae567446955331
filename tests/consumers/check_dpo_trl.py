"""Checks that a crossreview `dpo-trl` export loads in Hugging Face `datasets` the way TRL's
DPOTrainer reads it: columns prompt, chosen, rejected, images; one row per exported pair.

usage: python3 check_dpo_trl.py EXPORT.jsonl EXPECTED_ROWS

Exit 0: checked. Exit 77: skipped (no `datasets` here), with a line saying so. Anything else:
a failed check.
"""

import os
import sys

try:
    from datasets import load_dataset
except ImportError:
    print("SKIPPED: the Python package `datasets` is not installed (pip install datasets)")
    sys.exit(77)


def text_of(completion):
    if isinstance(completion, str):
        return completion
    assert isinstance(completion, list) and completion, completion
    assert all(m["role"] == "assistant" for m in completion), completion
    return completion[-1]["content"]


def main():
    path, expected = sys.argv[1], int(sys.argv[2])
    ds = load_dataset("json", data_files=path, split="train")
    columns = set(ds.column_names)
    needed = {"prompt", "chosen", "rejected", "images"}
    assert needed <= columns, f"columns {sorted(columns)} lack {sorted(needed - columns)}"
    assert len(ds) == expected, f"{len(ds)} rows, expected {expected}"
    base = os.path.dirname(os.path.abspath(path))
    for i, row in enumerate(ds):
        conversational = isinstance(row["prompt"], list)
        for side in ("chosen", "rejected"):
            assert isinstance(row[side], list) == conversational, f"row {i}: {side} shape differs from prompt's"
            text_of(row[side])
        if conversational:
            placeholders = sum(
                1
                for m in row["prompt"]
                if isinstance(m["content"], list)
                for part in m["content"]
                if part.get("type") == "image"
            )
            assert placeholders == len(row["images"]), f"row {i}: {placeholders} image placeholders, {len(row['images'])} images"
        for image in row["images"]:
            assert isinstance(image, str), f"row {i}: image {image!r} is not a path"
            if not image.startswith(("http://", "https://")):
                full = image if os.path.isabs(image) else os.path.join(base, image)
                assert os.path.isfile(full), f"row {i}: image {image} not found from {base}"
        meta = row["meta"]
        assert meta["verdict"] in ("agree", "flip"), meta
        assert len(meta["annotators"]) == len(meta["verdicts"]), meta
    print(f"OK: {len(ds)} rows, columns {sorted(columns)}")


if __name__ == "__main__":
    main()
