"""Memory formats: PyTorch's layout hints, accepted as hints.

PyTorch can store a 4-d tensor channels-last (NHWC in memory, NCHW in shape) so that some
GPU convolution kernels run faster. minigrad keeps its own layout (row-major, with views
as NumPy makes them) whatever format is asked for: the values, shapes and results are the
same either way, only PyTorch's speed-up is missing. ``is_contiguous(memory_format=...)``
answers truthfully about the strides the tensor really has.

Examples
--------
>>> import minigrad
>>> minigrad.channels_last
torch.channels_last
>>> minigrad.ones(1, 3, 2, 2).contiguous(memory_format=minigrad.channels_last).shape
minigrad.Size([1, 3, 2, 2])
"""

from __future__ import annotations

from typing import Any

__all__ = ["channels_last", "channels_last_3d", "contiguous_format", "memory_format",
           "preserve_format"]


class memory_format:
    """A memory layout a program may ask for (a hint in minigrad: see the module's text).

    Parameters
    ----------
    name : str
        The format's name (``"channels_last"``).
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:  # pickles as the module-level instance, like an enum
        return self.name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

_RANKS = {"channels_last": 4, "channels_last_3d": 5}


def check_memory_format(caller: str, fmt: Any, ndim: int | None) -> memory_format:
    """``fmt`` checked as PyTorch does: a :class:`memory_format`, and for channels-last a
    tensor of rank 4 (``channels_last_3d``: 5); ``ndim`` None skips the rank check
    (modules)."""
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{caller}(): argument 'memory_format' must be torch.memory_format, "
                        f"not {type(fmt).__name__}")
    rank = _RANKS.get(fmt.name)
    if rank is not None and ndim is not None and ndim != rank:
        raise RuntimeError(f"{caller}(): required rank {rank} tensor to use {fmt.name} "
                           f"format, got a tensor with {ndim} dimensions")
    return fmt


def is_contiguous_in(fmt: memory_format, shape: tuple[int, ...],
                     strides: tuple[int, ...]) -> bool:
    """Whether element ``strides`` lay ``shape`` out densely in ``fmt``'s order: for
    channels-last, channels fastest, then width, height(, depth), batch; size-1
    dimensions never matter."""
    rank = _RANKS.get(fmt.name)
    if rank is None:
        order = list(range(len(shape) - 1, -1, -1))
    elif len(shape) != rank:
        return False
    else:
        order = [1, *range(rank - 1, 1, -1), 0]
    expected = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True
