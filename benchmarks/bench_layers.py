"""The layers added for PyTorch programs' breadth (issue 11), against PyTorch: forward and
backward of resizing, grid sampling, per-sample normalisation, pixel shuffle, padding,
1-D pooling, activations and losses, at the sizes CNN programs use them. Most of these
are composites of other minigrad ops, so the ratio shows what the composition costs.
Writes ``benchmarks/results/layers.md`` and ``.json``.

    python benchmarks/bench_layers.py [--rounds 5]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import harness
import numpy

import minigrad


def _step(lib: Any, fn: Callable[..., Any], shapes: list[tuple[int, ...]], backward: bool
          ) -> Callable[[], None]:
    """``fn(*inputs)`` (then its backward under a fixed output gradient) on fixed inputs."""
    rng = numpy.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(numpy.float32) for s in shapes]
    tensors = [lib.tensor(a, requires_grad=backward) for a in arrays]
    seed = fn(*tensors)
    weight = lib.tensor(rng.standard_normal(tuple(seed.shape)).astype(numpy.float32))

    def run() -> None:
        if not backward:
            with lib.no_grad():
                fn(*tensors)
            return
        for t in tensors:
            t.grad = None
        (fn(*tensors) * weight).sum().backward()

    return run


def cases(F: Any, lib: Any) -> list[tuple[str, Callable[..., Any], list[tuple[int, ...]]]]:
    """(name, function, input shapes), the same for both frameworks' ``F``."""
    theta = [[[0.9, 0.1, 0.05], [-0.1, 0.95, 0.0]]]

    def stn(x: Any) -> Any:
        grid = F.affine_grid(lib.tensor(theta * x.shape[0]), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)

    return [
        ("interpolate nearest x2, 8x32x32x32", lambda x: F.interpolate(x, scale_factor=2),
         [(8, 32, 32, 32)]),
        ("interpolate bilinear x2, 8x32x32x32",
         lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), [(8, 32, 32, 32)]),
        ("interpolate bicubic to 48x48, 4x16x32x32",
         lambda x: F.interpolate(x, size=(48, 48), mode="bicubic"), [(4, 16, 32, 32)]),
        ("affine_grid + grid_sample (STN), 64x1x28x28", stn, [(64, 1, 28, 28)]),
        ("group_norm 8 groups, 8x64x32x32", lambda x: F.group_norm(x, 8), [(8, 64, 32, 32)]),
        ("instance_norm, 8x64x32x32", lambda x: F.instance_norm(x), [(8, 64, 32, 32)]),
        ("local_response_norm 5, 8x64x27x27", lambda x: F.local_response_norm(x, 5),
         [(8, 64, 27, 27)]),
        ("pixel_shuffle 2, 8x64x32x32", lambda x: F.pixel_shuffle(x, 2), [(8, 64, 32, 32)]),
        ("reflection pad 1, 8x32x64x64", lambda x: F.pad(x, (1, 1, 1, 1), mode="reflect"),
         [(8, 32, 64, 64)]),
        ("max_pool1d 3/2, 32x64x256", lambda x: F.max_pool1d(x, 3, 2), [(32, 64, 256)]),
        ("hardswish, 8x64x32x32", F.hardswish, [(8, 64, 32, 32)]),
        ("mish, 8x64x32x32", F.mish, [(8, 64, 32, 32)]),
        ("cosine_similarity, 256x512", F.cosine_similarity, [(256, 512), (256, 512)]),
        ("triplet_margin_loss, 256x128", F.triplet_margin_loss,
         [(256, 128), (256, 128), (256, 128)]),
        ("kl_div batchmean, 256x1000",
         lambda x, y: F.kl_div(F.log_softmax(x, 1), F.softmax(y, 1), reduction="batchmean"),
         [(256, 1000), (256, 1000)]),
    ]


def workloads(torch: Any) -> list[harness.Workload]:
    import minigrad.nn.functional as F

    rows = []
    ours = cases(F, minigrad)
    theirs = cases(torch.nn.functional, torch) if torch is not None else [None] * len(ours)
    for mine, other in zip(ours, theirs):
        for backward in (False, True):
            kind = "forward + backward" if backward else "forward"
            run = {harness.MINIGRAD: _step(minigrad, mine[1], mine[2], backward)}
            if other is not None:
                run[harness.PYTORCH] = _step(torch, other[1], other[2], backward)
            rows.append(harness.Workload(f"{mine[0]}, {kind}", run))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch = harness.one_thread()
    rows = workloads(torch)
    harness.measure(rows, rounds=args.rounds, seconds=0.05)
    harness.write("layers", "The layers of issue 11, minigrad against PyTorch",
                  harness.table(rows), harness.record(rows))


if __name__ == "__main__":
    main()
