"""Streams and weights in minigrad.data: IterableDataset (alone, chained, in a DataLoader,
sharded over workers), StackDataset and WeightedRandomSampler, compared with
torch.utils.data where torch is installed."""

from __future__ import annotations

import collections
import math
from collections.abc import Iterator
from typing import Any

import numpy
import pytest

import minigrad
from minigrad.data import (
    ChainDataset,
    DataLoader,
    IterableDataset,
    StackDataset,
    TensorDataset,
    WeightedRandomSampler,
    get_worker_info,
)

pytestmark = pytest.mark.usefixtures("hang_deadline")


def range_dataset(base: type, start: int, end: int, sized: bool = False) -> Any:
    """An iterable dataset of ``start .. end - 1`` that splits itself among workers as
    PyTorch's documentation shows; ``base`` is minigrad's or torch's IterableDataset."""

    class Range(base):  # type: ignore[misc, valid-type]
        def __iter__(self) -> Iterator[int]:
            info = get_worker_info() if base is IterableDataset else torch_worker_info()
            if info is None:
                return iter(range(start, end))
            share = math.ceil((end - start) / info.num_workers)
            first = start + info.id * share
            return iter(range(first, min(first + share, end)))

    if sized:
        Range.__len__ = lambda self: end - start  # type: ignore[attr-defined]
    return Range()


def torch_worker_info() -> Any:
    import torch

    return torch.utils.data.get_worker_info()


class Unsharded(IterableDataset):
    """Ignores the workers: each worker's copy yields everything."""

    def __iter__(self) -> Iterator[int]:
        return iter(range(3))


class WhoLoads(IterableDataset):
    """Yields what get_worker_info says in the process that iterates it."""

    def __iter__(self) -> Iterator[tuple[int, int, int, bool]]:
        info = get_worker_info()
        assert info is not None
        yield info.id, info.num_workers, info.seed, isinstance(info.dataset, WhoLoads)


class FailsAfterOne(IterableDataset):
    def __iter__(self) -> Iterator[int]:
        yield 1
        raise ValueError("bad record")


def as_lists(loader: Any) -> list[Any]:
    return [b.tolist() if hasattr(b, "tolist") else b for b in loader]


# --- IterableDataset in a DataLoader (this process) ------------------------------------------
def test_batches_follow_the_stream() -> None:
    ds = range_dataset(IterableDataset, 0, 5)
    assert as_lists(DataLoader(ds, batch_size=2)) == [[0, 1], [2, 3], [4]]
    assert as_lists(DataLoader(ds, batch_size=2, drop_last=True)) == [[0, 1], [2, 3]]
    assert as_lists(DataLoader(ds, batch_size=None)) == [0, 1, 2, 3, 4]
    assert as_lists(DataLoader(ds)) == [[0], [1], [2], [3], [4]]
    assert list(DataLoader(ds, batch_size=3, collate_fn=tuple)) == [(0, 1, 2), (3, 4)]
    exact = DataLoader(range_dataset(IterableDataset, 0, 4), batch_size=2, drop_last=True)
    assert as_lists(exact) == [[0, 1], [2, 3]]


def test_each_epoch_iterates_the_dataset_again() -> None:
    loader = DataLoader(range_dataset(IterableDataset, 0, 3), batch_size=2)
    assert as_lists(loader) == as_lists(loader) == [[0, 1], [2]]


@pytest.mark.parametrize(("kwargs", "length"), [
    ({}, 5), ({"batch_size": 2}, 3), ({"batch_size": 2, "drop_last": True}, 2),
    ({"batch_size": None}, 5),
])
def test_length_comes_from_the_dataset(kwargs: dict[str, Any], length: int) -> None:
    assert len(DataLoader(range_dataset(IterableDataset, 0, 5, sized=True), **kwargs)) == length


def test_length_without_a_dataset_length_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="__len__"):
        len(DataLoader(range_dataset(IterableDataset, 0, 5)))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"shuffle": True}, "expected unspecified shuffle option, but got shuffle=True"),
    ({"sampler": [0, 1]}, r"expected unspecified sampler option, but got sampler=\[0, 1\]"),
    ({"batch_sampler": [[0]]},
     r"expected unspecified batch_sampler option, but got batch_sampler=\[\[0\]\]"),
])
def test_sampling_options_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: " + message):
        DataLoader(range_dataset(IterableDataset, 0, 5), **kwargs)


def test_shuffle_false_is_accepted() -> None:
    assert as_lists(DataLoader(range_dataset(IterableDataset, 0, 2), shuffle=False)) == [[0], [1]]


def test_a_dataset_without_iter_says_so() -> None:
    with pytest.raises(TypeError, match="IterableDataset must define __iter__"):
        iter(IterableDataset())


