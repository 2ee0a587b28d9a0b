"""minigrad on the GPU (CuPy backend) against PyTorch CUDA on the same GPU, in one process.

Workloads, float32, the same for both frameworks:

* LeNet-5 (the model of ``bench_lenet.py``): a training step (forward, cross-entropy,
  backward, SGD with momentum) at batch 64, and inference under ``no_grad`` at batch 256;
* ``conv2d`` 3x3, 64 -> 64 channels, 32x32, batch 32, padding 1: forward (no graph) and
  forward + backward (gradients of input, weight and bias);
* a ResNet-style CNN training step: three stages (32, 64, 128 channels, the first
  convolution of stages 2 and 3 with stride 2) of two 3x3 conv + BatchNorm + ReLU blocks,
  global average pooling and a linear classifier; batch 64 of 3x32x32 images;
* ``max_pool2d`` 2x2 forward + backward on the conv output shape (32, 64, 32, 32);
* per-op overhead: the ten-op chain of ``bench_overhead.py`` on one-element tensors,
  forward and forward + backward.

A round runs one workload ``iters`` times between two synchronisations of its device
(``backend.synchronize()`` for minigrad, ``torch.cuda.synchronize()`` for PyTorch), so all
queued GPU work is counted; ``iters`` is chosen so a round lasts about ``--round-ms``.
Rounds alternate between the two frameworks and the median round counts. PyTorch runs
with TF32 switched off, so both compute in full float32 (CuPy uses no TF32 unless
``CUPY_TF32=1`` is set).

With ``--device cpu`` (also chosen by ``--device auto`` where the CuPy backend cannot run)
the same workloads run on the CPU with the NumPy backend against PyTorch on the CPU, one
thread: a dry run of the GPU benchmark on a machine without a GPU. There are no timed
assertions; the goals are a LeNet-5 training step and the per-op overhead within 2x of
PyTorch. Prints the tables; on the GPU it writes ``benchmarks/results/cupy.md`` (shown on
the docs' Performance page) and ``cupy.json``, elsewhere only where ``--out`` says.

    python benchmarks/bench_cupy.py [--device auto|cuda|cpu] [--rounds 5] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy

import minigrad

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling benchmark modules
import bench_lenet
import bench_overhead

RESULTS = Path(__file__).resolve().parent / "results"
LENET_TRAIN_BATCH, LENET_INFER_BATCH = 64, 256
CONV_SHAPE = (32, 64, 32, 32)  # N, C, H, W; 3x3 kernel, 64 output channels, padding 1
RESNET_BATCH, RESNET_WIDTHS = 64, (32, 64, 128)
GOALS = {"lenet_train": 2.0, "overhead_forward": 2.0, "overhead_forward_backward": 2.0}

Step = Callable[[], None]


@dataclass
class Case:
    """One workload: its label, the unit it is reported in, and a maker per framework."""

    key: str
    label: str
    make: Callable[[Any, str], Step]  # (library, device) -> step
    per: int = 1  # report time per call / per (e.g. per op of the chain)
    unit: str = "ms"
    results: dict[str, float] = field(default_factory=dict)


# --- workloads, written once for both frameworks (minigrad mirrors PyTorch's API) -------


def conv_forward(lib: Any, device: str) -> Step:
    n, c, h, w = CONV_SHAPE
    x = lib.randn(n, c, h, w, device=device)
    weight = lib.randn(c, c, 3, 3, device=device)
    bias = lib.randn(c, device=device)

    def step() -> None:
        with lib.no_grad():
            lib.nn.functional.conv2d(x, weight, bias, padding=1)

    return step


def conv_forward_backward(lib: Any, device: str) -> Step:
    n, c, h, w = CONV_SHAPE
    x = lib.randn(n, c, h, w, device=device, requires_grad=True)
    weight = lib.randn(c, c, 3, 3, device=device, requires_grad=True)
    bias = lib.randn(c, device=device, requires_grad=True)

    def step() -> None:
        x.grad = weight.grad = bias.grad = None
        lib.nn.functional.conv2d(x, weight, bias, padding=1).sum().backward()

    return step


def resnet_style(nn: Any) -> Any:
    """Three stages of two conv3x3 + BatchNorm + ReLU blocks, then pool and classify."""
    layers: list[Any] = []
    channels = 3
    for stage, width in enumerate(RESNET_WIDTHS):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            layers += [nn.Conv2d(channels, width, 3, stride=stride, padding=1, bias=False),
                       nn.BatchNorm2d(width), nn.ReLU()]
            channels = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(channels, 10))


def resnet_train(lib: Any, device: str) -> Step:
    model = resnet_style(lib.nn).to(device)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = lib.randn(RESNET_BATCH, 3, 32, 32, device=device)
    y = lib.randint(0, 10, (RESNET_BATCH,), device=device)

    def step() -> None:
        optimizer.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    return step


def max_pool_forward_backward(lib: Any, device: str) -> Step:
    x = lib.randn(*CONV_SHAPE, device=device, requires_grad=True)

    def step() -> None:
        x.grad = None
        lib.nn.functional.max_pool2d(x, 2).sum().backward()

    return step


def lenet(which: str) -> Callable[[Any, str], Step]:
    """The LeNet-5 cases of bench_lenet.py (``which`` is "train" or "inference")."""

    def make(lib: Any, device: str) -> Step:
        if lib is minigrad:  # bench_lenet builds minigrad's model on the current backend
            with minigrad.use_backend(device_backend(device)):
                cases = bench_lenet.minigrad_cases(LENET_TRAIN_BATCH, LENET_INFER_BATCH)
        else:
            cases = bench_lenet.torch_cases(LENET_TRAIN_BATCH, LENET_INFER_BATCH, device)
        assert cases is not None
        return cases[which]

    return make


def overhead(which: int) -> Callable[[Any, str], Step]:
    """The ten-op chain of bench_overhead.py: 0 forward, 1 forward + backward."""

    def make(lib: Any, device: str) -> Step:
        on_device = types.SimpleNamespace(
            tensor=lambda data, **kw: lib.tensor(data, device=device, **kw)
        )
        return bench_overhead.cases(on_device)[which]

    return make


def all_cases() -> list[Case]:
    n, c, h, w = CONV_SHAPE
    conv = f"conv2d 3x3 {c}->{c}, {h}x{w}, batch {n}"
    chain = bench_overhead.OPS_PER_CHAIN
    return [
        Case("lenet_train", f"LeNet-5 training step, batch {LENET_TRAIN_BATCH}", lenet("train")),
        Case("lenet_inference", f"LeNet-5 inference, batch {LENET_INFER_BATCH}",
             lenet("inference")),
        Case("conv_forward", f"{conv}: forward", conv_forward),
        Case("conv_forward_backward", f"{conv}: forward + backward", conv_forward_backward),
        Case("resnet_train", f"ResNet-style CNN training step, batch {RESNET_BATCH}",
             resnet_train),
        Case("max_pool", f"max_pool2d 2x2 {n}x{c}x{h}x{w}: forward + backward",
             max_pool_forward_backward),
        Case("overhead_forward", f"per-op overhead, {chain}-op chain: forward",
             overhead(0), per=chain, unit="µs/op"),
        Case("overhead_forward_backward",
             f"per-op overhead, {chain}-op chain: forward + backward",
             overhead(1), per=chain, unit="µs/op"),
    ]


# --- timing -------------------------------------------------------------------------------


def round_seconds(step: Step, sync: Callable[[], None], iters: int) -> float:
    """Seconds per call of ``step`` over ``iters`` calls between two synchronisations."""
    sync()
    start = time.perf_counter()
    for _ in range(iters):
        step()
    sync()
    return (time.perf_counter() - start) / iters


def calibrate(step: Step, sync: Callable[[], None], round_s: float, warmup: int) -> int:
    """Warm up (CuPy compiles its kernels on first use), then pick calls per round."""
    for _ in range(warmup):
        step()
    one = round_seconds(step, sync, 1)
    return max(1, min(10_000, math.ceil(round_s / max(one, 1e-7))))


def run_case(case: Case, frameworks: dict[str, tuple[Any, Callable[[], None]]], device: str,
             rounds: int, round_s: float, warmup: int) -> None:
    """Time ``case`` for every framework, rounds interleaved; keep the median per call."""
    steps, iters, times = {}, {}, {}
    for name, (lib, sync) in frameworks.items():
        steps[name] = case.make(lib, device)
        iters[name] = calibrate(steps[name], sync, round_s, warmup)
        times[name] = []
    for _ in range(rounds):
        for name, (_, sync) in frameworks.items():
            times[name].append(round_seconds(steps[name], sync, iters[name]))
    scale = 1e6 if case.unit.startswith("µs") else 1e3
    for name, samples in times.items():
        case.results[name] = statistics.median(samples) * scale / case.per


# --- setup and report -------------------------------------------------------------------------


def device_backend(device: str) -> str:
    return "cupy" if device == "cuda" else "numpy"


def cupy_unusable_reason() -> str | None:
    info = {i.name: i for i in minigrad.backends.available()}.get("cupy")
    if info is None:
        return "no backend named 'cupy' is registered (is minigrad installed with pip?)"
    return None if info.usable else info.reason


def load_torch(device: str) -> tuple[Any, str]:
    """PyTorch set up for a fair float32 comparison on ``device``, or (None, why not)."""
    try:
        import torch
    except ImportError:
        return None, "PyTorch is not installed"
    if device == "cuda":
        if not torch.cuda.is_available():
            return None, f"PyTorch {torch.__version__} sees no CUDA device"
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        note = (f"PyTorch {torch.__version__} (CUDA {torch.version.cuda}, cuDNN "
                f"{torch.backends.cudnn.version()}), TF32 off, eager")
    else:
        torch.set_num_threads(1)
        note = f"PyTorch {torch.__version__}, 1 thread, eager"
    return torch, note


def describe_device(device: str, backend: Any) -> str:
    if device == "cpu":
        return f"the CPU ({os.cpu_count()} cores)"
    xp = backend.xp
    try:
        name = xp.cuda.runtime.getDeviceProperties(xp.cuda.Device().id)["name"]
        name = name.decode() if isinstance(name, bytes) else str(name)
    except Exception as exc:  # an emulated CuPy (benchmarks/emulated_cupy) has no device
        name = f"unknown GPU ({type(exc).__name__})"
    return f"{name}, CuPy {xp.__version__}"


def report(cases: list[Case], header: str, torch_note: str) -> str:
    has_torch = any("PyTorch" in c.results for c in cases)
    lines = [header, "", "| case | minigrad | PyTorch | minigrad / PyTorch | goal |",
             "|---|---|---|---|---|"]
    for case in cases:
        mine = case.results["minigrad"]
        goal = f"<= {GOALS[case.key]}x" if case.key in GOALS else ""
        if has_torch:
            theirs = case.results["PyTorch"]
            lines.append(f"| {case.label} | {mine:.3g} {case.unit} | {theirs:.3g} {case.unit} "
                         f"| {mine / theirs:.2f}x | {goal} |")
        else:
            lines.append(f"| {case.label} | {mine:.3g} {case.unit} | n/a | n/a | {goal} |")
    lines += ["", f"PyTorch: {torch_note}."]
    return "\n".join(lines) + "\n"


def record(cases: list[Case], header: str, torch_note: str, device: str) -> dict[str, Any]:
    return {
        "device": device, "header": header, "pytorch": torch_note,
        "python": platform.python_version(), "numpy": numpy.__version__,
        "cases": {c.key: {"label": c.label, "unit": c.unit, **c.results} for c in cases},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["auto", "cuda", "cpu"], default="auto",
                        help="cuda: CuPy backend vs PyTorch CUDA; cpu: NumPy backend vs "
                             "PyTorch CPU (dry run); auto: cuda where the CuPy backend runs")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per framework")
    parser.add_argument("--round-ms", type=float, default=100.0,
                        help="target length of one timed round")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls before timing")
    parser.add_argument("--only", nargs="*", default=None, metavar="CASE",
                        help="run only these cases (keys as in cupy.json)")
    parser.add_argument("--out", type=Path, default=None,
                        help="results markdown (a .json is written beside it); default on "
                             "the GPU: benchmarks/results/cupy.md, on the CPU: none")
    args = parser.parse_args(argv)

    reason = cupy_unusable_reason()
    device = args.device
    if device == "auto":
        device = "cuda" if reason is None else "cpu"
        if reason is not None:
            print(f"the CuPy backend cannot run here ({reason}); timing on the CPU instead")
    elif device == "cuda" and reason is not None:
        print(f"error: the CuPy backend cannot run here: {reason}", file=sys.stderr)
        return 2
    out = args.out or (RESULTS / "cupy.md" if device == "cuda" else None)

    backend = minigrad.backends.get(device_backend(device))
    torch, torch_note = load_torch(device)
    frameworks: dict[str, tuple[Any, Callable[[], None]]] = {
        "minigrad": (minigrad, backend.synchronize)
    }
    if torch is not None:
        torch_sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
        frameworks["PyTorch"] = (torch, torch_sync)
    minigrad.manual_seed(0)
    if torch is not None:
        torch.manual_seed(0)

    cases = [c for c in all_cases() if args.only is None or c.key in args.only]
    started = time.perf_counter()
    for case in cases:
        t0 = time.perf_counter()
        run_case(case, frameworks, device, args.rounds, args.round_ms / 1e3, args.warmup)
        timings = ", ".join(f"{k} {v:.3g} {case.unit}" for k, v in case.results.items())
        print(f"  {case.key}: {timings}  ({time.perf_counter() - t0:.1f} s)", flush=True)

    header = (
        f"minigrad ({device_backend(device)} backend) vs PyTorch on "
        f"{describe_device(device, backend)}; float32; {platform.machine()}, Python "
        f"{platform.python_version()}, NumPy {numpy.__version__}; median of {args.rounds} "
        "rounds, each timed between two device synchronisations."
    )
    text = report(cases, header, torch_note)
    print()
    print(text)
    print(f"benchmark time {time.perf_counter() - started:.1f} s")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        data = record(cases, header, torch_note, device)
        out.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"written to {out} and {out.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
