"""Collectives across ranks: every op, dtype and error."""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64, minigrad.int64])
def test_all_reduce_ops(world: Any, dtype: Any) -> None:
    rank, size = world.get_rank(), world.get_world_size()
    values = [numpy.array([r + 1, 3 - r, 2], dtype=dtype) for r in range(size)]
    stacked = numpy.stack(values)
    expected = {
        world.ReduceOp.SUM: stacked.sum(0),
        world.ReduceOp.PRODUCT: stacked.prod(0),
        world.ReduceOp.MAX: stacked.max(0),
        world.ReduceOp.MIN: stacked.min(0),
    }
    if dtype != minigrad.int64:
        expected[world.ReduceOp.AVG] = stacked.sum(0) / size
    for op, want in expected.items():
        t = minigrad.tensor(values[rank])
        world.all_reduce(t, op)
        assert t.dtype == dtype
        numpy.testing.assert_array_equal(t.numpy(), want.astype(dtype))


def test_all_reduce_bool_and_views(world: Any) -> None:
    rank = world.get_rank()
    flags = minigrad.tensor([rank == 0, False, True])
    world.all_reduce(flags, world.ReduceOp.SUM)  # logical or
    assert flags.tolist() == [True, False, True]
    flags = minigrad.tensor([rank == 0, False, True])
    world.all_reduce(flags, world.ReduceOp.MIN)  # logical and
    assert flags.tolist() == [world.get_world_size() == 1, False, True]
    # a non-contiguous view is reduced in place and its base sees the result
    base = minigrad.ones(3, 4, dtype=minigrad.float64)
    column = base[:, 1]
    world.all_reduce(column)
    assert base.numpy()[:, 1].tolist() == [world.get_world_size()] * 3
    assert base.numpy()[:, 0].tolist() == [1.0] * 3


def test_all_reduce_errors(world: Any) -> None:
    with pytest.raises(TypeError, match=r"AVG needs a floating-point tensor, got int64"):
        world.all_reduce(minigrad.tensor([1, 2]), world.ReduceOp.AVG)
    with pytest.raises(TypeError, match=r"op must be a minigrad\.distributed\.ReduceOp"):
        world.all_reduce(minigrad.ones(2), "sum")
    with pytest.raises(TypeError, match=r"expected a minigrad\.Tensor, got ndarray"):
        world.all_reduce(numpy.ones(2))


def test_broadcast_from_every_rank(world: Any) -> None:
    rank, size = world.get_rank(), world.get_world_size()
    for src in range(size):
        t = minigrad.tensor([[rank * 10.0, 1.0]])
        world.broadcast(t, src)
        assert t.tolist() == [[src * 10.0, 1.0]]
    with pytest.raises(ValueError, match=rf"src={size} is not a rank of the group \(ranks 0 "
                                         rf"to {size - 1}\)"):
        world.broadcast(minigrad.ones(1), size)


def test_all_gather_and_objects(world: Any) -> None:
    rank, size = world.get_rank(), world.get_world_size()
    out = [minigrad.zeros(2, dtype=minigrad.int64) for _ in range(size)]
    world.all_gather(out, minigrad.tensor([rank, rank * rank]))
    assert [o.tolist() for o in out] == [[r, r * r] for r in range(size)]
    with pytest.raises(ValueError, match=f"has 1 tensors; it needs one per rank \\({size}\\)"):
        world.all_gather([minigrad.zeros(2)], minigrad.zeros(2))
    with pytest.raises(ValueError, match=r"tensor_list\[0\] has shape \(3,\)"):
        world.all_gather([minigrad.zeros(3)] * size, minigrad.zeros(2))
    objects: list[Any] = [None] * size
    world.all_gather_object(objects, {"rank": rank})
    assert objects == [{"rank": r} for r in range(size)]
    items: list[Any] = [f"from {rank}", rank]
    world.broadcast_object_list(items, src=size - 1)
    assert items == [f"from {size - 1}", size - 1]
    world.barrier()


def test_group_queries(world: Any) -> None:
    assert world.is_initialized() and world.get_backend() == "mpi"
    assert 0 <= world.get_local_rank() < world.get_local_world_size() <= world.get_world_size()
    with pytest.raises(RuntimeError, match="initialize the default process group twice"):
        world.init_process_group()
