"""SyncBatchNorm over ranks == BatchNorm over the concatenated batch, forward and backward."""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad
from minigrad import nn
from minigrad.distributed.functional import all_reduce as all_reduce_sum


@pytest.mark.parametrize("shape", [(5, 3, 4, 4), (6, 3)], ids=["NCHW", "NC"])
def test_matches_batchnorm_on_the_whole_batch(world: Any, shape: tuple[int, ...]) -> None:
    minigrad.set_default_dtype(minigrad.float64)
    rank, size = world.get_rank(), world.get_world_size()
    counts = [shape[0] + r for r in range(size)]  # unequal batches
    starts = numpy.cumsum([0, *counts])
    rng = numpy.random.default_rng(7)
    x_all = rng.standard_normal((int(starts[-1]), *shape[1:])) * 3 + 1
    upstream = rng.standard_normal(x_all.shape)
    channels = shape[1]
    bn_class = nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d
    ref = bn_class(channels)
    sync = nn.SyncBatchNorm(channels)
    with minigrad.no_grad():
        for layer in (ref, sync):
            layer.weight.copy_(minigrad.tensor(numpy.linspace(0.5, 2, channels)))
            layer.bias.copy_(minigrad.tensor(numpy.linspace(-1, 1, channels)))

    x_ref = minigrad.tensor(x_all, requires_grad=True)
    y_ref = ref(x_ref)
    (y_ref * minigrad.tensor(upstream)).sum().backward()

    lo, hi = int(starts[rank]), int(starts[rank + 1])
    x_mine = minigrad.tensor(x_all[lo:hi], requires_grad=True)
    out = sync(x_mine)
    (out * minigrad.tensor(upstream[lo:hi])).sum().backward()

    numpy.testing.assert_allclose(out.detach().numpy(), y_ref.detach().numpy()[lo:hi],
                                  rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(x_mine.grad.numpy(), x_ref.grad.numpy()[lo:hi],
                                  rtol=1e-11, atol=1e-12)
    # parameter gradients: each rank has its part; summed over ranks they are the whole
    for name in ("weight", "bias"):
        g = getattr(sync, name).grad
        world.all_reduce(g)
        numpy.testing.assert_allclose(g.numpy(), getattr(ref, name).grad.numpy(),
                                      rtol=1e-12, atol=1e-12)
    for name in ("running_mean", "running_var"):
        numpy.testing.assert_allclose(getattr(sync, name).numpy(), getattr(ref, name).numpy(),
                                      rtol=1e-12)
    assert int(sync.num_batches_tracked) == 1
    sync.eval()  # eval mode: the running statistics, no communication
    if rank == 0:
        ref.eval()
        with minigrad.no_grad():
            numpy.testing.assert_allclose(sync(minigrad.tensor(x_all)).numpy(),
                                          ref(minigrad.tensor(x_all)).numpy(), rtol=1e-12)


def test_momentum_none_is_a_cumulative_average(world: Any) -> None:
    minigrad.set_default_dtype(minigrad.float64)
    rank = world.get_rank()
    sync = nn.SyncBatchNorm(2, momentum=None)
    for step in range(3):
        x = minigrad.tensor(numpy.full((2, 2), float(step + rank)))
        x = x + minigrad.tensor([[0.0, 1.0], [1.0, 0.0]])
        sync(x)
    size = world.get_world_size()
    means = [numpy.mean([s + r + 0.5 for r in range(size)]) for s in range(3)]
    numpy.testing.assert_allclose(sync.running_mean.numpy(), [numpy.mean(means)] * 2,
                                  rtol=1e-12)


def test_input_checks(world: Any) -> None:
    sync = nn.SyncBatchNorm(3)
    if world.get_world_size() > 1:
        with pytest.raises(ValueError, match=r"SyncBatchNorm\(3\) got an input with 2 "
                                             "channels"):
            sync(minigrad.randn(4, 2, 5))
    with pytest.raises(ValueError, match="SyncBatchNorm expects an \\(N, C, \\*\\) input"):
        sync.eval()(minigrad.randn(3))


def test_differentiable_all_reduce_sum(world: Any) -> None:
    """loss_r = sum(c_r * s) with s = sum over ranks of (r + 1) * x_r, so the total loss
    sum_r loss_r has gradient (r + 1) * sum_q c_q with respect to x_r."""
    rank, size = world.get_rank(), world.get_world_size()
    x = minigrad.tensor([1.0, 2.0], dtype=minigrad.float64, requires_grad=True)
    s = all_reduce_sum(x * (rank + 1))
    assert s.tolist() == [sum(r + 1 for r in range(size)) * v for v in (1.0, 2.0)]
    c = float(rank + 2)
    (s * c).sum().backward()
    total_c = sum(q + 2.0 for q in range(size))
    assert x.grad.tolist() == [(rank + 1) * total_c] * 2
