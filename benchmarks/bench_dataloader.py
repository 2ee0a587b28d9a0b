"""When do DataLoader worker processes help? One epoch of loading, by num_workers.

Three map-style datasets of 1 x 32 x 32 float32 images with int labels, the same for
minigrad and PyTorch (samples are NumPy arrays, so both collate the same data):

- ``stored``: the sample is a slice of an array in memory (nothing to compute);
- ``augmented``: each sample is cropped at random from a 40 x 40 image, flipped and
  normalised in NumPy (CPU work in Python and NumPy per sample);
- ``remote``: each sample waits 1 ms first, as a read from a network disk would.

For each, the time of one epoch (batch 64, workers started at the epoch's start as by
default) is the best of several runs; the table gives it relative to ``num_workers=0`` and
to PyTorch's DataLoader with the same settings. Workers pay off when a sample costs more
than sending it between processes, and only up to the number of free cores for CPU-bound
work (waiting, as for ``remote``, overlaps even on one core). Writes
``benchmarks/results/dataloader.md`` and ``.json``.

    python benchmarks/bench_dataloader.py [--repeats 3] [--samples 1024]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path
from typing import Any

import numpy

import minigrad
from minigrad.data import DataLoader, Dataset

RESULTS = Path(__file__).parent / "results"
WORKERS = (0, 1, 2, 4)
BATCH = 64


class Images(Dataset):
    """``kind`` is ``"stored"``, ``"augmented"`` or ``"remote"`` (see the module doc)."""

    def __init__(self, kind: str, n: int) -> None:
        rng = numpy.random.default_rng(0)
        self.kind = kind
        self.images = rng.random((n, 1, 40, 40), dtype=numpy.float32)
        self.labels = rng.integers(0, 10, n)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[numpy.ndarray, int]:
        image = self.images[i]
        if self.kind == "stored":
            return image[:, 4:36, 4:36], int(self.labels[i])
        if self.kind == "remote":
            time.sleep(0.001)
            return image[:, 4:36, 4:36].copy(), int(self.labels[i])
        top, left = numpy.random.randint(0, 9, 2)
        crop = image[:, top:top + 32, left:left + 32]
        if numpy.random.random() < 0.5:
            crop = crop[:, :, ::-1]
        for _ in range(24):  # CPU work worth a worker: smoothing passes
            crop = 0.5 * crop + 0.25 * (numpy.roll(crop, 1, 1) + numpy.roll(crop, 1, 2))
        return ((crop - crop.mean()) / (crop.std() + 1e-6)).astype(numpy.float32), \
            int(self.labels[i])


def epoch_seconds(make_loader: Any, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _batch in make_loader():
            pass
        best = min(best, time.perf_counter() - start)
    return best


def run(repeats: int, samples: int) -> dict[str, Any]:
    # PyTorch warns when there are more workers than cores; that is one of the cases
    warnings.filterwarnings("ignore", message="This DataLoader will create")
    try:
        import torch
        import torch.utils.data as torch_data

        torch.set_num_threads(1)
    except ImportError:
        torch_data = None
    results: dict[str, Any] = {}
    for kind in ("stored", "augmented", "remote"):
        dataset = Images(kind, samples)
        results[kind] = {}
        for workers in WORKERS:
            row = {"minigrad": epoch_seconds(
                lambda w=workers, d=dataset: DataLoader(d, batch_size=BATCH, num_workers=w),
                repeats)}
            if torch_data is not None:
                row["pytorch"] = epoch_seconds(
                    lambda w=workers, d=dataset: torch_data.DataLoader(
                        d, batch_size=BATCH, num_workers=w), repeats)
            results[kind][workers] = row
    return results


def report(results: dict[str, Any], samples: int) -> str:
    lines = [
        f"One epoch of {samples} samples, batch {BATCH} ({platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} when the table was "
        "written); time relative to num_workers=0 (lower is better) and minigrad / PyTorch",
        "",
        "| dataset | num_workers | epoch (s) | vs num_workers=0 | PyTorch epoch (s) | "
        "minigrad / PyTorch |",
        "|---|---|---|---|---|---|",
    ]
    for kind, rows in results.items():
        base = rows[0]["minigrad"]
        for workers, row in rows.items():
            mine = row["minigrad"]
            theirs = row.get("pytorch")
            torch_cols = (f"{theirs:.3f} | {mine / theirs:.2f}x" if theirs
                          else "(not installed) | -")
            lines.append(f"| {kind} | {workers} | {mine:.3f} | {mine / base:.2f}x | "
                         f"{torch_cols} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="DataLoader workers benchmark")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=1024)
    args = parser.parse_args()
    minigrad.manual_seed(0)
    results = run(args.repeats, args.samples)
    table = report(results, args.samples)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dataloader.md").write_text(table)
    record = {"samples": args.samples, "batch": BATCH, "cpu_count": os.cpu_count(),
              "seconds": results}
    (RESULTS / "dataloader.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
