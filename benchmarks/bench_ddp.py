"""Data-parallel LeNet-5 training: throughput on 1 and 2 processes, scaling, allreduce cost.

Starts ``mpiexec -n 1`` and ``mpiexec -n 2`` runs of this script (each process with one
BLAS thread) that time a LeNet-5 training step (forward, cross-entropy, backward, SGD
with momentum) on a batch of 64 per process: one process trains the plain model, two
processes train it under ``DistributedDataParallel``. Reported: samples per second over
all processes, the scaling efficiency (throughput on 2 / twice that on 1), the time per
step spent averaging gradients (packing, all-reduce, unpacking), and a bare all-reduce of
a LeNet-sized gradient buffer. When PyTorch is installed, the same processes time
PyTorch's LeNet-5 (plain on 1 process, ``DistributedDataParallel`` over gloo on 2),
alternating with minigrad, and the ratios are printed. Writes
``benchmarks/results/ddp.md`` and ``.json``.

    pip install -e ".[distributed]"
    python benchmarks/bench_ddp.py [--repeats 5] [--iters 20]

A machine with fewer than 2 free cores measures contention, not scaling: the table says
how many cores there were.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
BATCH = 64
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# --- inside each MPI process ---------------------------------------------------------------
def _best_ms_per_step(step: Callable[[], None], repeats: int, iters: int,
                      others: list[Callable[[], None]]) -> float:
    """Best over ``repeats`` of the mean step time; ``others`` run in between so that the
    frameworks alternate."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iters):
            step()
        best = min(best, (time.perf_counter() - start) / iters * 1e3)
        for other in others:
            other()
    return best


def _minigrad_step(world_size: int) -> tuple[Callable[[], None], dict[str, float]]:
    from bench_lenet import minigrad_lenet

    import minigrad
    import minigrad.nn.functional as F
    from minigrad import optim
    from minigrad.nn.parallel import DistributedDataParallel

    minigrad.manual_seed(0)
    model: Any = minigrad_lenet()
    # seconds in gradient averaging, and in its all-reduce calls, and how many averagings
    reduce_time = {"s": 0.0, "collective_s": 0.0, "calls": 0.0}
    if world_size > 1:
        from minigrad.nn.parallel import buckets

        model = DistributedDataParallel(model)
        reduce, collective = model._buckets.reduce, buckets.reduce_array_

        def timed_reduce() -> None:
            start = time.perf_counter()
            reduce()
            reduce_time["s"] += time.perf_counter() - start
            reduce_time["calls"] += 1

        def timed_collective(array: Any) -> None:
            start = time.perf_counter()
            collective(array)
            reduce_time["collective_s"] += time.perf_counter() - start

        model._buckets.reduce = timed_reduce
        buckets.reduce_array_ = timed_collective
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = minigrad.randn(BATCH, 1, 32, 32)
    y = minigrad.randint(0, 10, (BATCH,))

    def step() -> None:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step, reduce_time


def _torch_step(world_size: int, rank: int) -> Callable[[], None] | None:
    try:
        import torch
        import torch.distributed as tdist
    except ImportError:
        return None
    import minigrad.distributed as dist

    torch.set_num_threads(1)
    tnn = torch.nn
    torch.manual_seed(0)
    model: Any = tnn.Sequential(
        tnn.Conv2d(1, 6, 5), tnn.Tanh(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.Tanh(), tnn.MaxPool2d(2),
        tnn.Flatten(), tnn.Linear(400, 120), tnn.Tanh(), tnn.Linear(120, 84), tnn.Tanh(),
        tnn.Linear(84, 10),
    )
    if world_size > 1:
        port = [0]
        if rank == 0:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port[0] = s.getsockname()[1]
        dist.broadcast_object_list(port, src=0)
        tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port[0]}",
                                 rank=rank, world_size=world_size)
        model = tnn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(BATCH, 1, 32, 32)
    y = torch.randint(0, 10, (BATCH,))

    def step() -> None:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def _bare_allreduce_ms(numel: int, iters: int) -> float:
    import numpy

    from minigrad.distributed.collectives import reduce_array_

    buffer = numpy.ones(numel, dtype=numpy.float32)
    reduce_array_(buffer)
    start = time.perf_counter()
    for _ in range(iters):
        reduce_array_(buffer)
    return (time.perf_counter() - start) / iters * 1e3


