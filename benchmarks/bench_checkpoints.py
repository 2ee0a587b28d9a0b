"""Checkpoint speed: saving and loading a ResNet-18-sized state dict, minigrad against
PyTorch in the same process.

The state dict (102 tensors, 11.7 M float32 values, 47 MB) has the shapes of ResNet-18's
convolutions, batch norms and classifier. Measured: ``minigrad.save`` (its ``.npz``
format, atomic) against ``torch.save``; ``minigrad.load`` of a ``torch.save`` file against
``torch.load(weights_only=True)``; ``minigrad.load`` of a ``.safetensors`` file against
``safetensors.torch.load_file``. Best of ``--repeat`` runs, files on the same disk. Prints
a table and writes ``benchmarks/results/checkpoints.md``.

Run: ``python benchmarks/bench_checkpoints.py [--repeat 5]`` (needs torch and safetensors)
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy

import minigrad


def resnet18_shapes() -> dict[str, tuple[int, ...]]:
    """The parameter and buffer shapes of ResNet-18 (no torchvision needed)."""
    shapes: dict[str, tuple[int, ...]] = {"conv1.weight": (64, 3, 7, 7)}

    def batch_norm(name: str, c: int) -> None:
        for kind in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{name}.{kind}"] = (c,)

    batch_norm("bn1", 64)
    channels = 64
    for layer, out in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            name = f"layer{layer}.{block}"
            cin = channels if block == 0 else out
            shapes[f"{name}.conv1.weight"] = (out, cin, 3, 3)
            batch_norm(f"{name}.bn1", out)
            shapes[f"{name}.conv2.weight"] = (out, out, 3, 3)
            batch_norm(f"{name}.bn2", out)
            if block == 0 and cin != out:
                shapes[f"{name}.downsample.0.weight"] = (out, cin, 1, 1)
                batch_norm(f"{name}.downsample.1", out)
        channels = out
    shapes["fc.weight"], shapes["fc.bias"] = (1000, 512), (1000,)
    return shapes


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> list[tuple[str, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)

    import safetensors.torch
    import torch

    rng = numpy.random.default_rng(0)
    host = {k: rng.standard_normal(s).astype(numpy.float32) for k, s in resnet18_shapes().items()}
    theirs = {k: torch.from_numpy(v) for k, v in host.items()}
    ours = {k: minigrad.from_numpy(v) for k, v in host.items()}
    values = sum(v.size for v in host.values())
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        pt, npz = Path(folder) / "m.pt", Path(folder) / "m.npz"
        st = Path(folder) / "m.safetensors"
        rows.append(("save (minigrad .npz vs torch.save)",
                     best_of(lambda: minigrad.save(ours, npz), args.repeat),
                     best_of(lambda: torch.save(theirs, pt), args.repeat)))
        rows.append(("load a torch.save file",
                     best_of(lambda: minigrad.load(pt), args.repeat),
                     best_of(lambda: torch.load(pt, weights_only=True), args.repeat)))
        safetensors.torch.save_file(theirs, str(st))
        rows.append(("load a .safetensors file",
                     best_of(lambda: minigrad.load(st), args.repeat),
                     best_of(lambda: safetensors.torch.load_file(str(st)), args.repeat)))
        loaded = minigrad.load(pt)
        assert all(numpy.array_equal(loaded[k].numpy(), host[k]) for k in host)

    lines = [
        f"Checkpoints: a ResNet-18-sized state dict ({len(host)} tensors, {values / 1e6:.1f} M "
        f"float32 values, {values * 4 / 1e6:.0f} MB), best of {args.repeat} "
        f"({platform.machine()}, Python {platform.python_version()}, torch {torch.__version__}).",
        "",
        "| operation | minigrad ms | PyTorch ms | ratio |",
        "|---|---|---|---|",
    ]
    for name, mine, reference in rows:
        lines.append(f"| {name} | {mine * 1e3:.1f} | {reference * 1e3:.1f} | "
                     f"{mine / reference:.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "checkpoints.md").write_text(text, encoding="utf-8")
    return rows


if __name__ == "__main__":
    main()
