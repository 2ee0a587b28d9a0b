"""minigrad.multiprocessing: tensors in shared memory seen by other processes (fork and
spawn, as Process arguments and through queues), spawn() and its errors, Hogwild training."""

from __future__ import annotations

import multiprocessing
import os
import pickle
from typing import Any

import numpy
import pytest

import minigrad
import minigrad.multiprocessing as mp
from minigrad import nn

METHODS = ["fork", "spawn"]


# --- functions run in the child processes (module level, so spawn can import them) ---------
def _add_one(t: minigrad.Tensor) -> None:
    with minigrad.no_grad():
        t += 1


def _add_one_from_queue(queue: Any, done: Any) -> None:
    _add_one(queue.get())
    done.put(True)


def _hogwild_steps(model: nn.Module, seed: int) -> None:
    minigrad.manual_seed(seed)
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(20):
        x = minigrad.randn(8, 3)
        loss = ((model(x) - x.sum(1, keepdim=True)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def _rank_writes(rank: int, out: minigrad.Tensor, value: float) -> None:
    out[rank] = value + rank


def _rank_one_fails(rank: int) -> None:
    if rank == 1:
        raise ValueError("rank one could not go on")


def _rank_exits(rank: int) -> None:
    os._exit(3)


def _run(method: str, target: Any, *args: Any) -> None:
    process = multiprocessing.get_context(method).Process(target=target, args=args)
    process.start()
    process.join(60)
    assert process.exitcode == 0


# --- sharing -------------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_a_shared_tensor_is_changed_in_place_by_a_child(method: str) -> None:
    t = minigrad.arange(4.0).share_memory_()
    assert t.is_shared() and t.tolist() == [0.0, 1.0, 2.0, 3.0]
    _run(method, _add_one, t)
    assert t.tolist() == [1.0, 2.0, 3.0, 4.0]


def test_a_tensor_not_shared_is_copied() -> None:
    t = minigrad.arange(4.0)
    assert not t.is_shared()
    _run("spawn", _add_one, t)
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_a_shared_tensor_sent_through_a_queue_stays_shared() -> None:
    context = mp.get_context("fork")  # queues pickle alike under every start method
    queue, done = context.Queue(), context.Queue()
    t = minigrad.zeros(2, 3).share_memory_()
    process = context.Process(target=_add_one_from_queue, args=(queue, done))
    process.start()
    queue.put(t[1])  # a view: sent as its place in the shared block
    assert done.get(timeout=60)
    process.join(60)
    assert t.tolist() == [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]


def test_hogwild_training_updates_the_one_shared_model() -> None:
    minigrad.manual_seed(0)
    model = nn.Linear(3, 1).share_memory()
    assert all(p.is_shared() for p in model.parameters())
    before = model.weight.detach().clone()
    context = mp.get_context("spawn")  # the parameters travel as handles
    processes = [context.Process(target=_hogwild_steps, args=(model, seed)) for seed in (1, 2)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(60)
        assert p.exitcode == 0
    weight = model.weight.detach().numpy()
    assert not numpy.allclose(weight, before.numpy())
    assert numpy.allclose(weight, 1.0, atol=0.3)  # y = x0 + x1 + x2, learnt by the two


def test_share_memory_keeps_values_dtype_and_gradient_flag() -> None:
    t = minigrad.tensor([[1, 2], [3, 4]], dtype=minigrad.int32)
    assert t.share_memory_() is t and t.is_shared()
    assert t.dtype == minigrad.int32 and t.tolist() == [[1, 2], [3, 4]]
    p = nn.Parameter(minigrad.ones(2))
    p.share_memory_()
    assert p.requires_grad and p.is_leaf
    (p * 2).sum().backward()
    assert p.grad.tolist() == [2.0, 2.0] and not p.grad.is_shared()  # gradients are not shared


def test_a_tensor_in_a_graph_is_refused_as_in_pytorch() -> None:
    x = minigrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"non-leaf tensor that requires grad.*detach"):
        multiprocessing.reduction.ForkingPickler.dumps(x * 2)
    assert pickle.loads(bytes(multiprocessing.reduction.ForkingPickler.dumps(
        (x * 2).detach()))).tolist() == [2.0, 2.0]


def test_the_multiprocessing_names_are_there() -> None:
    for name in ("Process", "Queue", "Pool", "set_start_method", "get_context", "Manager"):
        assert getattr(mp, name) is getattr(multiprocessing, name)
    assert minigrad.multiprocessing is mp


# --- spawn ---------------------------------------------------------------------------------
def test_spawn_runs_each_rank_and_waits() -> None:
    out = minigrad.zeros(2).share_memory_()
    assert mp.spawn(_rank_writes, args=(out, 10.0), nprocs=2) is None
    assert out.tolist() == [10.0, 11.0]


def test_spawn_without_join_returns_the_processes() -> None:
    out = minigrad.zeros(2).share_memory_()
    context = mp.spawn(_rank_writes, args=(out, 5.0), nprocs=2, join=False,
                       start_method="fork")
    assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 2
    assert context.join(60)
    assert out.tolist() == [5.0, 6.0]


def test_a_failing_rank_raises_with_its_traceback() -> None:
    with pytest.raises(mp.ProcessRaisedException,
                       match=r"(?s)process 1 terminated.*ValueError: rank one could not"):
        mp.spawn(_rank_one_fails, nprocs=2, start_method="fork")


def test_a_rank_that_exits_badly_is_reported() -> None:
    with pytest.raises(mp.ProcessExitedException, match="exit code 3"):
        mp.spawn(_rank_exits, nprocs=1, start_method="fork")
