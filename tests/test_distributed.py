"""minigrad.distributed in one process: errors before init, missing MPI, DataParallel,
SyncBatchNorm without a group, convert_sync_batchnorm, and DistributedSampler against
PyTorch's. The multi-process tests are in tests/distributed (run under mpiexec)."""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad
import minigrad.distributed as dist
from minigrad import nn
from minigrad.distributed import mpi_transport, process_group
from minigrad.distributed.functional import all_reduce as all_reduce_sum
from minigrad.distributed.sampler import DistributedSampler, torch_randperm

NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call " \
                  "init_process_group"


@pytest.mark.parametrize("call", [
    dist.get_rank, dist.get_world_size, dist.get_local_rank, dist.get_backend, dist.barrier,
    dist.destroy_process_group,
    lambda: dist.all_reduce(minigrad.ones(2)),
    lambda: dist.broadcast(minigrad.ones(2), 0),
    lambda: dist.all_gather([minigrad.ones(2)], minigrad.ones(2)),
    lambda: dist.all_gather_object([None], 1),
    lambda: all_reduce_sum(minigrad.ones(2)),
    lambda: nn.parallel.DistributedDataParallel(nn.Linear(2, 2)),
    lambda: DistributedSampler(range(4)),
], ids=["get_rank", "get_world_size", "get_local_rank", "get_backend", "barrier", "destroy",
        "all_reduce", "broadcast", "all_gather", "all_gather_object", "all_reduce_sum", "DDP",
        "DistributedSampler"])
def test_collectives_before_init_are_errors(call: Any) -> None:
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match=NOT_INITIALIZED):
        call()


def test_error_message_is_pytorchs() -> None:
    torch_dist = pytest.importorskip("torch.distributed")
    with pytest.raises(ValueError) as theirs:
        torch_dist.get_rank()
    assert str(theirs.value).startswith(NOT_INITIALIZED)


def test_missing_mpi_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process_group, "is_mpi_available", lambda: False)
    assert not dist.is_available()
    with pytest.raises(ImportError, match=r'needs mpi4py: pip install "minigrad\[distributed\]"'):
        dist.init_process_group()
    assert not dist.is_initialized()


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown backend 'gloo'; minigrad supports 'mpi', "
                                         "'nccl'"):
        dist.init_process_group("gloo")


def test_nccl_without_cupy_names_the_extra() -> None:
    if dist.is_nccl_available():
        pytest.skip("CuPy is installed here")
    from minigrad.distributed.nccl_transport import import_nccl

    with pytest.raises(ImportError, match=r'"nccl" backend needs CuPy: pip install '
                                          r'"minigrad\[cuda12\]"'):
        import_nccl()


def test_cuda_aware_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(mpi_transport.CUDA_AWARE_ENV, "1")
    assert mpi_transport.cuda_aware_mpi()
    monkeypatch.setenv(mpi_transport.CUDA_AWARE_ENV, "0")
    assert not mpi_transport.cuda_aware_mpi()


def test_reduce_ops() -> None:
    assert [op.name for op in dist.ReduceOp] == ["SUM", "AVG", "PRODUCT", "MAX", "MIN"]
    torch_dist = pytest.importorskip("torch.distributed")
    for op in dist.ReduceOp:
        assert hasattr(torch_dist.ReduceOp, op.name)


# --- DataParallel ---------------------------------------------------------------------------
def test_data_parallel_wraps_one_device() -> None:
    minigrad.manual_seed(0)
    inner = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model = nn.DataParallel(inner)
    assert model.module is inner and nn.parallel.DataParallel is nn.DataParallel
    x = minigrad.randn(5, 3)
    with minigrad.no_grad():
        numpy.testing.assert_array_equal(model(x).numpy(), inner(x).numpy())
    assert list(model.state_dict()) == [f"module.{k}" for k in inner.state_dict()]
    model(x).sum().backward()
    assert inner[0].weight.grad is not None
    assert nn.DataParallel(inner, device_ids=["cpu"]).device_ids == ["cpu"]
    with pytest.raises(ValueError, match=r"one device per process, got device_ids=\[0, 1\].*"
                                         "DistributedDataParallel"):
        nn.DataParallel(inner, device_ids=[0, 1])
    # as in PyTorch, GPU ids are ignored for a module on the CPU
    assert nn.DataParallel(inner, device_ids=[0]).device_ids == [0]
    with pytest.raises(ValueError, match="batch dimension must be 0, got dim=1"):
        nn.DataParallel(inner, dim=1)
    with pytest.raises(TypeError, match=r"wraps an nn\.Module, got function"):
        nn.DataParallel(lambda x: x)  # type: ignore[arg-type]


