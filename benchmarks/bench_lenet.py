"""LeNet-5 on the CPU: minigrad against PyTorch in the same run.

Times one training step (forward, cross-entropy, backward, SGD-with-momentum update) at
batch 64 and one inference pass at batch 256, for minigrad (NumPy backend) and, when it
is installed, PyTorch on the CPU with the same thread count. Runs of the two frameworks
alternate, and the best of several repeats is kept, so that a busy machine disturbs both
alike. Prints a table and writes ``benchmarks/results/lenet.md`` and ``.json``.

    python benchmarks/bench_lenet.py [--repeats 7] [--iters 20] [--threads N]

There are no timed assertions; the goals are a training step within 2x of PyTorch's time
and inference within 1.5x.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim

RESULTS = Path(__file__).parent / "results"


def minigrad_lenet() -> nn.Module:
    """The LeNet-5 of examples/lenet5.py, as one Sequential."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
        nn.Linear(84, 10),
    )


def minigrad_cases(train_batch: int, infer_batch: int) -> dict[str, Callable[[], None]]:
    """Closures running one training step and one inference pass in minigrad."""
    minigrad.manual_seed(0)
    model = minigrad_lenet()
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = minigrad.randn(train_batch, 1, 32, 32)
    y = minigrad.randint(0, 10, (train_batch,))
    xi = minigrad.randn(infer_batch, 1, 32, 32)

    def train_step() -> None:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    def inference() -> None:
        with minigrad.no_grad():
            model(xi)

    return {"train": train_step, "inference": inference}


def torch_cases(train_batch: int, infer_batch: int, device: str = "cpu"
                ) -> dict[str, Callable[[], None]] | None:
    """The same two cases in PyTorch on ``device``, or ``None`` when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    tnn = torch.nn
    torch.manual_seed(0)
    model = tnn.Sequential(
        tnn.Conv2d(1, 6, 5), tnn.Tanh(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.Tanh(), tnn.MaxPool2d(2),
        tnn.Flatten(), tnn.Linear(400, 120), tnn.Tanh(), tnn.Linear(120, 84), tnn.Tanh(),
        tnn.Linear(84, 10),
    ).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(train_batch, 1, 32, 32, device=device)
    y = torch.randint(0, 10, (train_batch,), device=device)
    xi = torch.randn(infer_batch, 1, 32, 32, device=device)

    def train_step() -> None:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    def inference() -> None:
        with torch.no_grad():
            model(xi)

    return {"train": train_step, "inference": inference}


def time_ms(fn: Callable[[], None], iters: int) -> float:
    """Mean milliseconds per call over ``iters`` calls."""
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - start) / iters * 1e3


def run(repeats: int, iters: int, train_batch: int = 64, infer_batch: int = 256
        ) -> dict[str, Any]:
    """Best-of-``repeats`` milliseconds per case and framework, runs interleaved."""
    frameworks: dict[str, dict[str, Callable[[], None]]] = {
        "minigrad": minigrad_cases(train_batch, infer_batch)
    }
    theirs = torch_cases(train_batch, infer_batch)
    if theirs is not None:
        frameworks["pytorch"] = theirs
    best: dict[str, dict[str, float]] = {name: {} for name in frameworks}
    for case in ("train", "inference"):
        for cases in frameworks.values():
            time_ms(cases[case], 3)  # warm up
        for _ in range(repeats):
            for name, cases in frameworks.items():
                ms = time_ms(cases[case], iters)
                best[name][case] = min(best[name].get(case, float("inf")), ms)
    return {"train_batch": train_batch, "infer_batch": infer_batch, "ms": best}


def report(results: dict[str, Any], threads: int) -> str:
    """A Markdown table of the timings and the minigrad / PyTorch ratios."""
    ms = results["ms"]
    lines = [
        f"LeNet-5 on the CPU ({platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, {threads} thread(s))",
        "",
        "| case | minigrad (ms) | PyTorch (ms) | minigrad / PyTorch | goal |",
        "|---|---|---|---|---|",
    ]
    goals = {"train": 2.0, "inference": 1.5}
    labels = {"train": f"training step, batch {results['train_batch']}",
              "inference": f"inference, batch {results['infer_batch']}"}
    for case in ("train", "inference"):
        mine = ms["minigrad"][case]
        if "pytorch" in ms:
            theirs = ms["pytorch"][case]
            lines.append(f"| {labels[case]} | {mine:.2f} | {theirs:.2f} | "
                         f"{mine / theirs:.2f}x | <= {goals[case]}x |")
        else:
            lines.append(f"| {labels[case]} | {mine:.2f} | (not installed) | - | "
                         f"<= {goals[case]}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="LeNet-5 CPU benchmark, minigrad vs PyTorch")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="PyTorch intra-op threads (match the BLAS threads numpy uses)")
    args = parser.parse_args()
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        pass
    results = run(args.repeats, args.iters)
    table = report(results, args.threads)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lenet.md").write_text(table)
    record = dict(results, threads=args.threads, numpy=numpy.__version__,
                  cpu_count=os.cpu_count())
    (RESULTS / "lenet.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
