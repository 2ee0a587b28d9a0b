"""DistributedDataParallel: what the issue asks it to show, and its rules.

(a) after 10 SGD steps the parameters are bitwise identical on every rank; (b) 2 ranks x
batch B train like one process with batch 2B (float64, 1e-12 relative), BatchNorm
through SyncBatchNorm too; (c) with 2 ranks the result is bitwise that of one process
that sums the two shards' gradients (rank 0's + rank 1's) and halves them.
"""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset
from minigrad.data.distributed import DistributedSampler
from minigrad.nn.parallel import DistributedDataParallel as DDP

STEPS = 10


def small_cnn(batch_norm: bool) -> nn.Module:
    norm: list[nn.Module] = [nn.BatchNorm2d(4)] if batch_norm else []
    return nn.Sequential(
        nn.Conv2d(1, 4, 3), *norm, nn.Tanh(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(4 * 3 * 3, 8), nn.Tanh(), nn.Linear(8, 5),
    )


def full_batch(step: int, size: int) -> tuple[minigrad.Tensor, minigrad.Tensor]:
    """The same batch on every rank (each rank then takes its shard)."""
    rng = numpy.random.default_rng(1000 + step)
    x = rng.standard_normal((size, 1, 8, 8)).astype(minigrad.get_default_dtype())
    return minigrad.tensor(x), minigrad.tensor(rng.integers(0, 5, size))


def flat_state(model: nn.Module) -> numpy.ndarray:
    return numpy.concatenate([t.detach().numpy().ravel().astype(numpy.float64)
                              for t in [*model.parameters(), *model.buffers()]])


def relative_error(a: nn.Module, b: nn.Module) -> float:
    worst = 0.0
    for x, y in zip(a.state_dict().values(), b.state_dict().values()):
        x, y = x.detach().numpy().astype(float), y.detach().numpy().astype(float)
        scale = max(numpy.abs(y).max(), 1e-300)
        worst = max(worst, float(numpy.abs(x - y).max() / scale))
    return worst


def test_parameters_bitwise_identical_across_ranks(world: Any) -> None:
    rank, size = world.get_rank(), world.get_world_size()
    minigrad.manual_seed(rank + 1)  # different initial weights: DDP copies rank 0's
    model = nn.SyncBatchNorm.convert_sync_batchnorm(small_cnn(batch_norm=True))
    ddp = DDP(model)
    opt = optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    for step in range(STEPS):
        x, y = full_batch(step, 4 * size)
        opt.zero_grad()
        F.cross_entropy(ddp(x[rank * 4:(rank + 1) * 4]), y[rank * 4:(rank + 1) * 4]).backward()
        opt.step()
    states: list[Any] = [None] * size
    world.all_gather_object(states, flat_state(model).tobytes())
    assert all(s == states[0] for s in states)
    assert next(iter(ddp.state_dict())).startswith("module.")


@pytest.mark.parametrize("batch_norm", [False, True], ids=["no-bn", "syncbn"])
def test_ranks_times_batch_equal_one_process(world: Any, batch_norm: bool) -> None:
    minigrad.set_default_dtype(minigrad.float64)
    rank, size = world.get_rank(), world.get_world_size()
    minigrad.manual_seed(0)
    reference = small_cnn(batch_norm)
    minigrad.manual_seed(0)
    replica = nn.SyncBatchNorm.convert_sync_batchnorm(small_cnn(batch_norm))
    ddp = DDP(replica)
    ref_opt = optim.SGD(reference.parameters(), lr=0.2, momentum=0.9)
    opt = optim.SGD(ddp.parameters(), lr=0.2, momentum=0.9)
    # unequal shards (3, 4, ... samples): SyncBatchNorm must weigh ranks by their counts
    starts = numpy.cumsum([0] + [3 + r for r in range(size)])
    total = int(starts[-1])
    for step in range(STEPS):
        x, y = full_batch(step, total)
        ref_opt.zero_grad()
        # a mean over all samples == the mean over ranks of per-rank means only for equal
        # shards, so weigh each rank's loss by its share of the batch
        F.cross_entropy(reference(x), y).backward()
        ref_opt.step()
        opt.zero_grad()
        lo, hi = int(starts[rank]), int(starts[rank + 1])
        local = F.cross_entropy(ddp(x[lo:hi]), y[lo:hi], reduction="sum")
        (local * (size / total)).backward()
        opt.step()
    assert relative_error(replica, reference) <= 1e-12


def test_bitwise_equal_to_summed_shard_gradients(two_ranks: Any) -> None:
    world = two_ranks
    if world.get_world_size() != 2:
        pytest.skip("the comparison is written for exactly 2 ranks")
    rank = world.get_rank()
    minigrad.manual_seed(0)
    reference = small_cnn(batch_norm=False)
    minigrad.manual_seed(0)
    replica = small_cnn(batch_norm=False)
    ddp = DDP(replica)
    ref_opt = optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    opt = optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    for step in range(STEPS):
        x, y = full_batch(step, 8)
        shard_grads = []
        for shard in range(2):
            ref_opt.zero_grad()
            F.cross_entropy(reference(x[shard * 4:(shard + 1) * 4]),
                            y[shard * 4:(shard + 1) * 4]).backward()
            shard_grads.append([p.grad.numpy().copy() for p in reference.parameters()])
        for p, g0, g1 in zip(reference.parameters(), *shard_grads):
            p.grad = minigrad.tensor((g0 + g1) / 2)
        ref_opt.step()
        opt.zero_grad()
        F.cross_entropy(ddp(x[rank * 4:(rank + 1) * 4]), y[rank * 4:(rank + 1) * 4]).backward()
        opt.step()
    for mine, ref in zip(replica.parameters(), reference.parameters()):
        numpy.testing.assert_array_equal(mine.detach().numpy(), ref.detach().numpy())


def test_no_sync_accumulates_then_averages(world: Any) -> None:
    minigrad.set_default_dtype(minigrad.float64)
    rank, size = world.get_rank(), world.get_world_size()
    minigrad.manual_seed(0)
    model = small_cnn(batch_norm=False)
    ddp = DDP(model)
    batches = [full_batch(10 * r + k, 2) for r in range(size) for k in range(3)]
    expected = [numpy.zeros(p.shape) for p in model.parameters()]
    for r in range(size):  # what every rank's three micro-batches contribute
        minigrad.manual_seed(0)
        probe = small_cnn(batch_norm=False)
        for x, y in batches[3 * r: 3 * r + 3]:
            F.cross_entropy(probe(x), y).backward()
        for e, p in zip(expected, probe.parameters()):
            e += p.grad.numpy() / size
    mine = batches[3 * rank: 3 * rank + 3]
    with ddp.no_sync():
        for x, y in mine[:2]:
            F.cross_entropy(ddp(x), y).backward()
    local = [p.grad.numpy().copy() for p in model.parameters()]
    F.cross_entropy(ddp(mine[2][0]), mine[2][1]).backward()
    for e, p in zip(expected, model.parameters()):
        numpy.testing.assert_allclose(p.grad.numpy(), e, rtol=1e-12, atol=1e-15)
    assert size == 1 or any(not numpy.allclose(a, p.grad.numpy())
                            for a, p in zip(local, model.parameters()))


def test_only_backwards_after_a_forward_reduce(world: Any) -> None:
    rank = world.get_rank()
    model = small_cnn(batch_norm=False)
    ddp = DDP(model)
    calls = []
    reduce = ddp._buckets.reduce
    ddp._buckets.reduce = lambda: (calls.append(1), reduce())[1]  # type: ignore[method-assign]
    if rank == 0:
        with minigrad.no_grad():  # an evaluation forward on one rank: no collective
            ddp(minigrad.randn(2, 1, 8, 8))
        w = minigrad.ones(3, requires_grad=True)
        (w * 2).sum().backward()  # a backward without a training forward: no reduction
    assert calls == []
    x, y = full_batch(0, 4)
    F.cross_entropy(ddp(x), y).backward()
    assert calls == [1]
    (ddp(x).sum() * 0).backward()  # a second forward and backward: reduced again
    assert calls == [1, 1]


def test_buffers_come_from_rank_0_at_each_forward(world: Any) -> None:
    rank = world.get_rank()
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2, momentum=0.0))
    ddp = DDP(model)
    with minigrad.no_grad():
        model[1].running_mean.fill_(float(rank))
    ddp(minigrad.randn(2, 1, 5, 5)).sum().backward()
    assert model[1].running_mean.tolist() == [0.0, 0.0]


