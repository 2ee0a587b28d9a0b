"""DataLoader(num_workers=N): batches loaded in worker processes, with PyTorch's seeding,
worker_init_fn, get_worker_info, persistent workers, and errors that surface (naming the
worker) instead of hanging. Every test runs under a deadline."""

from __future__ import annotations

import os
import random
import time
from typing import Any

import numpy
import pytest

import minigrad
from minigrad.data import DataLoader, Dataset, TensorDataset, get_worker_info

pytestmark = pytest.mark.usefixtures("hang_deadline")


class Probe(Dataset):
    """Each sample reports which process loaded it and what its generators gave."""

    def __init__(self, n: int = 8) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, Any]:
        info = get_worker_info()
        return {
            "index": i, "pid": os.getpid(), "worker": -1 if info is None else info.id,
            "seed": -1 if info is None else info.seed,
            "numpy": float(numpy.random.random()), "python": random.random(),
            "minigrad": float(minigrad.rand(())),
            "init": INIT_CALLS[-1] if INIT_CALLS else -1,
        }


INIT_CALLS: list[int] = []


def record_init(worker_id: int) -> None:
    INIT_CALLS.append(worker_id * 100)


class Failing(Dataset):
    def __init__(self, bad: int, error: type[Exception] = ValueError) -> None:
        self.bad, self.error = bad, error

    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int) -> int:
        if i == self.bad:
            raise self.error(f"sample {i} is broken")
        return i


class Dying(Dataset):
    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int) -> int:
        if i == 3:
            os._exit(7)
        return i


