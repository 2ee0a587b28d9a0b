"""Whole CNNs on the CPU: minigrad against PyTorch, one thread each.

* a ResNet-style CNN (three stages of two 3x3 conv + BatchNorm + ReLU blocks, 32/64/128
  channels, 3x32x32 images): one SGD-with-momentum training step at batch 64;
* LeNet-5 (as in ``examples/lenet5.py``): a training step at batch 64 and inference
  (no gradients) at batch 256;
* 2x2 max pooling, forward + backward, on a ``(64, 32, 32, 32)`` activation.

Writes ``benchmarks/results/models.md`` and ``.json``. There are no timed assertions: the
goals in the table are those of issue 16.

    python benchmarks/bench_models.py [--rounds 5]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import harness

import minigrad


def max_pool(lib: Any) -> Callable[[], None]:
    lib.manual_seed(0)
    x = lib.randn(64, 32, 32, 32, requires_grad=True)
    gy = lib.randn(64, 32, 16, 16)
    pool = lib.nn.functional.max_pool2d

    def run() -> None:
        x.grad = None
        pool(x, 2).backward(gy)

    return run


def cases(lib: Any) -> dict[str, Callable[[], None]]:
    """The four workloads, in ``lib`` (``minigrad`` or ``torch``)."""
    lib.manual_seed(0)
    resnet = harness.resnet_style(lib.nn)
    lenet = harness.lenet5(lib.nn)
    return {
        "ResNet-style CNN, training step, batch 64":
            harness.training_step(lib, resnet, 64, (3, 32, 32)),
        "LeNet-5, training step, batch 64": harness.training_step(lib, lenet, 64, (1, 32, 32)),
        "LeNet-5, inference, batch 256": harness.inference(lib, lenet, 256, (1, 32, 32)),
        "max-pool 2x2, forward + backward, (64, 32, 32, 32)": max_pool(lib),
    }


GOALS = {
    "ResNet-style CNN, training step, batch 64": "<= 1.5x",
    "LeNet-5, training step, batch 64": "<= 1.3x",
    "LeNet-5, inference, batch 256": "<= 1.0x",
    "max-pool 2x2, forward + backward, (64, 32, 32, 32)": "<= 0.9x",
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
        rows.append(harness.Workload(name, runs, goal=GOALS[name]))
    harness.measure(rows, rounds=args.rounds, seconds=0.3)
    harness.write("models", "CNN training steps and layers, minigrad against PyTorch",
                  harness.table(rows), harness.record(rows))


if __name__ == "__main__":
    main()