def test_bucket_size_does_not_change_the_result(world: Any) -> None:
    rank = world.get_rank()
    grads = []
    for cap in (25, 1e-4):  # one bucket, or one per parameter
        minigrad.manual_seed(0)
        model = small_cnn(batch_norm=False)
        ddp = DDP(model, bucket_cap_mb=cap)
        x, y = full_batch(rank, 4)
        F.cross_entropy(ddp(x), y).backward()
        grads.append([p.grad.numpy() for p in model.parameters()])
    assert len(DDP(small_cnn(False), bucket_cap_mb=1e-4)._buckets.buckets) == 6
    for a, b in zip(*grads):
        numpy.testing.assert_array_equal(a, b)


class TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(3, 2)
        self.never = nn.Linear(3, 2)

    def forward(self, x: minigrad.Tensor, use_b: bool) -> minigrad.Tensor:
        return self.b(x) if use_b else self.a(x)


def test_unused_parameters(two_ranks: Any) -> None:
    rank, size = two_ranks.get_rank(), two_ranks.get_world_size()
    minigrad.manual_seed(0)
    strict = DDP(TwoHeads())
    with pytest.raises(RuntimeError, match=r"parameter 'a.weight' \(and 5 more\) received no "
                                           "gradient on some ranks.*find_unused_parameters"):
        strict(minigrad.ones(1, 3), use_b=rank == 1).sum().backward()
    model = TwoHeads()
    ddp = DDP(model, find_unused_parameters=True)
    ddp(minigrad.ones(1, 3), use_b=rank == 1).sum().backward()
    assert model.never.weight.grad is None
    # 'b' was used on rank 1 only: its gradient there (ones) averaged with zeros
    assert model.b.bias.grad.tolist() == [1 / size] * 2
    assert model.a.bias.grad.tolist() == [(size - 1) / size] * 2


