"""``DataLoader``: batches of samples, shuffled or not, as tensors on the current backend."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy

from minigrad import backends
from minigrad.data.dataset import batch_fn, make_rng
from minigrad.functional.shape import stack
from minigrad.tensor import Tensor, tensor

__all__ = ["DataLoader", "default_collate"]


def _to_current(t: Tensor) -> Tensor:
    target = backends.current()
    return t if t.backend is target else t.to(target)


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch.

    Tensors are stacked along a new first dimension; NumPy arrays and numbers become
    tensors; tuples, lists and dicts are collated element by element.

    Raises
    ------
    TypeError
        For sample types it cannot stack.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.data import default_collate
    >>> x, y = default_collate([(minigrad.zeros(3), 1), (minigrad.ones(3), 0)])
    >>> x.shape, y.tolist()
    ((2, 3), [1, 0])
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return _to_current(stack([_to_current(t) for t in batch]))
    if isinstance(first, (numpy.ndarray, numpy.generic)):
        return tensor(numpy.stack([numpy.asarray(b) for b in batch]))
    if isinstance(first, bool):
        return tensor(numpy.array(batch, dtype=bool))
    if isinstance(first, int):
        return tensor(numpy.array(batch, dtype=numpy.int64))
    if isinstance(first, float):
        return tensor(numpy.array(batch, dtype=numpy.float64))
    if isinstance(first, str):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([b[key] for b in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(b) != len(first) for b in batch):
            raise TypeError("default_collate: every sample in a batch must have the same length")
        parts = [default_collate(list(items)) for items in zip(*batch)]
        return tuple(parts) if isinstance(first, tuple) else parts
    raise TypeError(
        f"default_collate: can't batch samples of type {type(first).__name__}; pass a "
        "collate_fn"
    )


class DataLoader:
    """Iterate over a dataset in batches.

    Parameters
    ----------
    dataset : Dataset
        Anything with ``__len__`` and ``__getitem__``.
    batch_size : int
        Samples per batch.
    shuffle : bool
        Draw a new random order every epoch.
    drop_last : bool
        Drop the last batch if it is smaller than ``batch_size``.
    collate_fn : callable, optional
        Turns a list of samples into a batch (default: :func:`default_collate`).
    generator : int or numpy.random.Generator, optional
        Seed or generator for shuffling (reproducible epochs). Without one, each shuffled
        epoch takes its seed from minigrad's generator, so :func:`minigrad.manual_seed`
        makes the orders repeat.
    num_workers : int
        Accepted for PyTorch compatibility; batches are always loaded in this process.

    Notes
    -----
    Datasets whose samples are slices of stored tensors (:class:`TensorDataset`, the
    built-in datasets without a transform) are batched with one indexing operation per
    tensor instead of sample by sample.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(minigrad.randn(10, 3), minigrad.arange(10))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True, generator=0)
    >>> [x.shape[0] for x, y in loader]
    [4, 4, 2]
    """

    def __init__(
        self, dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None, generator: Any = None,
        num_workers: int = 0,
    ) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size should be a positive integer, got {batch_size!r}")
        if num_workers < 0:
            raise ValueError(f"num_workers must be non-negative, got {num_workers}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        # without a generator each shuffled epoch draws its seed from minigrad's generator
        # (so minigrad.manual_seed makes the order repeat, as torch.manual_seed does)
        self._rng = None if generator is None else make_rng(generator)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _batches(self) -> Iterator[Any]:
        n = len(self.dataset)
        if self.shuffle:
            order = (self._rng if self._rng is not None else make_rng(None)).permutation(n)
        else:
            order = numpy.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            yield order[start:start + self.batch_size]

    def __iter__(self) -> Iterator[Any]:
        fast = batch_fn(self.dataset) if self.collate_fn is None else None
        for idx in self._batches():
            batch = fast(idx) if fast is not None else None
            if batch is not None:
                yield tuple(_to_current(t) if isinstance(t, Tensor) else t for t in batch)
                continue
            samples = [self.dataset[int(i)] for i in idx]
            collate = self.collate_fn or default_collate
            yield collate(samples)
