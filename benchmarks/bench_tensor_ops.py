"""The tensor ops of issue 11 that CNN training and evaluation code calls in its loops,
minigrad against PyTorch on the CPU, one thread each.

Top-5 accuracy (``topk``), sorting, running sums, one-hot labels by ``scatter_``, row
lookups by ``index_select`` with their gradient, masks, a 1x1 convolution written as an
``einsum``, ``addmm``, ``unique`` and ``cdist``. Writes ``benchmarks/results/
tensor_ops.md`` and ``.json``; there are no timed assertions.

    python benchmarks/bench_tensor_ops.py [--rounds 5]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import harness

import minigrad


def cases(lib: Any) -> dict[str, Callable[[], None]]:
    """The workloads, in ``lib`` (``minigrad`` or ``torch``)."""
    lib.manual_seed(0)
    logits = lib.randn(256, 1000)
    labels = lib.randint(0, 1000, (256,))
    table = lib.randn(10000, 64, requires_grad=True)
    rows = lib.randint(0, 10000, (256,))
    images = lib.randn(64, 16, 32, 32)
    mask = images > 0.5
    features = lib.randn(16, 32, 32, 32, requires_grad=True)
    weight = lib.randn(64, 32, requires_grad=True)
    bias, a, b = lib.randn(256), lib.randn(256, 512), lib.randn(512, 256)
    ids = lib.randint(0, 1000, (100000,))
    points, centres = lib.randn(256, 64), lib.randn(512, 64)
    scan = lib.randn(256, 1000, requires_grad=True)

    def top5() -> None:
        hits = logits.topk(5, 1).indices == labels.unsqueeze(1)
        hits.any(1).float().mean()

    def one_hot() -> None:
        lib.zeros(256, 1000).scatter_(1, labels.unsqueeze(1), 1.0)

    def lookup() -> None:
        table.grad = None
        table.index_select(0, rows).sum().backward()

    def conv1x1() -> None:
        features.grad = weight.grad = None
        lib.einsum("bchw,oc->bohw", features, weight).sum().backward()

    def running_sum() -> None:
        scan.grad = None
        scan.cumsum(1).sum().backward()

    return {
        "top-5 accuracy, (256, 1000) logits": top5,
        "sort, (256, 1000) along dim 1": lambda: logits.sort(1),
        "cumsum (256, 1000), forward + backward": running_sum,
        "one-hot by scatter_, 256 labels of 1000 classes": one_hot,
        "index_select 256 rows of (10000, 64), forward + backward": lookup,
        "masked_fill, (64, 16, 32, 32)": lambda: images.masked_fill(mask, 0.0),
        "einsum 1x1 conv bchw,oc->bohw, (16, 32, 32, 32), forward + backward": conv1x1,
        "addmm (256, 512) @ (512, 256)": lambda: lib.addmm(bias, a, b),
        "unique of 100000 ints, with counts": lambda: lib.unique(ids, return_counts=True),
        "cdist (256, 64) to (512, 64)": lambda: lib.cdist(points, centres),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch = harness.one_thread()
    mine = cases(minigrad)
    theirs = cases(torch) if torch is not None else {}
    rows = []
    for name, run in mine.items():
        runs = {harness.MINIGRAD: run}
        if name in theirs:
            runs[harness.PYTORCH] = theirs[name]
        rows.append(harness.Workload(name, runs))
    harness.measure(rows, rounds=args.rounds, seconds=0.2)
    harness.write("tensor_ops", "Tensor ops of issue 11, minigrad against PyTorch",
                  harness.table(rows), harness.record(rows))


if __name__ == "__main__":
    main()
