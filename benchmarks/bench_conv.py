"""conv2d on the CPU: minigrad against PyTorch, forward and forward + backward.

The first rows are those of issue 16 (a 3x3, 64 -> 64 channel layer on 32x32 images, batch
32); then a grid of common layer shapes (1x1, 3x3, 5x5, strided, grouped and depthwise), at
batch 1 and 64. Forward runs without gradients; forward + backward computes the gradients of
input and weight from a fixed output gradient. No bias, so that only the convolution is
timed. The last column names the algorithm minigrad picked for the forward pass (see
``minigrad.backends.convolution``). Writes ``benchmarks/results/conv.md`` and ``.json``.

With ``--algorithms`` it times instead every minigrad algorithm that applies to each shape
(forward, input gradient and weight gradient kernels, no PyTorch) and writes
``results/conv_algorithms.md``: the measurements behind the selection thresholds.

    python benchmarks/bench_conv.py [--rounds 5] [--algorithms]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NamedTuple

import harness
import numpy

import minigrad
import minigrad.nn.functional as F
from minigrad.backends import convolution


class Shape(NamedTuple):
    label: str
    batch: int
    cin: int
    cout: int
    size: int
    kernel: int
    stride: int = 1
    groups: int = 1

    @property
    def padding(self) -> int:
        return self.kernel // 2

    def describe(self) -> str:
        text = (f"{self.label}{self.kernel}x{self.kernel}, {self.cin}->{self.cout}, "
                f"{self.size}x{self.size}, batch {self.batch}")
        if self.stride > 1:
            text += f", stride {self.stride}"
        if self.groups > 1:
            text += f", groups {self.groups}"
        return text


ISSUE = Shape("issue 16: ", 32, 64, 64, 32, 3)
GRID_SHAPES = [
    ("", 64, 64, 32, 1, 1, 1),
    ("", 64, 64, 32, 3, 1, 1),
    ("first layer ", 3, 32, 32, 3, 1, 1),
    ("", 128, 128, 8, 3, 1, 1),
    ("", 32, 32, 32, 5, 1, 1),
    ("strided ", 64, 128, 32, 3, 2, 1),
    ("grouped ", 64, 64, 32, 3, 1, 8),
    ("depthwise ", 64, 64, 32, 3, 1, 64),
]
GRID = [Shape(label, batch, cin, cout, size, k, stride, groups)
        for batch in (1, 64)
        for label, cin, cout, size, k, stride, groups in GRID_SHAPES]


def arrays(shape: Shape) -> tuple[numpy.ndarray[Any, Any], ...]:
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((shape.batch, shape.cin, shape.size, shape.size), numpy.float32)
    w = rng.standard_normal((shape.cout, shape.cin // shape.groups, shape.kernel,
                             shape.kernel), numpy.float32) * 0.1
    out = (shape.size + 2 * shape.padding - shape.kernel) // shape.stride + 1
    gy = rng.standard_normal((shape.batch, shape.cout, out, out), numpy.float32)
    return x, w, gy


def runs(shape: Shape, lib: Any, conv: Callable[..., Any], backward: bool
         ) -> Callable[[], None]:
    """A closure timing one conv2d (and its backward) of ``shape`` in ``lib``."""
    x_np, w_np, gy_np = arrays(shape)
    x = lib.tensor(x_np, requires_grad=backward)
    w = lib.tensor(w_np, requires_grad=backward)
    gy = lib.tensor(gy_np)
    geometry = {"stride": shape.stride, "padding": shape.padding, "groups": shape.groups}

    def forward() -> None:
        with lib.no_grad():
            conv(x, w, **geometry)

    def forward_backward() -> None:
        x.grad = w.grad = None
        conv(x, w, **geometry).backward(gy)

    return forward_backward if backward else forward


def workloads(shapes: list[Shape], torch: Any) -> list[harness.Workload]:
    rows = []
    for shape in shapes:
        for backward in (False, True):
            run = {harness.MINIGRAD: runs(shape, minigrad, F.conv2d, backward)}
            if torch is not None:
                run[harness.PYTORCH] = runs(shape, torch, torch.nn.functional.conv2d,
                                            backward)
            x_shape = (shape.batch, shape.cin, shape.size + 2 * shape.padding,
                       shape.size + 2 * shape.padding)
            w_shape = (shape.cout, shape.cin // shape.groups, shape.kernel, shape.kernel)
            pick = convolution.select("forward", x_shape, w_shape, (shape.stride,) * 2,
                                      (1, 1), shape.groups, numpy.float32)
            kind = "forward + backward" if backward else "forward"
            goal = ""
            if shape is ISSUE:
                goal = "<= 1.2x" if backward else "<= 1.0x"
            rows.append(harness.Workload(f"{shape.describe()}, {kind}", run, goal=goal,
                                         note=pick))
    return rows


def kernel_calls(shape: Shape) -> dict[str, Callable[[], Any]]:
    """The three kernels of ``shape``'s convolution, called directly on NumPy arrays."""
    x, w, gy = arrays(shape)
    pad = shape.padding
    xp = numpy.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    s, g = (shape.stride,) * 2, shape.groups
    return {
        "forward": lambda: convolution.conv2d(numpy, xp, w, s, (1, 1), g),
        "grad_input": lambda: convolution.conv2d_grad_input(
            numpy, gy, w, xp.shape[2:], s, (1, 1), g),
        "grad_weight": lambda: convolution.conv2d_grad_weight(
            numpy, gy, xp, w.shape[2:], s, (1, 1), g),
    }


