"""minigrad on the GPU (CuPy backend) against PyTorch CUDA.

Two workloads, float32, timed with the device synchronized before and after:

* conv2d forward + backward (gradients of input, weight and bias) for a few layer shapes;
* one LeNet-5 training step (forward, cross-entropy, backward, SGD update), batch 128.

Needs a CUDA GPU and CuPy (``pip install "minigrad-cnn[cuda12]"``); PyTorch with CUDA is
optional (its column is left out without it). Where the CuPy backend cannot run, the
script says why and exits without error. Prints a table and writes
``benchmarks/results/cupy.md``.

Run: ``python benchmarks/bench_cupy.py [--repeat 20]``
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import minigrad

# (batch, in_channels, size, out_channels, kernel, padding)
CONV_SHAPES = [
    (128, 1, 28, 6, 5, 2),  # LeNet-5, first layer
    (64, 32, 32, 64, 3, 1),
    (32, 64, 56, 64, 3, 1),
]
LENET_BATCH = 128


def time_ms(step: Callable[[], None], sync: Callable[[], None], repeat: int) -> float:
    """Median wall time of ``step`` in ms, after three warm-up calls (kernel compilation)."""
    for _ in range(3):
        step()
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


# --- minigrad -----------------------------------------------------------------------------


def minigrad_conv(shape: tuple[int, ...]) -> Callable[[], None]:
    import minigrad.nn.functional as F

    n, c, size, o, k, pad = shape
    x = minigrad.randn(n, c, size, size, requires_grad=True)
    w = (minigrad.randn(o, c, k, k) * 0.1).requires_grad_()
    b = minigrad.zeros(o, requires_grad=True)

    def step() -> None:
        x.grad = w.grad = b.grad = None
        F.conv2d(x, w, b, padding=pad).sum().backward()

    return step


def minigrad_lenet() -> Callable[[], None]:
    import minigrad.nn.functional as F
    from minigrad import nn, optim

    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = minigrad.randn(LENET_BATCH, 1, 28, 28)
    y = minigrad.randint(0, 10, (LENET_BATCH,))

    def step() -> None:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    return step


# --- PyTorch ------------------------------------------------------------------------------


def torch_conv(torch: Any, shape: tuple[int, ...]) -> Callable[[], None]:
    n, c, size, o, k, pad = shape
    dev = torch.device("cuda")
    x = torch.randn(n, c, size, size, device=dev, requires_grad=True)
    w = (torch.randn(o, c, k, k, device=dev) * 0.1).requires_grad_()
    b = torch.zeros(o, device=dev, requires_grad=True)

    def step() -> None:
        x.grad = w.grad = b.grad = None
        torch.nn.functional.conv2d(x, w, b, padding=pad).sum().backward()

    return step


def torch_lenet(torch: Any) -> Callable[[], None]:
    nn = torch.nn
    dev = torch.device("cuda")
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    ).to(dev)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(LENET_BATCH, 1, 28, 28, device=dev)
    y = torch.randint(0, 10, (LENET_BATCH,), device=dev)

    def step() -> None:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    return step


# --- driver -------------------------------------------------------------------------------


def cupy_unusable_reason() -> str | None:
    info = {i.name: i for i in minigrad.backends.available()}.get("cupy")
    if info is None:
        return "no backend named 'cupy' is registered (is minigrad installed with pip?)"
    return None if info.usable else info.reason


def torch_cuda() -> tuple[Any, str]:
    """PyTorch if it can use CUDA here, with a description; else (None, why not)."""
    try:
        import torch
    except ImportError:
        return None, "PyTorch is not installed"
    if not torch.cuda.is_available():
        return None, f"PyTorch {torch.__version__} has no usable CUDA device"
    return torch, f"torch {torch.__version__} (cuDNN {torch.backends.cudnn.version()})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per workload")
    args = parser.parse_args()

    reason = cupy_unusable_reason()
    if reason is not None:
        print(f"skipped: minigrad's cupy backend cannot run here: {reason}")
        return
    torch, torch_note = torch_cuda()

    minigrad.set_backend("cupy")
    backend = minigrad.backends.current()
    cupy = backend.xp
    gpu = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)["name"]
    gpu = gpu.decode() if isinstance(gpu, bytes) else str(gpu)
    minigrad.manual_seed(0)

    rows = []
    workloads: list[tuple[str, Callable[[], Callable[[], None]], Any]] = [
        (f"conv2d fwd+bwd {n}x{c}x{s}x{s} -> {o}, k{k}",
         lambda shape=(n, c, s, o, k, p): minigrad_conv(shape),
         (lambda shape=(n, c, s, o, k, p): torch_conv(torch, shape)) if torch else None)
        for n, c, s, o, k, p in CONV_SHAPES
    ]
    workloads.append((
        f"LeNet-5 train step, batch {LENET_BATCH}", minigrad_lenet,
        (lambda: torch_lenet(torch)) if torch else None,
    ))
    for label, make_ours, make_theirs in workloads:
        ours = time_ms(make_ours(), backend.synchronize, args.repeat)
        theirs = None
        if make_theirs is not None:
            theirs = time_ms(make_theirs(), torch.cuda.synchronize, args.repeat)
        rows.append((label, ours, theirs))

    header = (
        f"minigrad CuPy backend (CuPy {cupy.__version__}) vs PyTorch CUDA, float32, on {gpu} "
        f"({platform.machine()}, Python {platform.python_version()}); median of "
        f"{args.repeat} runs."
    )
    lines = [header, "", "| workload | minigrad ms | PyTorch ms | ratio |", "|---|---|---|---|"]
    for label, ours, theirs in rows:
        if theirs is None:
            lines.append(f"| {label} | {ours:.2f} | n/a | n/a |")
        else:
            lines.append(f"| {label} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.2f}x |")
    lines += ["", f"PyTorch: {torch_note}."]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).resolve().parent / "results" / "cupy.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