def test_models_that_differ_are_named(two_ranks: Any) -> None:
    rank = two_ranks.get_rank()
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4 + rank, 2))
    with pytest.raises(ValueError, match=r"parameter '1.weight' has shape \(2, 5\) and dtype "
                                         r"<f4 on rank 1, but rank 0 has"):
        DDP(model)


def test_construction_errors(world: Any) -> None:
    with pytest.raises(ValueError, match=r"device_ids=\[0\].*\(cpu\); on the CPU leave them"):
        DDP(nn.Linear(2, 2), device_ids=[0])
    with pytest.raises(ValueError, match="device_ids can only be None or contain a single"):
        DDP(nn.Linear(2, 2), device_ids=["cpu", "cpu"])
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a grad"):
        DDP(nn.Linear(2, 2).requires_grad_(False))


def test_distributed_sampler_splits_the_loader(world: Any) -> None:
    rank, size = world.get_rank(), world.get_world_size()
    ds = TensorDataset(minigrad.arange(11))
    sampler = DistributedSampler(ds, seed=3)
    assert (sampler.num_replicas, sampler.rank) == (size, rank)
    seen = [int(i) for (batch,) in DataLoader(ds, batch_size=2, sampler=sampler)
            for i in batch.tolist()]
    everyone: list[Any] = [None] * size
    world.all_gather_object(everyone, seen)
    assert sorted({i for part in everyone for i in part}) == list(range(11))
    assert sum(len(part) for part in everyone) == -(-11 // size) * size
