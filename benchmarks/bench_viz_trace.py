"""What recording function calls for graph pictures costs per op (minigrad.viz).

:class:`minigrad.viz.trace_functions` wraps the engine's node recording only while a trace
is open. This measures the 10-op chain of ``bench_overhead.py`` three ways in one process,
round by round: with ``minigrad.viz`` imported and a trace opened and closed before (what
every program that ever drew a graph runs at), inside an open trace, and in PyTorch eager
for the ratio. The first must match ``bench_overhead.py``'s minigrad row.
Prints a table and writes ``benchmarks/results/viz_trace.md``.

Run: ``python benchmarks/bench_viz_trace.py [--repeat 2000]``
"""

from __future__ import annotations

import argparse
import platform
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from bench_overhead import cases, per_op_us

import minigrad


def measure(workloads: dict[str, tuple[Any, AbstractContextManager[Any]]], repeat: int,
            rounds: int = 7) -> dict[str, tuple[float, float]]:
    """Best forward and forward+backward time per op of each workload, alternating."""
    best = {name: [float("inf"), float("inf")] for name in workloads}
    for _ in range(rounds):
        for name, (lib, context) in workloads.items():
            forward, forward_backward = cases(lib)
            with context:
                forward()
                forward_backward()
                best[name][0] = min(best[name][0], per_op_us(forward, repeat))
                best[name][1] = min(best[name][1], per_op_us(forward_backward, repeat))
    return {name: (times[0], times[1]) for name, times in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "viz_trace.md"))
    args = parser.parse_args()

    from minigrad.viz import trace_functions

    with trace_functions():  # open and close one, as a program that drew a graph did
        cases(minigrad)[1]()
    workloads: dict[str, tuple[Any, AbstractContextManager[Any]]] = {
        "minigrad, no trace open": (minigrad, nullcontext()),
        "minigrad, inside trace_functions()": (minigrad, _Reusable()),
    }
    try:
        import torch

        torch.set_num_threads(1)
        workloads[f"torch {torch.__version__} eager"] = (torch, nullcontext())
    except ImportError:
        torch = None
    rows = [(name, *times) for name, times in measure(workloads, args.repeat).items()]
    base_f, base_fb = rows[0][1], rows[0][2]
    lines = [
        "Per-op overhead of the function record, 10-op chain on 1-element float32 tensors "
        f"({platform.machine()}, Python {platform.python_version()}).",
        "",
        "| case | forward µs/op | forward+backward µs/op | forward / no trace |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {fwd:.2f} | {fb:.2f} | {fwd / base_f:.2f}x |" for name, fwd, fb in rows]
    if torch is not None:
        torch_f, torch_fb = rows[-1][1], rows[-1][2]
        lines += ["", f"Ratio minigrad (no trace open) / PyTorch: forward "
                      f"{base_f / torch_f:.2f}x, forward+backward {base_fb / torch_fb:.2f}x."]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


class _Reusable:
    """A ``trace_functions()`` block that can be entered once per round."""

    def __enter__(self) -> None:
        from minigrad.viz import trace_functions

        self.trace = trace_functions().start()

    def __exit__(self, *exc: object) -> None:
        self.trace.stop()


if __name__ == "__main__":
    main()