def forced(run: Callable[[], Any], algorithm: str) -> Callable[[], None]:
    def call() -> None:
        with convolution.use_algorithm(algorithm):
            run()

    return call


def algorithm_table(shapes: list[Shape], rounds: int) -> tuple[str, dict[str, Any]]:
    """Every applicable algorithm on each shape's three kernels, in ms."""
    lines = ["| shape | kernel | " + " | ".join(convolution.ALGORITHMS) + " | picked |",
             "|---|---|" + "---|" * (len(convolution.ALGORITHMS) + 1)]
    raw: dict[str, Any] = {}
    for shape in shapes:
        k, s = (shape.kernel,) * 2, (shape.stride,) * 2
        size = shape.size + 2 * shape.padding
        x_shape = (shape.batch, shape.cin, size, size)
        w_shape = (shape.cout, shape.cin // shape.groups, *k)
        for kernel, run in kernel_calls(shape).items():
            rows = [harness.Workload(a, {harness.MINIGRAD: forced(run, a)})
                    for a in convolution.ALGORITHMS
                    if convolution.applies(a, k, s, (1, 1), numpy.float32)]
            harness.measure(rows, rounds=rounds)
            times = {r.name: r.best[harness.MINIGRAD] * 1e3 for r in rows}
            picked = convolution.select(kernel, x_shape, w_shape, s, (1, 1), shape.groups,
                                        numpy.float32)
            cells = [f"{times[a]:.3g}" if a in times else "-" for a in convolution.ALGORITHMS]
            lines.append(f"| {shape.describe()} | {kernel} | " + " | ".join(cells)
                         + f" | {picked} |")
            raw[f"{shape.describe()} {kernel}"] = times
    return "\n".join(lines), raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--algorithms", action="store_true",
                        help="time minigrad's algorithms against each other instead")
    args = parser.parse_args()
    torch = harness.one_thread()
    if args.algorithms:
        extra = [Shape("", batch, c, c, size, 3) for batch in (1, 8, 64)
                 for c in (8, 16, 32, 64) for size in (8, 16, 32)]
        body, raw = algorithm_table([ISSUE, *GRID, *extra], args.rounds)
        harness.write("conv_algorithms", "minigrad's convolution algorithms, ms per kernel "
                      "call", body, {"machine": harness.machine(), "ms": raw})
        return
    rows = workloads([ISSUE, *GRID], torch)
    harness.measure(rows, rounds=args.rounds)
    harness.write("conv", "conv2d, minigrad against PyTorch", harness.table(rows),
                  harness.record(rows))


if __name__ == "__main__":
    main()
