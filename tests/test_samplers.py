"""Samplers and the DataLoader's sampler, batch_sampler and batch_size=None options, with
PyTorch's rules and error messages."""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad
from minigrad.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
)


def test_sequential_and_random_samplers() -> None:
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    sampler = RandomSampler(range(6), generator=0)
    first, second = list(sampler), list(sampler)
    assert sorted(first) == list(range(6)) and first != second  # a new order each epoch
    assert list(RandomSampler(range(6), generator=0)) == first  # reproducible
    long = list(RandomSampler(range(4), num_samples=10, generator=1))
    assert len(long) == 10 and sorted(long[:4]) == sorted(long[4:8]) == [0, 1, 2, 3]
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=2))
    assert len(drawn) == 50 and set(drawn) == {0, 1, 2}
    minigrad.manual_seed(5)
    a = list(RandomSampler(range(8)))
    minigrad.manual_seed(5)
    assert list(RandomSampler(range(8))) == a  # without a generator: minigrad's seed
    assert sorted(SubsetRandomSampler([9, 4, 7], generator=0)) == [4, 7, 9]
    assert len(SubsetRandomSampler([9, 4, 7])) == 3


def test_batch_sampler() -> None:
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3 and len(BatchSampler(range(5), 2, True)) == 2


def torch_error(make: Any) -> str | None:
    """The message PyTorch raises for the same call, or None without PyTorch."""
    try:
        import torch.utils.data as torch_data
    except ImportError:
        return None
    with pytest.raises((ValueError, TypeError)) as theirs:
        make(torch_data)
    return str(theirs.value)


@pytest.mark.parametrize("make", [
    lambda m: m.RandomSampler(range(3), replacement=1),
    lambda m: m.RandomSampler(range(3), num_samples=0),
    lambda m: m.BatchSampler(range(3), 0, False),
    lambda m: m.BatchSampler(range(3), 2, drop_last=None),
], ids=["replacement", "num_samples", "batch_size", "drop_last"])
def test_sampler_errors_match_torch(make: Any) -> None:
    with pytest.raises((ValueError, TypeError)) as ours:
        make(minigrad.data)
    expected = torch_error(make)
    if expected is not None:
        assert str(ours.value) == expected


DS = TensorDataset(minigrad.arange(10))


@pytest.mark.parametrize("kwargs", [
    {"sampler": SequentialSampler(DS), "shuffle": True},
    {"batch_sampler": BatchSampler(range(10), 3, False), "batch_size": 4},
    {"batch_sampler": BatchSampler(range(10), 3, False), "shuffle": True},
    {"batch_sampler": BatchSampler(range(10), 3, False), "sampler": range(10)},
    {"batch_sampler": BatchSampler(range(10), 3, False), "drop_last": True},
    {"batch_size": None, "drop_last": True},
    {"num_workers": -1},
    {"timeout": -1},
    {"prefetch_factor": 2},
    {"persistent_workers": True},
    {"num_workers": 1, "prefetch_factor": -1},
    {"multiprocessing_context": "fork"},
    {"num_workers": 1, "multiprocessing_context": "no-such-method"},
    {"num_workers": 1, "multiprocessing_context": 3},
], ids=["sampler+shuffle", "batch_sampler+batch_size", "batch_sampler+shuffle",
        "batch_sampler+sampler", "batch_sampler+drop_last", "None+drop_last", "num_workers",
        "timeout", "prefetch_without_workers", "persistent_without_workers",
        "negative_prefetch", "context_without_workers", "bad_context", "context_type"])
def test_conflicting_options_raise_pytorchs_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises((ValueError, TypeError)) as ours:
        DataLoader(DS, **kwargs)
    torch_kwargs = {k: (list(v) if k == "batch_sampler" else v) for k, v in kwargs.items()}
    expected = torch_error(lambda m: m.DataLoader(range(10), **torch_kwargs))
    if expected is not None:
        assert type(ours.value).__name__ in ("ValueError", "TypeError")
        assert str(ours.value) == expected


def test_zero_prefetch_with_workers() -> None:
    with pytest.raises(ValueError, match="prefetch_factor must be greater than 0"):
        DataLoader(DS, num_workers=1, prefetch_factor=0)


def test_sampler_and_batch_sampler_options() -> None:
    class Reverse(Sampler):
        def __init__(self, n: int) -> None:
            self.n = n

        def __iter__(self) -> Any:
            return iter(range(self.n - 1, -1, -1))

        def __len__(self) -> int:
            return self.n

    loader = DataLoader(DS, batch_size=4, sampler=Reverse(10))
    assert [b[0].tolist() for b in loader] == [[9, 8, 7, 6], [5, 4, 3, 2], [1, 0]]
    assert len(loader) == 3
    loader = DataLoader(DS, sampler=[3, 1], batch_size=2)  # any iterable of indices
    assert [b[0].tolist() for b in loader] == [[3, 1]]
    batches = [[0, 5], [9], [1, 2, 3]]
    loader = DataLoader(DS, batch_sampler=batches)
    assert [b[0].tolist() for b in loader] == batches and len(loader) == 3
    assert loader.batch_size is None and not loader.drop_last


def test_batch_size_none_yields_samples() -> None:
    class Pairs(minigrad.data.Dataset):
        def __len__(self) -> int:
            return 3

        def __getitem__(self, i: int) -> tuple[numpy.ndarray, int]:
            return numpy.full(2, i, dtype=numpy.float32), i

    samples = list(DataLoader(Pairs(), batch_size=None))
    assert len(samples) == 3
    x, label = samples[2]
    assert isinstance(x, minigrad.Tensor) and x.tolist() == [2.0, 2.0] and label == 2


def test_options_are_frozen_after_init() -> None:
    loader = DataLoader(DS, batch_size=2)
    for name in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset",
                 "persistent_workers"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set after "
                                             "DataLoader is initialized"):
            setattr(loader, name, None)
    loader.num_workers = 0  # not frozen, as in PyTorch