# --- chaining ------------------------------------------------------------------------------
def test_chain_and_plus() -> None:
    a, b = range_dataset(IterableDataset, 0, 2, sized=True), range_dataset(
        IterableDataset, 5, 8, sized=True)
    chain = a + b
    assert isinstance(chain, ChainDataset)
    assert list(chain) == [0, 1, 5, 6, 7] and len(chain) == 5
    assert as_lists(DataLoader(ChainDataset([a, b, a]), batch_size=4)) == [[0, 1, 5, 6],
                                                                          [7, 0, 1]]


def test_chain_of_a_map_style_dataset_is_refused() -> None:
    chain = ChainDataset([TensorDataset(minigrad.zeros(2))])
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        next(iter(chain))  # not list(), which would ask len() first
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        len(chain)


# --- StackDataset --------------------------------------------------------------------------
def test_stack_tuple_and_dict_forms() -> None:
    images, labels = TensorDataset(minigrad.randn(5, 3)), TensorDataset(minigrad.arange(5))
    pairs = StackDataset(images, labels)
    assert len(pairs) == 5
    (image,), (label,) = pairs[2]
    numpy.testing.assert_array_equal(image.numpy(), images[2][0].numpy())
    assert int(label) == 2
    named = StackDataset(image=images, label=labels)
    assert list(named[4]) == ["image", "label"] and int(named[4]["label"][0]) == 4
    batch = next(iter(DataLoader(named, batch_size=3)))
    assert batch["image"][0].shape == (3, 3) and batch["label"][0].tolist() == [0, 1, 2]


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((), {}, "at least one dataset should be passed"),
    ((range(2), range(3)), {}, "size mismatch between datasets"),
    ((), {"a": range(2), "b": range(3)}, "size mismatch between datasets"),
    ((range(2),), {"a": range(2)}, "but both types are given"),
])
def test_stack_errors(args: tuple[Any, ...], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StackDataset(*args, **kwargs)


# --- WeightedRandomSampler -----------------------------------------------------------------
def test_weighted_draws_follow_the_weights() -> None:
    counts = collections.Counter(WeightedRandomSampler([1.0, 0.0, 3.0], 4000, generator=0))
    assert counts[1] == 0
    assert 2.6 < counts[2] / counts[0] < 3.4


def test_weighted_without_replacement_draws_each_index_once() -> None:
    firsts = collections.Counter(
        next(iter(WeightedRandomSampler([1.0, 9.0], 1, replacement=False, generator=g)))
        for g in range(400))
    assert 320 < firsts[1] < 390  # index 1 comes first about 9 times in 10
    drawn = list(WeightedRandomSampler(minigrad.tensor([0.0, 2.0, 1.0, 0.0]), 4,
                                       replacement=False, generator=1))
    assert sorted(drawn[:2]) == [1, 2] and drawn[2:] == [0, 3]  # weight zero comes last


def test_weighted_draws_repeat_with_a_seed() -> None:
    sampler = WeightedRandomSampler([1.0, 2.0, 3.0], 10)
    minigrad.manual_seed(5)
    first = list(sampler)
    assert list(sampler) != first  # a new draw every epoch
    minigrad.manual_seed(5)
    assert list(sampler) == first
    assert list(WeightedRandomSampler([1.0, 2.0], 10, generator=3)) == list(
        WeightedRandomSampler([1.0, 2.0], 10, generator=3))


def test_weighted_sampler_in_a_loader() -> None:
    ds = TensorDataset(minigrad.arange(4))
    loader = DataLoader(ds, batch_size=3, sampler=WeightedRandomSampler([0, 0, 1, 0], 6))
    assert as_lists(batch for (batch,) in loader) == [[2, 2, 2], [2, 2, 2]]
    assert len(loader) == 2
    sampler = WeightedRandomSampler([1, 2], 3)
    assert sampler.weights.dtype == minigrad.float64 and len(sampler) == 3


BAD_WEIGHTS: list[tuple[tuple[Any, ...], type[Exception], str]] = [
    (([1.0, 1.0], 0), ValueError, "num_samples should be a positive integer value, but got "
                                  "num_samples=0"),
    (([1.0, 1.0], True), ValueError, "num_samples=True"),
    (([1.0], 2, 1), ValueError, "replacement should be a boolean value, but got replacement=1"),
    ((2.0, 2), ValueError, r"weights should be a 1d sequence but given weights have shape \(\)"),
    (([[1.0, 2.0]], 2), ValueError, r"weights have shape \(1, 2\)"),
    (([1.0, -1.0], 2), RuntimeError, "encountering probability entry < 0"),
    (([1.0, math.nan], 2), RuntimeError, "encountering probability entry < 0"),
    (([1.0, math.inf], 2), RuntimeError, "encountering probability entry = infinity or NaN"),
    (([0.0, 0.0], 2), RuntimeError, r"sum of probabilities <= 0"),
    (([], 2), RuntimeError, r"sum of probabilities <= 0"),
    (([1.0, 2.0], 3, False), RuntimeError, "cannot sample n_sample > prob_dist.size"),
]


@pytest.mark.parametrize(("args", "error", "message"), BAD_WEIGHTS)
def test_weighted_sampler_errors(args: tuple[Any, ...], error: type[Exception],
                                 message: str) -> None:
    with pytest.raises(error, match=message):
        list(WeightedRandomSampler(*args))


@pytest.mark.parametrize(("args", "error", "message"), BAD_WEIGHTS)
def test_weighted_sampler_errors_match_torch(args: tuple[Any, ...], error: type[Exception],
                                             message: str) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=message):
        list(torch.utils.data.WeightedRandomSampler(*args))