class Slow(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> int:
        time.sleep(1 if i == 2 else 0)
        return i


def tensor_data() -> TensorDataset:
    return TensorDataset(minigrad.arange(40).reshape(20, 2).float(), minigrad.arange(20))


@pytest.mark.parametrize("num_workers", [1, 2, 3])
def test_workers_give_the_same_batches(num_workers: int) -> None:
    ds = tensor_data()
    for shuffle in (False, True):
        single = list(DataLoader(ds, batch_size=3, shuffle=shuffle, generator=4))
        multi = list(DataLoader(ds, batch_size=3, shuffle=shuffle, generator=4,
                                num_workers=num_workers))
        assert len(single) == len(multi) == 7
        for (a, b), (c, d) in zip(single, multi):
            assert a.tolist() == c.tolist() and b.tolist() == d.tolist()
            assert c.dtype == minigrad.float32 and d.dtype == minigrad.int64
            assert str(c.device) == minigrad.backends.current().device


def test_batches_are_loaded_in_other_processes() -> None:
    batches = list(DataLoader(Probe(), batch_size=2, num_workers=2))
    pids = {int(p) for b in batches for p in b["pid"].tolist()}
    assert os.getpid() not in pids and len(pids) == 2
    # requests go to the workers in turn: batch k is loaded by worker k % 2
    assert [b["worker"].tolist() for b in batches] == [[0, 0], [1, 1], [0, 0], [1, 1]]
    assert get_worker_info() is None


def test_out_of_order_delivery_keeps_every_batch() -> None:
    loader = DataLoader(Probe(10), batch_size=2, num_workers=3, in_order=False)
    assert sorted(i for b in loader for i in b["index"].tolist()) == list(range(10))


def test_worker_seeds_follow_pytorch() -> None:
    def run(generator: Any) -> list[dict[str, Any]]:
        return list(DataLoader(Probe(), batch_size=2, num_workers=2, generator=generator))

    first = run(11)
    seeds = [b["seed"].tolist()[0] for b in first]
    base = seeds[0]
    assert seeds == [base, base + 1, base, base + 1]  # base_seed + worker_id
    assert base == numpy.random.default_rng(11).integers(0, 2**62)  # drawn from generator
    again = run(11)
    for a, b in zip(first, again):  # same generator: every worker's draws repeat
        for key in ("numpy", "python", "minigrad"):
            assert a[key].tolist() == b[key].tolist()
    assert first[0]["numpy"].tolist() != first[1]["numpy"].tolist()  # workers differ
    assert run(12)[0]["numpy"].tolist() != first[0]["numpy"].tolist()
    # the draws are those of generators seeded with base_seed + worker_id
    random.seed(base)
    assert first[0]["python"].tolist()[0] == random.random()
    # without a generator the base seed comes from minigrad's generator
    minigrad.manual_seed(3)
    a = run(None)
    minigrad.manual_seed(3)
    assert run(None)[0]["minigrad"].tolist() == a[0]["minigrad"].tolist()


def test_base_seed_is_drawn_even_without_workers() -> None:
    """As in PyTorch, starting an epoch draws the base seed with or without workers, so
    the random stream afterwards does not depend on num_workers."""
    after = []
    for workers in (0, 2):
        minigrad.manual_seed(0)
        list(DataLoader(tensor_data(), batch_size=5, shuffle=True, num_workers=workers))
        after.append(float(minigrad.rand(())))
    assert after[0] == after[1]


def test_worker_init_fn_runs_in_each_worker() -> None:
    INIT_CALLS.clear()
    loader = DataLoader(Probe(), batch_size=2, num_workers=2, worker_init_fn=record_init)
    assert [b["init"].tolist()[0] for b in loader] == [0, 100, 0, 100]
    assert INIT_CALLS == []  # it ran in the workers, not here


def test_persistent_workers_survive_epochs() -> None:
    loader = DataLoader(Probe(), batch_size=4, num_workers=2, persistent_workers=True)
    epochs = [[set(b["pid"].tolist()) for b in loader] for _ in range(3)]
    assert epochs[0] == epochs[1] == epochs[2]
    # an epoch abandoned halfway does not leak its batches into the next one
    it = iter(loader)
    next(it)
    assert [b["index"].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    with pytest.raises(RuntimeError, match="replaced by a newer one"):
        next(it)
    workers = loader._workers.processes
    del loader, it
    for p in workers:
        p.join(10)
        assert not p.is_alive()


def test_workers_stop_after_each_epoch_without_persistence() -> None:
    loader = DataLoader(Probe(), batch_size=4, num_workers=2)
    pids = [{int(p) for b in loader for p in b["pid"].tolist()} for _ in range(2)]
    assert pids[0].isdisjoint(pids[1])
    it = iter(loader)
    next(it)
    processes = it._pool.processes
    del it  # abandoning an epoch shuts its workers down
    for p in processes:
        p.join(10)
        assert not p.is_alive()


def test_worker_exception_names_the_worker() -> None:
    loader = DataLoader(Failing(bad=3), batch_size=1, num_workers=2)
    with pytest.raises(ValueError, match=r"Caught ValueError in DataLoader worker process 1\."
                                         r"(.|\n)*sample 3 is broken"):
        list(loader)
    it = iter(DataLoader(Failing(bad=1, error=KeyError), batch_size=1, num_workers=2))
    assert next(it).tolist() == [0]
    with pytest.raises(KeyError, match="worker process 1") as info:
        next(it)
    assert "\nOriginal Traceback" in str(info.value)  # shown as text, not as a repr
    assert [int(b) for b in it] == [2, 3, 4, 5]  # the other batches still arrive


def test_worker_init_fn_exception_surfaces() -> None:
    def broken(worker_id: int) -> None:
        raise RuntimeError(f"cannot open the shard of worker {worker_id}")

    with pytest.raises(RuntimeError, match=r"worker process 0(.|\n)*cannot open the shard"):
        list(DataLoader(Probe(), batch_size=2, num_workers=2, worker_init_fn=broken))


def test_dead_worker_is_an_error_not_a_hang() -> None:
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+ \(exit code 7\)\)"
                                           " exited unexpectedly"):
        list(DataLoader(Dying(), batch_size=1, num_workers=2))


def test_timeout() -> None:
    loader = DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.2)
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0\.2 seconds"):
        list(loader)


def test_unpicklable_batch_is_reported() -> None:
    loader = DataLoader(Probe(2), batch_size=2, num_workers=1,
                        collate_fn=lambda samples: (lambda: samples))
    with pytest.raises(Exception, match="in DataLoader worker process 0"):
        list(loader)


def test_pin_memory_is_accepted() -> None:
    loader = DataLoader(tensor_data(), batch_size=8, num_workers=1, pin_memory=True,
                        pin_memory_device="")
    assert sum(len(y) for _, y in loader) == 20 and loader.pin_memory


def test_spawn_start_method() -> None:
    loader = DataLoader(tensor_data(), batch_size=10, num_workers=1,
                        multiprocessing_context="spawn")
    assert [y.tolist() for _, y in loader] == [list(range(10)), list(range(10, 20))]
