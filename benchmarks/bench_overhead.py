"""Per-op overhead: a chain of 10 elementwise ops on 1-element tensors.

Measures the time per op of the forward pass alone and of forward + backward, for
minigrad and, when it is installed, PyTorch eager on the same machine in the same run.
Prints a table and writes ``benchmarks/results/overhead.md``.

Run: ``python benchmarks/bench_overhead.py [--repeat 2000]``
"""

from __future__ import annotations

import argparse
import platform
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import minigrad

OPS_PER_CHAIN = 10


def chain(x: Any, w: Any) -> Any:
    """Ten ops: the mix a small scalar model would use."""
    y = x * w
    y = y + w
    y = y.tanh()
    y = y * y
    y = y - x
    y = y.exp()
    y = y / w
    y = y.sigmoid()
    y = y + 1.0
    return y * 2.0


def per_op_us(fn: Callable[[], Any], repeat: int) -> float:
    """Time of one call of ``fn``, divided by the ops in the chain, in µs."""
    return timeit.timeit(fn, number=repeat) / repeat / OPS_PER_CHAIN * 1e6


def cases(lib: Any) -> tuple[Callable[[], None], Callable[[], None]]:
    """The forward-only and the forward+backward workloads for one framework."""
    x = lib.tensor([0.5], requires_grad=True)
    w = lib.tensor([1.5], requires_grad=True)

    def forward() -> None:
        chain(x, w)

    def forward_backward() -> None:
        chain(x, w).sum().backward()
        x.grad = None
        w.grad = None

    return forward, forward_backward


def measure(libs: dict[str, Any], repeat: int, rounds: int = 7) -> dict[str, tuple[float, float]]:
    """Best time per op of each framework, alternating between them round by round so
    that a slow spell of the machine hits all of them alike."""
    workloads = {name: cases(lib) for name, lib in libs.items()}
    best = {name: [float("inf"), float("inf")] for name in libs}
    for _ in range(rounds):
        for name, (forward, forward_backward) in workloads.items():
            forward()
            forward_backward()
            best[name][0] = min(best[name][0], per_op_us(forward, repeat))
            best[name][1] = min(best[name][1], per_op_us(forward_backward, repeat))
    return {name: (times[0], times[1]) for name, times in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "overhead.md"))
    args = parser.parse_args()

    libs: dict[str, Any] = {"minigrad (numpy)": minigrad}
    try:
        import torch

        torch.set_num_threads(1)
        libs[f"torch {torch.__version__} eager"] = torch
    except ImportError:
        torch = None
    rows = [(name, *times) for name, times in measure(libs, args.repeat).items()]
    lines = [
        "Per-op overhead, 10-op chain on 1-element float32 tensors "
        f"({platform.machine()}, Python {platform.python_version()}).",
        "",
        "| framework | forward µs/op | forward+backward µs/op |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {fwd:.2f} | {fb:.2f} |" for name, fwd, fb in rows]
    if torch is not None:
        ratio_f = rows[0][1] / rows[1][1]
        ratio_fb = rows[0][2] / rows[1][2]
        lines += ["", f"Ratio minigrad / PyTorch: forward {ratio_f:.2f}x, "
                      f"forward+backward {ratio_fb:.2f}x (goal: 1.2x each; the machine's noise "
                      "moves these ratios by 10-30% between runs)."]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
