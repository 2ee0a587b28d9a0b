"""The GPU paths: NCCL between CuPy arrays, and CuPy arrays through MPI (staged through
the host unless MPI is CUDA-aware). Skipped, with the reason, where there is no GPU.

Runs with any number of ranks, one GPU each: ``mpiexec -n 1 python -m mpi4py -m pytest
tests/distributed/test_nccl.py`` on a single-GPU machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim


def _gpu_skip_reason(world: Any) -> str | None:
    info = {b.name: b for b in minigrad.backends.available()}
    if "cupy" not in info or not info["cupy"].usable:
        reason = info["cupy"].reason if "cupy" in info else "not registered"
        return f"the CuPy backend is not usable here: {reason}"
    import cupy

    devices = cupy.cuda.runtime.getDeviceCount()
    if devices < world.get_local_world_size():
        return (f"NCCL needs one GPU per rank: {world.get_local_world_size()} ranks on this "
                f"machine, {devices} GPU(s)")
    return None


@pytest.fixture
def gpu(world: Any) -> Iterator[Any]:
    """The CuPy backend as the current one, on this rank's GPU."""
    reason = _gpu_skip_reason(world)
    if reason is not None:
        pytest.skip(reason)
    import cupy

    cupy.cuda.Device(world.get_local_rank()).use()
    with minigrad.use_backend("cupy") as backend:
        yield backend


@pytest.fixture
def nccl_group(world: Any, gpu: Any) -> Iterator[Any]:
    """The default group re-made with the NCCL backend for one test."""
    world.destroy_process_group()
    world.init_process_group()  # the default for the CuPy backend is "nccl"
    try:
        yield world
    finally:
        world.destroy_process_group()
        world.init_process_group("mpi")


def test_cupy_arrays_through_mpi(world: Any, gpu: Any) -> None:
    rank, size = world.get_rank(), world.get_world_size()
    t = minigrad.tensor([rank + 1.0, 2.0])
    world.all_reduce(t)
    assert str(t.device) == gpu.device
    assert t.tolist() == [size * (size + 1) / 2, 2.0 * size]
    b = minigrad.tensor([float(rank)])
    world.broadcast(b, size - 1)
    assert b.tolist() == [size - 1.0]


def test_nccl_collectives(nccl_group: Any, gpu: Any) -> None:
    world = nccl_group
    assert world.get_backend() == "nccl"
    rank, size = world.get_rank(), world.get_world_size()
    for op, expected in ((world.ReduceOp.SUM, sum(range(1, size + 1))),
                         (world.ReduceOp.AVG, (size + 1) / 2),
                         (world.ReduceOp.MAX, size), (world.ReduceOp.MIN, 1)):
        t = minigrad.tensor([float(rank + 1)] * 3, dtype=minigrad.float32)
        world.all_reduce(t, op)
        assert t.tolist() == [expected] * 3
    flags = minigrad.tensor([rank == 0, False])
    world.all_reduce(flags)
    assert flags.tolist() == [True, False]
    out = [minigrad.zeros(2, dtype=minigrad.int64) for _ in range(size)]
    world.all_gather(out, minigrad.tensor([rank, 7]))
    assert [o.tolist() for o in out] == [[r, 7] for r in range(size)]
    host = minigrad.tensor([1.0], device="cpu")  # host tensors still go through MPI
    world.all_reduce(host)
    assert host.tolist() == [float(size)]
    world.barrier()


def test_ddp_on_gpus_matches_the_host(nccl_group: Any, gpu: Any) -> None:
    world = nccl_group
    rank, size = world.get_rank(), world.get_world_size()
    minigrad.set_default_dtype(minigrad.float64)
    results = []
    for device in ("cuda", "cpu"):
        with minigrad.use_backend("numpy"):  # the same initial weights for both
            minigrad.manual_seed(0)
            model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.Tanh(),
                                  nn.Flatten(), nn.Linear(3 * 6 * 6, 4))
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model.to(device))
        ddp = nn.parallel.DistributedDataParallel(model)
        opt = optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
        for step in range(5):
            rng = numpy.random.default_rng(step)
            x = minigrad.tensor(rng.standard_normal((4 * size, 1, 8, 8)), device=device)
            y = minigrad.tensor(rng.integers(0, 4, 4 * size), device=device)
            opt.zero_grad()
            shard = slice(4 * rank, 4 * rank + 4)
            F.cross_entropy(ddp(x[shard]), y[shard]).backward()
            opt.step()
        results.append([p.detach().numpy() for p in model.parameters()])
    for on_gpu, on_host in zip(*results):
        numpy.testing.assert_allclose(on_gpu, on_host, rtol=1e-10, atol=1e-12)
