"""Datasets: indexable collections of samples, as ``torch.utils.data``."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy

from minigrad.random import Generator
from minigrad.tensor import Tensor

__all__ = [
    "ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset", "Subset",
    "TensorDataset", "draw_seed", "make_rng", "random_split", "rng_source",
]


def rng_source(generator: Any) -> numpy.random.Generator | Generator | None:
    """What a sampler keeps from its ``generator=`` argument: ``None``, a
    :class:`minigrad.Generator` (read again each epoch, so reseeding it repeats the
    orders), or a NumPy generator (an int seed becomes one).

    Raises
    ------
    TypeError
        For anything else.
    """
    if generator is None or isinstance(generator, (numpy.random.Generator, Generator)):
        return generator
    if isinstance(generator, (int, numpy.integer)) and not isinstance(generator, bool):
        return numpy.random.default_rng(int(generator))
    raise TypeError(
        f"generator must be None, a minigrad.Generator, an int seed or a "
        f"numpy.random.Generator, got {type(generator).__name__}"
    )


def make_rng(generator: Any) -> numpy.random.Generator:
    """A NumPy generator to draw one epoch's order from ``generator`` (see
    :func:`rng_source`).

    A NumPy generator is used as it is; otherwise a new one is seeded with a draw from
    the :class:`minigrad.Generator` (``None``: minigrad's default stream), so that after
    its ``manual_seed`` shuffling and splitting repeat from run to run.
    """
    source = rng_source(generator)
    if isinstance(source, numpy.random.Generator):
        return source
    return numpy.random.default_rng(draw_seed(source))


def draw_seed(generator: numpy.random.Generator | Generator | None) -> int:
    """A fresh 62-bit seed from ``generator``, or from minigrad's default stream for
    ``None``."""
    if isinstance(generator, numpy.random.Generator):
        return int(generator.integers(0, 2**62))
    from minigrad.creation import randint

    if generator is None:
        return int(randint(0, 2**62, ()).item())
    return int(randint(0, 2**62, (), device=generator.device, generator=generator).item())


def batch_fn(dataset: Any) -> Any:
    """The dataset's whole-batch fast path ``_batch(indices)``, or ``None``.

    The fast path is only trusted when the class that defines it also defines the
    ``__getitem__`` in use: a subclass that overrides ``__getitem__`` (to augment or relabel
    samples, say) is read sample by sample.
    """
    cls: Any = type(dataset)
    owner = next((c for c in cls.__mro__ if "_batch" in vars(c)), None)
    if owner is None or cls.__getitem__ is not owner.__getitem__:
        return None
    return dataset._batch


class Dataset:
    """Base class: subclasses define ``__getitem__(index)`` and ``__len__``.

    Datasets can be joined with ``+`` (a :class:`ConcatDataset`).

    Examples
    --------
    >>> from minigrad.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 5
    ...     def __getitem__(self, i):
    ...         return i, i * i
    >>> Squares()[3]
    (3, 9)
    """

    def __getitem__(self, index: int) -> Any:
        raise TypeError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> Dataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are slices of tensors along their first dimension.

    Parameters
    ----------
    *tensors : Tensor
        All with the same size in dimension 0.

    Raises
    ------
    ValueError
        If no tensor is given or their first dimensions differ.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.data import TensorDataset
    >>> ds = TensorDataset(minigrad.randn(10, 3), minigrad.arange(10))
    >>> x, y = ds[4]
    >>> x.shape, int(y)
    (minigrad.Size([3]), 4)
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if any(s is None for s in sizes) or len(set(sizes)) != 1:
            shapes = ", ".join(str(t.shape) for t in tensors)
            raise ValueError(
                f"TensorDataset: all tensors must have the same size in dimension 0, got "
                f"shapes {shapes}"
            )
        self.tensors = tuple(tensors)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _batch(self, indices: Any) -> tuple[Tensor, ...]:
        """Samples at an integer index array, already stacked (the DataLoader's fast path;
        a dataset returns ``None`` when it can't batch this way)."""
        return tuple(t[t.backend.asarray(indices)] for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.data import Subset, TensorDataset
    >>> sub = Subset(TensorDataset(minigrad.arange(10)), [2, 5, 7])
    >>> len(sub), int(sub[1][0])
    (3, 5)
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)

    def _batch(self, indices: Any) -> Any:
        inner = batch_fn(self.dataset)
        if inner is None:
            return None
        mapped = numpy.asarray(self.indices, dtype=numpy.int64)[numpy.asarray(indices)]
        return inner(mapped)


class ConcatDataset(Dataset):
    """Several datasets one after another."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes: list[int] = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a dataset of {n} samples")
        index %= n
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(
    dataset: Dataset, lengths: Sequence[int | float], generator: Any = None
) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping subsets.

    Parameters
    ----------
    dataset : Dataset
        What to split.
    lengths : sequence of int or of float
        Sizes summing to ``len(dataset)``, or fractions summing to 1 (the remainder after
        flooring goes round-robin to the first subsets, as in PyTorch).
    generator : minigrad.Generator, int or numpy.random.Generator, optional
        Source of the permutation (default: minigrad's default stream), as
        ``generator=minigrad.Generator().manual_seed(42)`` in PyTorch programs.

    Raises
    ------
    ValueError
        If the lengths do not add up, a length is negative or a fraction is outside
        ``[0, 1]``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.data import TensorDataset, random_split
    >>> train, val = random_split(TensorDataset(minigrad.arange(10)), [0.8, 0.2], generator=0)
    >>> len(train), len(val)
    (8, 2)
    """
    n = len(dataset)
    sizes = list(lengths)
    if sizes and all(isinstance(v, float) for v in sizes) and math.isclose(sum(sizes), 1.0):
        for i, f in enumerate(sizes):
            if not 0.0 <= f <= 1.0:
                raise ValueError(
                    f"random_split: fraction at index {i} is {f}, which is not between 0 and 1"
                )
        counts = [math.floor(n * f) for f in sizes]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = [int(v) for v in sizes]
    for i, c in enumerate(counts):
        if c < 0:
            raise ValueError(
                f"random_split: length at index {i} is {sizes[i]}; lengths must be "
                "non-negative"
            )
    if sum(counts) != n:
        raise ValueError(
            f"random_split: sum of input lengths {list(lengths)} does not equal the length of "
            f"the input dataset ({n}) and the lengths are not fractions summing to 1"
        )
    order = make_rng(generator).permutation(n)
    result = []
    start = 0
    for c in counts:
        result.append(Subset(dataset, order[start:start + c].tolist()))
        start += c
    return result


class IterableDataset(Dataset):
    """Base class of datasets read as a stream: subclasses define ``__iter__``.

    For data that is read in order rather than by index (lines of a file, records from
    a database, samples generated on the fly). A :class:`~minigrad.data.DataLoader`
    iterates it (no sampler, no shuffling) and batches what it yields. With
    ``num_workers > 0`` every worker iterates its own copy, so ``__iter__`` uses
    :func:`~minigrad.data.get_worker_info` to read only its share; otherwise each
    sample arrives once per worker. ``a + b`` chains two of them (a
    :class:`ChainDataset`). ``__len__`` is optional: a loader's ``len()`` needs it.

    Examples
    --------
    >>> import math
    >>> from minigrad.data import DataLoader, IterableDataset, get_worker_info
    >>> class Range(IterableDataset):
    ...     def __init__(self, start, end):
    ...         self.start, self.end = start, end
    ...     def __iter__(self):
    ...         info = get_worker_info()
    ...         if info is None:  # loading in this process: everything
    ...             return iter(range(self.start, self.end))
    ...         share = math.ceil((self.end - self.start) / info.num_workers)
    ...         first = self.start + info.id * share
    ...         return iter(range(first, min(first + share, self.end)))
    >>> [batch.tolist() for batch in DataLoader(Range(3, 8), batch_size=2)]
    [[3, 4], [5, 6], [7]]
    >>> list(Range(0, 2) + Range(5, 7))
    [0, 1, 5, 6]
    """

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


def _only_iterable(dataset: Any) -> IterableDataset:
    if not isinstance(dataset, IterableDataset):
        # AssertionError, as PyTorch raises
        raise AssertionError(
            f"ChainDataset only supports IterableDataset, got {type(dataset).__name__}")
    return dataset


class ChainDataset(IterableDataset):
    """Several :class:`IterableDataset` streams, one after another.

    Parameters
    ----------
    datasets : iterable of IterableDataset
        Read in turn, each to its end, when the chain is iterated.

    Raises
    ------
    AssertionError
        When iterating or taking ``len()`` reaches a dataset that is not an
        :class:`IterableDataset` (PyTorch's error).

    Examples
    --------
    >>> from minigrad.data import ChainDataset, IterableDataset
    >>> class Letters(IterableDataset):
    ...     def __init__(self, text):
    ...         self.text = text
    ...     def __iter__(self):
    ...         return iter(self.text)
    ...     def __len__(self):
    ...         return len(self.text)
    >>> chain = ChainDataset([Letters("ab"), Letters("xyz")])
    >>> "".join(chain), len(chain)
    ('abxyz', 5)
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for dataset in self.datasets:
            yield from _only_iterable(dataset)

    def __len__(self) -> int:
        return sum(len(_only_iterable(d)) for d in self.datasets)


class StackDataset(Dataset):
    """Datasets of the same length side by side: sample ``i`` holds each one's sample ``i``.

    Given positionally, a sample is a tuple; given by keyword, a dict with those keys.

    Parameters
    ----------
    *args : Dataset
        Datasets whose samples form a tuple.
    **kwargs : Dataset
        Datasets whose samples form a dict (not together with ``args``).

    Raises
    ------
    ValueError
        If no dataset is given, if both forms are given, or if the lengths differ.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.data import StackDataset, TensorDataset
    >>> images, labels = TensorDataset(minigrad.zeros(4, 2)), TensorDataset(minigrad.arange(4))
    >>> pair = StackDataset(images, labels)
    >>> (image,), (label,) = pair[3]
    >>> tuple(image.shape), int(label), len(pair)
    ((2,), 3, 4)
    >>> sorted(StackDataset(image=images, label=labels)[0])
    ['image', 'label']
    """

    datasets: tuple[Dataset, ...] | dict[str, Dataset]

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: supported either tuple-like (via args) or "
                             "dict-like (via kwargs) input/output, but both types are given")
        parts = list(args) if args else list(kwargs.values())
        if not parts:
            raise ValueError("StackDataset: at least one dataset should be passed")
        lengths = [len(d) for d in parts]
        if len(set(lengths)) != 1:
            raise ValueError(f"StackDataset: size mismatch between datasets, of lengths "
                             f"{lengths}")
        self._length = lengths[0]
        self.datasets = args if args else dict(kwargs)

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, Mapping):
            return {key: dataset[index] for key, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __len__(self) -> int:
        return self._length
