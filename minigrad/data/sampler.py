"""Samplers: the order in which a :class:`~minigrad.data.DataLoader` reads a dataset.

A sampler is an iterable of dataset indices with a length; a batch sampler is an iterable
of lists of indices. These are ``torch.utils.data``'s samplers; random orders come from
NumPy generators: one given (or an int seed), or one seeded each epoch from a
:class:`minigrad.Generator` or, when none is given, from minigrad's default stream (so
:func:`minigrad.manual_seed` makes them repeat).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, cast

import numpy

from minigrad.data.dataset import make_rng, rng_source
from minigrad.tensor import Tensor, tensor

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices) and usually ``__len__``.

    Examples
    --------
    >>> from minigrad.data import Sampler
    >>> class EvenFirst(Sampler):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter([*range(0, self.n, 2), *range(1, self.n, 2)])
    ...     def __len__(self):
    ...         return self.n
    >>> list(EvenFirst(5))
    [0, 2, 4, 1, 3]
    """

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Examples
    --------
    >>> from minigrad.data import SequentialSampler
    >>> list(SequentialSampler(range(4)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in a random order (a new one every epoch), or drawn with replacement.

    Parameters
    ----------
    data_source : sized
        The dataset.
    replacement : bool
        Draw ``num_samples`` indices independently instead of permuting.
    num_samples : int, optional
        How many indices per epoch (default ``len(data_source)``); without replacement,
        more than that chains several permutations.
    generator : minigrad.Generator, int or numpy.random.Generator, optional
        Source of the orders. Each epoch takes its seed from a :class:`minigrad.Generator`
        (without one, minigrad's default stream), so reseeding it repeats the orders.

    Raises
    ------
    ValueError
        If ``num_samples`` is not a positive integer.
    TypeError
        If ``replacement`` is not a bool.

    Examples
    --------
    >>> from minigrad.data import RandomSampler
    >>> sorted(RandomSampler(range(5), generator=0))
    [0, 1, 2, 3, 4]
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = rng_source(generator)
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or \
                self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """Indices per epoch."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        rng = make_rng(self.generator)
        if self.replacement:
            yield from rng.integers(0, n, self.num_samples).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[: self.num_samples % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order each epoch.

    Examples
    --------
    >>> from minigrad.data import SubsetRandomSampler
    >>> sorted(SubsetRandomSampler([7, 3, 5], generator=1))
    [3, 5, 7]
    """

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = indices
        self.generator = rng_source(generator)

    def __iter__(self) -> Iterator[int]:
        rng = make_rng(self.generator)
        for i in rng.permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Parameters
    ----------
    sampler : iterable of int
        Where the indices come from.
    batch_size : int
        Indices per batch.
    drop_last : bool
        Drop the last batch if it is short.

    Raises
    ------
    ValueError
        If ``batch_size`` is not a positive integer or ``drop_last`` not a bool.

    Examples
    --------
    >>> from minigrad.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(cast(Sized, self.sampler))  # a sampler without __len__ raises TypeError
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def as_index_array(indices: Sequence[int]) -> numpy.ndarray[Any, Any]:
    """A batch of indices as an int64 array (for the datasets' whole-batch fast path)."""
    return numpy.asarray(indices, dtype=numpy.int64)


class WeightedRandomSampler(Sampler):
    """Indices ``0 .. len(weights) - 1`` drawn with probabilities proportional to ``weights``.

    The usual cure for unbalanced classes: give each sample the weight
    ``1 / count(its class)`` and every class is drawn about equally often.

    Parameters
    ----------
    weights : sequence of float or Tensor
        One non-negative weight per index, not necessarily summing to one.
    num_samples : int
        Indices per epoch.
    replacement : bool
        Draw independently (default); ``False`` draws each index at most once per
        epoch (indices of weight zero come last, once the others are used up).
    generator : minigrad.Generator, int or numpy.random.Generator, optional
        Source of the draws. Each epoch takes its seed from a :class:`minigrad.Generator`
        (without one, minigrad's default stream, so :func:`minigrad.manual_seed` makes
        them repeat).

    Attributes
    ----------
    weights : Tensor
        The weights, as a float64 tensor.

    Raises
    ------
    ValueError
        If ``num_samples`` is not a positive integer, ``replacement`` not a bool, or
        ``weights`` not one-dimensional (PyTorch's messages).
    RuntimeError
        When iterated, if a weight is negative, infinite or NaN, the weights sum to zero,
        or more indices than there are are asked for without replacement (PyTorch's
        ``torch.multinomial`` messages).

    Examples
    --------
    >>> from minigrad.data import WeightedRandomSampler
    >>> sampler = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=8, generator=0)
    >>> len(sampler), 0 in list(sampler)
    (8, False)
    >>> sorted(WeightedRandomSampler([1.0, 2.0, 0.0], 3, replacement=False, generator=0))
    [0, 1, 2]
    """

    def __init__(self, weights: Sequence[float] | Tensor | numpy.ndarray[Any, Any],
                 num_samples: int, replacement: bool = True, generator: Any = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or \
                num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        values = numpy.asarray(weights.numpy() if isinstance(weights, Tensor) else weights,
                               dtype=numpy.float64)
        if values.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{values.shape}")
        self.weights = tensor(values)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = rng_source(generator)

    def __iter__(self) -> Iterator[int]:
        weights = self.weights.numpy()
        _check_distribution(weights, self.num_samples, self.replacement)
        rng = make_rng(self.generator)
        if self.replacement:
            chosen = rng.choice(len(weights), self.num_samples, p=weights / weights.sum())
        else:
            # Exponential races: the index whose weight / Exp(1) is largest wins first,
            # which draws without replacement in proportion to the weights.
            keys = weights / rng.exponential(size=len(weights))
            chosen = numpy.argsort(-keys, kind="stable")[: self.num_samples]
        yield from chosen.tolist()

    def __len__(self) -> int:
        return self.num_samples


def _check_distribution(weights: numpy.ndarray[Any, Any], num_samples: int,
                        replacement: bool) -> None:
    """Raise ``torch.multinomial``'s errors for weights it can't draw from."""
    if not replacement and num_samples > len(weights):
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if numpy.isinf(weights).any():
        raise RuntimeError("invalid multinomial distribution (encountering probability "
                           "entry = infinity or NaN)")
    if not (weights >= 0).all():  # NaN fails this test too, as in PyTorch
        raise RuntimeError("invalid multinomial distribution (encountering probability "
                           "entry < 0)")
    if weights.sum() <= 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
