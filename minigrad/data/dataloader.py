"""``DataLoader``: batches of samples, shuffled or not, loaded here or in worker processes,
as tensors on the current backend."""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from typing import Any, cast

import numpy

from minigrad import backends
from minigrad.data.dataset import IterableDataset, batch_fn, draw_seed, rng_source
from minigrad.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    as_index_array,
)
from minigrad.data.worker import DatasetExhausted
from minigrad.functional.shape import stack
from minigrad.tensor import Tensor, tensor

__all__ = ["DataLoader", "default_collate", "default_convert"]


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
    (minigrad.Size([2, 3]), [1, 0])
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


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays (also inside tuples, lists and dicts) into tensors, leaving
    everything else as it is: the ``collate_fn`` of a loader with ``batch_size=None``.

    Examples
    --------
    >>> import numpy
    >>> from minigrad.data import default_convert
    >>> x, label = default_convert((numpy.zeros(2), 3))
    >>> type(x).__name__, label
    ('Tensor', 3)
    """
    if isinstance(data, Tensor):
        return _to_current(data)
    if isinstance(data, numpy.ndarray) and data.dtype.kind not in "USO":
        return tensor(data)
    if isinstance(data, Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple):
        items = [default_convert(d) for d in data]
        return type(data)(*items) if hasattr(data, "_fields") else tuple(items)
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data


class Fetcher:
    """Reads one batch (a list of indices) or one sample (an index) and collates it.

    Runs in the main process or, pickled with the dataset, in a worker.
    """

    def __init__(self, dataset: Any, auto_collation: bool,
                 collate_fn: Callable[[Any], Any]) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn

    def __call__(self, indices: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[indices])
        if self.collate_fn is default_collate:
            fast = batch_fn(self.dataset)
            batch = fast(as_index_array(indices)) if fast is not None else None
            if batch is not None:
                return tuple(_to_current(t) if isinstance(t, Tensor) else t for t in batch)
        return self.collate_fn([self.dataset[int(i)] for i in indices])

    def restart(self) -> None:
        """Begin a new epoch (indexing keeps no state between epochs)."""


class IterableFetcher(Fetcher):
    """Reads the next batch (or sample) from an :class:`IterableDataset`'s iterator.

    ``indices`` only gives the batch size. Raises :class:`DatasetExhausted` once the
    stream has ended (and on every call after that, until :meth:`restart`).
    """

    def __init__(self, dataset: Any, auto_collation: bool,
                 collate_fn: Callable[[Any], Any], drop_last: bool) -> None:
        super().__init__(dataset, auto_collation, collate_fn)
        self.drop_last = drop_last
        self.restart()

    def restart(self) -> None:
        """Begin a new epoch: the next call iterates the dataset afresh."""
        self._iterator: Iterator[Any] | None = None
        self._ended = False

    def __call__(self, indices: Any) -> Any:
        if self._ended:
            raise DatasetExhausted
        if self._iterator is None:  # created here, so that in a worker get_worker_info works
            self._iterator = iter(self.dataset)
        if self.auto_collation:
            return self.collate_fn(self._next_batch(self._iterator, len(indices)))
        return self.collate_fn(self._next_sample(self._iterator))

    def _next_sample(self, iterator: Iterator[Any]) -> Any:
        for sample in iterator:
            return sample
        self._ended = True
        raise DatasetExhausted

    def _next_batch(self, iterator: Iterator[Any], size: int) -> list[Any]:
        batch = list(itertools.islice(iterator, size))
        self._ended = len(batch) < size
        if not batch or (self._ended and self.drop_last):
            raise DatasetExhausted
        return batch


class _InfiniteConstantSampler(Sampler):
    """The sampler of an iterable dataset: ``None`` forever (the dataset decides when
    the epoch ends)."""

    def __iter__(self) -> Iterator[None]:
        return itertools.repeat(None)


def _start_method_context(context: Any) -> Any:
    """The multiprocessing context for ``multiprocessing_context`` (None: fork if the
    platform has it, else the platform's default)."""
    if context is None:
        methods = multiprocessing.get_all_start_methods()
        return multiprocessing.get_context("fork" if "fork" in methods else None)
    if isinstance(context, str):
        methods = multiprocessing.get_all_start_methods()
        if context not in methods:
            raise ValueError(
                "multiprocessing_context option should specify a valid start method in "
                f"{methods!r}, but got multiprocessing_context={context!r}"
            )
        return multiprocessing.get_context(context)
    if not isinstance(context, multiprocessing.context.BaseContext):
        raise TypeError(
            "multiprocessing_context option should be a valid context object or a string "
            f"specifying the start method, but got multiprocessing_context={context}"
        )
    return context


class DataLoader:
    """Iterate over a dataset in batches, in this process or in worker processes.

    The arguments and their rules are PyTorch's ``torch.utils.data.DataLoader``'s.

    Parameters
    ----------
    dataset : Dataset or IterableDataset
        Anything with ``__len__`` and ``__getitem__``, or an :class:`IterableDataset`
        (read in its own order: no ``shuffle``, ``sampler`` or ``batch_sampler``).
    batch_size : int or None
        Samples per batch; ``None`` turns batching off (each sample is yielded as it is,
        with NumPy arrays made tensors).
    shuffle : bool
        Draw a new random order every epoch (a :class:`RandomSampler`).
    sampler : Sampler or iterable of int, optional
        The order of the indices (e.g. a :class:`DistributedSampler`); excludes
        ``shuffle``.
    batch_sampler : iterable of lists of int, optional
        Yields whole batches of indices; excludes ``batch_size``, ``shuffle``,
        ``sampler`` and ``drop_last``.
    num_workers : int
        Worker processes that load batches in parallel (0: load in this process).
    collate_fn : callable, optional
        Turns a list of samples into a batch (default: :func:`default_collate`).
    pin_memory : bool
        Accepted for PyTorch compatibility; batches are moved to the current backend as
        they arrive (no page-locked staging).
    drop_last : bool
        Drop the last batch if it is smaller than ``batch_size``.
    timeout : float
        With workers, seconds to wait for a batch before raising (0: wait as long as
        the workers are alive).
    worker_init_fn : callable, optional
        Called as ``worker_init_fn(worker_id)`` in each worker after it is seeded.
    multiprocessing_context : str or multiprocessing context, optional
        Start method of the workers; default ``"fork"`` where the platform has it
        (``"spawn"`` and ``"forkserver"`` need a picklable dataset and a script guarded
        by ``if __name__ == "__main__":``).
    generator : minigrad.Generator, int or numpy.random.Generator, optional
        Source of the shuffle order and the workers' base seed. Without one, both come
        from minigrad's default stream, so :func:`minigrad.manual_seed` makes runs
        repeat; with a :class:`minigrad.Generator`, reseeding it repeats them.
    prefetch_factor : int, optional
        Batches each worker loads ahead (default 2; only with workers).
    persistent_workers : bool
        Keep the workers alive between epochs (only with workers).
    pin_memory_device : str
        Accepted for PyTorch compatibility.
    in_order : bool
        With workers, yield batches in sampler order (``False``: as they are ready).

    Raises
    ------
    ValueError
        For conflicting options, with PyTorch's messages (``shuffle``, ``sampler`` or
        ``batch_sampler`` with an :class:`IterableDataset`, ``sampler`` with ``shuffle``,
        ``batch_sampler`` with ``batch_size``/``shuffle``/``sampler``/``drop_last``,
        ``batch_size=None`` with ``drop_last``, worker options without workers), and for
        negative ``num_workers`` or ``timeout``.

    Notes
    -----
    Workers: each worker process gets a copy of the dataset (with the default ``fork``
    start method, a copy-on-write view of this process's memory), loads on the host
    with the NumPy backend, and sends batches back as NumPy arrays; they become tensors
    on the current backend here. Each time workers start, a base seed is drawn (from
    ``generator`` or minigrad's generator) and worker ``i`` seeds Python's ``random``,
    NumPy's global generator and minigrad's generator with ``base_seed + i``, as PyTorch
    does; :func:`get_worker_info` tells a worker its id, seed and dataset copy. An
    exception in a worker is raised again here, naming the worker; a worker that dies
    is reported instead of waited for.

    An :class:`IterableDataset` is batched as it streams: ``batch_size`` samples per
    batch, the last one shorter (or dropped with ``drop_last``). ``len(loader)`` is then
    computed from ``len(dataset)`` (a ``TypeError`` if the dataset has no length). With
    workers, each worker iterates its own copy of the dataset (to be split among them
    with :func:`get_worker_info`, or every sample arrives once per worker); batches are
    taken from the workers in turn until each copy is used up, as in PyTorch.

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

    _frozen = ("dataset", "batch_size", "batch_sampler", "sampler", "drop_last",
               "persistent_workers")

    def __init__(
        self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
        sampler: Iterable[Any] | None = None, batch_sampler: Iterable[Any] | None = None,
        num_workers: int = 0, collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None, generator: Any = None, *,
        prefetch_factor: int | None = None, persistent_workers: bool = False,
        pin_memory_device: str = "", in_order: bool = True,
    ) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                "to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if num_workers > 0 and prefetch_factor == 0:
            raise ValueError("prefetch_factor must be greater than 0 for multi-process "
                             "loading (num_workers > 0)")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if batch_size is not None and (not isinstance(batch_size, int)
                                       or isinstance(batch_size, bool) or batch_size < 1):
            raise ValueError(f"batch_size should be a positive integer, got {batch_size!r}")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            _refuse_sampling_options(shuffle, sampler, batch_sampler)
            sampler = _InfiniteConstantSampler()
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(
                "multiprocessing_context can only be used with multi-process loading "
                f"(num_workers > 0), but got num_workers={num_workers}"
            )
        rng = rng_source(generator)
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=rng) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self._iterable = iterable
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = rng
        self.num_workers = num_workers
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = (
            None if num_workers == 0 else _start_method_context(multiprocessing_context))
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._workers: Any = None  # the persistent worker pool
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_initialized") and name in self._frozen:
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Iterable[Any]:
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    def __len__(self) -> int:
        if not self._iterable:
            return len(cast(Sized, self._index_sampler))
        samples = len(self.dataset)  # TypeError for a dataset without a length
        if self.batch_size is None:
            return samples
        return samples // self.batch_size if self.drop_last else -(-samples // self.batch_size)

    def _fetcher(self) -> Fetcher:
        if self._iterable:
            return IterableFetcher(self.dataset, self._auto_collation, self.collate_fn,
                                   self.drop_last)
        return Fetcher(self.dataset, self._auto_collation, self.collate_fn)

    def _base_seed(self) -> int:
        return draw_seed(self.generator)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers == 0:
            return self._single_process_batches(self._base_seed())
        from minigrad.data.multiprocess import MultiProcessIterator, WorkerPool

        if self.persistent_workers:
            if self._workers is None or not self._workers.alive:
                self._workers = WorkerPool(self, self._base_seed())
            return MultiProcessIterator(self, self._workers, owns_pool=False)
        return MultiProcessIterator(self, WorkerPool(self, self._base_seed()), owns_pool=True)

    def _single_process_batches(self, base_seed: int) -> Iterator[Any]:
        # base_seed is drawn (and unused) as in PyTorch, so that the random stream after
        # an epoch does not depend on num_workers
        del base_seed
        fetch = self._fetcher()
        for indices in self._index_sampler:
            try:
                batch = fetch(indices)
            except DatasetExhausted:
                return
            yield batch

    def __del__(self) -> None:
        workers = self.__dict__.get("_workers")
        if workers is not None:
            workers.shutdown()


def _refuse_sampling_options(shuffle: Any, sampler: Any, batch_sampler: Any) -> None:
    """An iterable dataset sets its own order: PyTorch's errors for the options that
    would choose one."""
    if shuffle not in (False, None):
        raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                         f"option, but got shuffle={shuffle}")
    for name, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
        if value is not None:
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} "
                             f"option, but got {name}={value}")