def worker(repeats: int, iters: int) -> None:
    """Time the steps in this MPI process; rank 0 prints one JSON line."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import minigrad.distributed as dist

    dist.init_process_group("mpi")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    ours, reduce_time = _minigrad_step(world_size)
    theirs = _torch_step(world_size, rank)
    for fn in (ours, theirs):
        if fn is not None:
            for _ in range(3):
                fn()  # warm up
    reduce_time.update(s=0.0, collective_s=0.0, calls=0.0)
    others = [theirs] if theirs is not None else []
    minigrad_ms = _best_ms_per_step(ours, repeats, iters, others)
    torch_ms = (_best_ms_per_step(theirs, repeats, iters, [ours])
                if theirs is not None else None)
    calls = max(reduce_time["calls"], 1.0)
    averaging_ms = reduce_time["s"] / calls * 1e3
    collective_ms = reduce_time["collective_s"] / calls * 1e3
    from bench_lenet import minigrad_lenet

    import minigrad

    numel = sum(p.numel() for p in minigrad_lenet().parameters())
    bare_ms = _bare_allreduce_ms(numel, 200) if world_size > 1 else 0.0
    times: list[Any] = [None] * world_size
    dist.all_gather_object(times, (minigrad_ms, torch_ms))
    if rank == 0:
        slowest = max(t[0] for t in times)  # the ranks step in lockstep
        torch_slowest = None if torch_ms is None else max(t[1] for t in times)
        print(json.dumps({"world_size": world_size, "minigrad_ms": slowest,
                          "torch_ms": torch_slowest, "gradient_average_ms": averaging_ms,
                          "allreduce_ms": collective_ms,
                          "bare_allreduce_ms": bare_ms, "params": numel,
                          "minigrad": minigrad.__version__}))
    dist.destroy_process_group()


# --- the driver -------------------------------------------------------------------------------
def mpiexec() -> str:
    found = subprocess.run(["which", "mpiexec"], capture_output=True, text=True).stdout.strip()
    if found:
        return found
    import sysconfig

    return str(Path(sysconfig.get_path("scripts")) / "mpiexec")


def launch(n: int, repeats: int, iters: int) -> dict[str, Any]:
    env = dict(os.environ, **ONE_THREAD)
    root = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join(
        [str(root), str(root / "backends"), env.get("PYTHONPATH", "")])
    command = [mpiexec(), "-n", str(n), sys.executable, "-m", "mpi4py", __file__, "--worker",
               "--repeats", str(repeats), "--iters", str(iters)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("{")][-1]
    result: dict[str, Any] = json.loads(line)
    return result


def report(runs: dict[int, dict[str, Any]]) -> str:
    """A Markdown table: throughput, scaling and gradient-averaging cost."""
    one, two = runs[1], runs[2]
    rate = {n: n * BATCH / (r["minigrad_ms"] / 1e3) for n, r in runs.items()}
    lines = [
        f"LeNet-5 training, batch {BATCH} per process, one BLAS thread per process, MPICH "
        f"({platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} when the table was written)",
        "",
        "| processes | step (ms) | samples/s | scaling efficiency | gradient averaging "
        "(ms/step) | of which all-reduce | PyTorch step (ms) | minigrad / PyTorch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, r in runs.items():
        efficiency = rate[n] / (n * rate[1])
        averaging = (f"{r['gradient_average_ms']:.3f} | {r['allreduce_ms']:.3f}" if n > 1
                     else "- | -")
        theirs = r["torch_ms"]
        torch_cols = (f"{theirs:.2f} | {r['minigrad_ms'] / theirs:.2f}x" if theirs
                      else "(not installed) | -")
        lines.append(f"| {n} | {r['minigrad_ms']:.2f} | {rate[n]:.0f} | {efficiency:.0%} | "
                     f"{averaging} | {torch_cols} |")
    lines += [
        "",
        f"Gradient averaging (packing into buckets, all-reduce, unpacking) is "
        f"{two['gradient_average_ms'] / two['minigrad_ms']:.1%} of a step on 2 processes. "
        "The all-reduce time includes waiting for the slower rank to finish its backward; "
        f"a bare all-reduce of the {one['params']} float32 gradients of ranks already in "
        f"step takes {two['bare_allreduce_ms']:.3f} ms. PyTorch runs plain on 1 process and "
        "as DistributedDataParallel over gloo on 2, alternating with minigrad in the same "
        "processes.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="data-parallel LeNet-5 throughput")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.repeats, args.iters)
        return
    runs = {n: launch(n, args.repeats, args.iters) for n in (1, 2)}
    table = report(runs)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ddp.md").write_text(table)
    record = {"batch_per_process": BATCH, "cpu_count": os.cpu_count(), "runs": runs}
    (RESULTS / "ddp.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