def test_weighted_zero_weights_come_last_as_in_torch() -> None:
    torch = pytest.importorskip("torch")
    args = ([1.0, 0.0, 0.0], 3, False)
    expected = list(torch.utils.data.WeightedRandomSampler(*args))
    assert list(WeightedRandomSampler(*args)) == expected == [0, 1, 2]


# --- worker processes ----------------------------------------------------------------------
def test_workers_shard_and_take_turns() -> None:
    ds = range_dataset(IterableDataset, 3, 7)
    assert as_lists(DataLoader(ds, num_workers=2)) == [[3], [5], [4], [6]]
    uneven = DataLoader(range_dataset(IterableDataset, 0, 7), batch_size=2, num_workers=2)
    assert as_lists(uneven) == [[0, 1], [4, 5], [2, 3], [6]]


def test_each_worker_iterates_its_own_copy() -> None:
    assert sorted(as_lists(DataLoader(Unsharded(), batch_size=None, num_workers=2))) == [
        0, 0, 1, 1, 2, 2]


def test_worker_info_inside_the_stream() -> None:
    loader = DataLoader(WhoLoads(), batch_size=None, num_workers=2, generator=7)
    (id0, n0, seed0, own0), (id1, n1, seed1, own1) = [tuple(int(v) for v in s) for s in loader]
    assert (id0, id1, n0, n1, own0, own1) == (0, 1, 2, 2, 1, 1) and seed1 == seed0 + 1


def test_persistent_workers_restart_the_stream_each_epoch() -> None:
    loader = DataLoader(range_dataset(IterableDataset, 0, 6), batch_size=2, num_workers=2,
                        persistent_workers=True)
    first = as_lists(loader)
    assert first == [[0, 1], [3, 4], [2], [5]]
    assert as_lists(loader) == first


def test_worker_error_in_a_stream_surfaces() -> None:
    loader = iter(DataLoader(FailsAfterOne(), batch_size=None, num_workers=2))
    assert int(next(loader)) == 1
    with pytest.raises(ValueError, match="bad record"):
        list(loader)


# --- the same loaders in PyTorch -----------------------------------------------------------
LOADER_CASES: list[tuple[int, int, dict[str, Any]]] = [
    (0, 5, {"batch_size": 2}),
    (0, 5, {"batch_size": 2, "drop_last": True}),
    (0, 5, {"batch_size": None}),
    (3, 7, {"num_workers": 2}),
    (0, 7, {"batch_size": 2, "num_workers": 2}),
    (0, 7, {"batch_size": 2, "num_workers": 2, "drop_last": True}),
]


@pytest.mark.parametrize(("start", "end", "kwargs"), LOADER_CASES)
def test_loaders_match_torch(start: int, end: int, kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    ours = as_lists(DataLoader(range_dataset(IterableDataset, start, end), **kwargs))
    theirs = as_lists(torch.utils.data.DataLoader(
        range_dataset(torch.utils.data.IterableDataset, start, end), **kwargs))
    assert ours == theirs


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 2}, {"batch_size": 2, "drop_last": True}])
def test_lengths_match_torch(kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.utils.data.DataLoader(
        range_dataset(torch.utils.data.IterableDataset, 0, 5, sized=True), **kwargs)
    assert len(DataLoader(range_dataset(IterableDataset, 0, 5, sized=True), **kwargs)) == len(
        theirs)


def test_refused_options_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for kwargs in ({"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}):
        with pytest.raises(ValueError) as ours:
            DataLoader(range_dataset(IterableDataset, 0, 2), **kwargs)
        with pytest.raises(ValueError) as theirs:
            torch.utils.data.DataLoader(
                range_dataset(torch.utils.data.IterableDataset, 0, 2), **kwargs)
        assert str(ours.value) == str(theirs.value)


def test_stack_and_chain_match_torch() -> None:
    torch = pytest.importorskip("torch")
    tud = torch.utils.data
    ours = StackDataset(a=range(3), b=range(10, 13))
    theirs = tud.StackDataset(a=range(3), b=range(10, 13))
    assert [ours[i] for i in range(3)] == [theirs[i] for i in range(3)]
    assert StackDataset(range(2), "xy")[1] == tud.StackDataset(range(2), "xy")[1]
    chained = list(range_dataset(IterableDataset, 0, 2) + range_dataset(IterableDataset, 4, 6))
    assert chained == list(range_dataset(tud.IterableDataset, 0, 2)
                           + range_dataset(tud.IterableDataset, 4, 6))
