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
    """Best-of-5 time of one call of ``fn``, divided by the ops in the chain, in µs."""
    fn()
    best = min(timeit.repeat(fn, number=repeat, repeat=5)) / repeat
    return best / OPS_PER_CHAIN * 1e6


def measure(lib: Any, repeat: int) -> tuple[float, float]:
    x = lib.tensor([0.5], requires_grad=True)
    w = lib.tensor([1.5], requires_grad=True)

    def forward() -> None:
        chain(x, w)

    def forward_backward() -> None:
        chain(x, w).sum().backward()
        x.grad = None
        w.grad = None

    return per_op_us(forward, repeat), per_op_us(forward_backward, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "overhead.md"))
    args = parser.parse_args()

    rows = [("minigrad (numpy)", *measure(minigrad, args.repeat))]
    try:
        import torch

        torch.set_num_threads(1)
        rows.append((f"torch {torch.__version__} eager", *measure(torch, args.repeat)))
    except ImportError:
        torch = None
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
                      f"forward+backward {ratio_fb:.2f}x (goal: within 2x)."]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
