"""Peak memory of a training step: minigrad against PyTorch, each in a process of its own.

For LeNet-5 (batch 64) and the ResNet-style CNN (batch 64) of ``bench_models.py``, a fresh
Python process imports one framework, builds the model, the optimizer and a batch, notes
its resident memory (RSS), runs a few SGD-with-momentum training steps and reports its peak
RSS. The table shows the peak's growth over the idle process (activations, gradients,
momentum buffers and temporaries: what a step costs) and the peak itself (which includes
each library's code). Linux only (``/proc/self/status``). Writes
``benchmarks/results/memory.md`` and ``.json``.

    python benchmarks/bench_memory.py [--steps 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import harness

MODELS = {"LeNet-5": (harness.lenet5, (1, 32, 32)),
          "ResNet-style CNN": (harness.resnet_style, (3, 32, 32))}
BATCH = 64


def rss_kib(field: str) -> int:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak resident) of this process, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field} line")


def child(framework: str, model_name: str, steps: int) -> dict[str, int]:
    """Run in the subprocess: the memory numbers of ``steps`` training steps."""
    if framework == harness.PYTORCH:
        import torch as lib

        lib.set_num_threads(1)
    else:
        import minigrad as lib

        lib.set_num_threads(1)
    make, image = MODELS[model_name]
    lib.manual_seed(0)
    step = harness.training_step(lib, make(lib.nn), BATCH, image)
    idle = rss_kib("VmRSS")
    for _ in range(steps):
        step()
    return {"idle_kib": idle, "peak_kib": rss_kib("VmHWM")}


def measure(framework: str, model_name: str, steps: int) -> dict[str, int] | None:
    """The numbers of one framework and model, from a fresh process (None if the
    framework is not installed)."""
    command = [sys.executable, __file__, "--child", framework, model_name,
               "--steps", str(steps)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        if "No module named 'torch'" in done.stderr:
            return None
        raise RuntimeError(f"{framework} {model_name} failed:\n{done.stderr}")
    result: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "MODEL"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.steps)))
        return
    lines = ["| training step, batch 64 | minigrad: peak over idle (MiB) | PyTorch: peak "
             "over idle (MiB) | minigrad / PyTorch | peak RSS minigrad / PyTorch (MiB) |",
             "|---|---|---|---|---|"]
    raw: dict[str, Any] = {}
    for model_name in MODELS:
        mine = measure(harness.MINIGRAD, model_name, args.steps)
        theirs = measure(harness.PYTORCH, model_name, args.steps)
        raw[model_name] = {harness.MINIGRAD: mine, harness.PYTORCH: theirs}
        assert mine is not None
        grow = (mine["peak_kib"] - mine["idle_kib"]) / 1024
        if theirs is None:
            lines.append(f"| {model_name} | {grow:.1f} | (not installed) | - | "
                         f"{mine['peak_kib'] / 1024:.0f} / - |")
            continue
        their_grow = (theirs["peak_kib"] - theirs["idle_kib"]) / 1024
        lines.append(f"| {model_name} | {grow:.1f} | {their_grow:.1f} | "
                     f"{grow / their_grow:.2f}x | {mine['peak_kib'] / 1024:.0f} / "
                     f"{theirs['peak_kib'] / 1024:.0f} |")
    harness.write("memory", f"Peak memory of {args.steps} training steps, each framework in "
                  "a process of its own", "\n".join(lines),
                  {"machine": harness.machine(), "kib": raw})


if __name__ == "__main__":
    main()
