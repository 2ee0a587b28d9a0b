"""What the benchmark scripts share: one thread per framework, interleaved best-of timing,
the two CNNs of the model benchmarks, and Markdown tables written to ``results/``.

Timing: every workload is timed for minigrad and PyTorch alternately, round after round,
and the best round of each counts, so that a busy spell of the machine hits both alike.
Times are the CPU time of the process (``time.process_time``): with one thread per
framework it equals the wall time on an idle machine, and it does not count the time the
process waits while other programs have the cores. Only ratios are meant to be compared.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy

RESULTS = Path(__file__).parent / "results"
MINIGRAD = "minigrad"
PYTORCH = "pytorch"


def one_thread() -> Any:
    """Limit minigrad (NumPy's BLAS) and PyTorch to one thread each; return the ``torch``
    module, or ``None`` when PyTorch is not installed."""
    import minigrad

    minigrad.set_num_threads(1)
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


@dataclass
class Workload:
    """One row of a results table: the same work written for each framework."""

    name: str
    runs: dict[str, Callable[[], None]]
    goal: str = ""
    note: str = ""
    best: dict[str, float] = field(default_factory=dict)  # seconds per call

    def ratio(self) -> float | None:
        if MINIGRAD in self.best and PYTORCH in self.best:
            return self.best[MINIGRAD] / self.best[PYTORCH]
        return None


def _calls_for(run: Callable[[], None], seconds: float) -> int:
    """How many calls of ``run`` take about ``seconds`` (after one warm-up call)."""
    run()
    start = time.process_time()
    run()
    once = max(time.process_time() - start, 1e-6)
    return max(1, min(1000, round(seconds / once)))


def measure(workloads: list[Workload], rounds: int = 5, seconds: float = 0.1) -> None:
    """Fill ``best`` of every workload: the best time per call over ``rounds`` rounds, each
    round timing every framework of every workload once, alternately."""
    calls = {(w.name, fw): _calls_for(run, seconds) for w in workloads
             for fw, run in w.runs.items()}
    for _ in range(rounds):
        for w in workloads:
            for fw, run in w.runs.items():
                n = calls[w.name, fw]
                start = time.process_time()
                for _ in range(n):
                    run()
                per_call = (time.process_time() - start) / n
                w.best[fw] = min(w.best.get(fw, float("inf")), per_call)


def machine() -> str:
    """One line naming the machine and the library versions."""
    import minigrad

    versions = f"minigrad {minigrad.__version__}, NumPy {numpy.__version__}"
    try:
        import torch

        versions += f", PyTorch {torch.__version__}"
    except ImportError:
        pass
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {versions}; one thread per framework")


def table(workloads: list[Workload], unit: str = "ms") -> str:
    """Markdown table of the best times and the minigrad / PyTorch ratios."""
    scale = {"ms": 1e3, "µs": 1e6}[unit]
    has_goal = any(w.goal for w in workloads)
    has_note = any(w.note for w in workloads)
    head = ["workload", f"minigrad ({unit})", f"PyTorch ({unit})", "minigrad / PyTorch"]
    head += ["goal"] * has_goal + ["note"] * has_note
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for w in workloads:
        mine = w.best.get(MINIGRAD)
        theirs = w.best.get(PYTORCH)
        ratio = w.ratio()
        cells = [
            w.name,
            "-" if mine is None else f"{mine * scale:.3g}",
            "(not installed)" if theirs is None else f"{theirs * scale:.3g}",
            "-" if ratio is None else f"{ratio:.2f}x",
        ]
        cells += [w.goal] * has_goal + [w.note] * has_note
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write(name: str, title: str, body: str, record: dict[str, Any]) -> None:
    """Print ``body`` and write it to ``results/NAME.md`` (with a title line and the
    machine line) and ``record`` to ``results/NAME.json``."""
    text = f"{title} ({machine()}).\n\n{body}\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n",
                                          encoding="utf-8")


def record(workloads: list[Workload]) -> dict[str, Any]:
    """The raw numbers of ``workloads`` (seconds per call) for the JSON file."""
    return {
        "machine": machine(),
        "seconds_per_call": {w.name: w.best for w in workloads},
        "ratios": {w.name: w.ratio() for w in workloads},
    }


# --- the two CNNs ---------------------------------------------------------------------------
def lenet5(nn: Any) -> Any:
    """LeNet-5 as in ``examples/lenet5.py`` (tanh, max pooling), for either framework's
    ``nn`` module."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
        nn.Linear(84, 10),
    )


def resnet_style(nn: Any) -> Any:
    """Three stages of two 3x3 conv + BatchNorm + ReLU blocks, 32/64/128 channels, the
    first conv of stages 2 and 3 with stride 2; global average pooling and a linear
    classifier: 3x32x32 images, 10 classes."""
    layers: list[Any] = []
    channels = 3
    for stage, width in enumerate((32, 64, 128)):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            layers += [nn.Conv2d(channels, width, 3, stride=stride, padding=1, bias=False),
                       nn.BatchNorm2d(width), nn.ReLU()]
            channels = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 10)]
    return nn.Sequential(*layers)


def training_step(lib: Any, model: Any, batch: int, image: tuple[int, int, int]
                  ) -> Callable[[], None]:
    """One SGD-with-momentum training step of ``model`` on a fixed random batch, for
    ``lib`` = ``minigrad`` or ``torch``."""
    lib.manual_seed(0)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = lib.randn(batch, *image)
    y = lib.randint(0, 10, (batch,))
    loss_fn = lib.nn.functional.cross_entropy

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def inference(lib: Any, model: Any, batch: int, image: tuple[int, int, int]
              ) -> Callable[[], None]:
    """One forward pass without gradients on a fixed random batch."""
    x = lib.randn(batch, *image)

    def run() -> None:
        with lib.no_grad():
            model(x)

    return run