# --- SyncBatchNorm without a process group ------------------------------------------------
def test_sync_batchnorm_alone_is_batchnorm() -> None:
    minigrad.manual_seed(0)
    x = minigrad.randn(4, 3, 5, 5)
    bn, sync = nn.BatchNorm2d(3), nn.SyncBatchNorm(3)
    numpy.testing.assert_array_equal(bn(x).detach().numpy(), sync(x).detach().numpy())
    numpy.testing.assert_array_equal(bn.running_var.numpy(), sync.running_var.numpy())
    flat = minigrad.randn(6, 3)
    numpy.testing.assert_array_equal(nn.BatchNorm1d(3)(flat).detach().numpy(),
                                     nn.SyncBatchNorm(3)(flat).detach().numpy())
    with pytest.raises(ValueError, match=r"SyncBatchNorm expects an \(N, C, \*\) input with at "
                                         r"least 2 dimensions.*got shape \(3,\)"):
        sync(minigrad.randn(3))


def test_convert_sync_batchnorm_shares_state() -> None:
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4),
        nn.Sequential(nn.Flatten(), nn.Linear(4 * 4 * 4, 6), nn.BatchNorm1d(6, momentum=None)),
    )
    old2d = net[1]
    net.eval()
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert converted is net
    new2d, new1d = net[1], net[2][2]
    assert type(new2d) is nn.SyncBatchNorm and type(new1d) is nn.SyncBatchNorm
    assert new2d.weight is old2d.weight and new2d.running_mean is old2d.running_mean
    assert new1d.momentum is None and new1d.num_features == 6 and not new1d.training
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.weight",
                                                     "1.bias", "2.1.weight", "2.1.bias",
                                                     "2.2.weight", "2.2.bias"]
    top = nn.BatchNorm2d(2, affine=False, track_running_stats=False)
    converted_top = nn.SyncBatchNorm.convert_sync_batchnorm(top)
    assert type(converted_top) is nn.SyncBatchNorm and converted_top.weight is None
    assert converted_top.running_mean is None and not converted_top.track_running_stats
    linear = nn.Linear(2, 2)
    assert nn.SyncBatchNorm.convert_sync_batchnorm(linear) is linear


# --- DistributedSampler -----------------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 1, 5, 10, 13])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_distributed_sampler_matches_torch(size: int, replicas: int, drop_last: bool,
                                           shuffle: bool) -> None:
    torch_data = pytest.importorskip("torch.utils.data.distributed")
    for epoch, seed in ((0, 0), (3, 0), (1, 42)):
        for rank in range(replicas):
            ours = DistributedSampler(range(size), replicas, rank, shuffle, seed, drop_last)
            theirs = torch_data.DistributedSampler(range(size), replicas, rank, shuffle, seed,
                                                   drop_last)
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert len(ours) == len(theirs)
            assert list(ours) == list(theirs), (epoch, seed, rank)


def test_distributed_sampler_rules() -> None:
    ds = range(10)
    parts = [list(DistributedSampler(ds, 3, r, shuffle=False)) for r in range(3)]
    assert parts == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    parts = [list(DistributedSampler(ds, 3, r, shuffle=False, drop_last=True)) for r in range(3)]
    assert parts == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    shuffled = DistributedSampler(ds, 2, 0, seed=1)
    first = list(shuffled)
    assert list(shuffled) == first
    shuffled.set_epoch(1)
    assert list(shuffled) != first
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval "
                                         r"\[0, 1\]"):
        DistributedSampler(ds, 2, 2)
    with pytest.raises(ValueError, match=r"Invalid rank -1"):
        DistributedSampler(ds, 2, -1)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 17, 1000])
def test_torch_randperm(n: int) -> None:
    torch = pytest.importorskip("torch")
    for seed in (0, 1, 123, 2**40 + 7):
        generator = torch.Generator()
        generator.manual_seed(seed)
        assert torch_randperm(n, seed) == torch.randperm(n, generator=generator).tolist()


def test_pytorch_import_paths() -> None:
    import minigrad.utils.data as utils_data
    from minigrad.data.distributed import DistributedSampler as FromData
    from minigrad.utils.data.distributed import DistributedSampler as FromUtils

    assert FromData is FromUtils is DistributedSampler is minigrad.data.DistributedSampler
    assert utils_data.DataLoader is minigrad.data.DataLoader is minigrad.utils.data.DataLoader
    assert dist.DistributedSampler is DistributedSampler
