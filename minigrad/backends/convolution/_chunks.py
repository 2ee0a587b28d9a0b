"""The batch in cache-sized chunks: a zero-bordered view of the input served chunk by
chunk, and scratch buffers that every chunk, and every later call, reuses."""

from __future__ import annotations

import threading
from typing import Any

import numpy

Array = Any
Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]  # (top, bottom, left, right)

NO_PAD: Pad4 = (0, 0, 0, 0)
CHUNK_BYTES = 3 << 19
"""Scratch per chunk of the batch (1.5 MiB): a chunk's im2col columns or Winograd tiles stay
in a core's L2 cache between being written and being read by the GEMM."""


POOL_LIMIT = 1 << 24
"""Scratch buffers up to this many bytes (16 MiB) are kept per thread for the next call:
allocating them afresh each call costs a page fault per 4 KiB on first touch, which is
a large part of a small convolution's time. Larger ones are allocated per call."""

_pool = threading.local()


def pooled(xp: Any, dtype: Any, name: str, size: int, zero: bool = False) -> Array:
    """A 1-D scratch array of ``size`` elements, the same memory as the last call's buffer
    of that ``name`` when it is large enough; zero-filled with ``zero``. Valid until the
    next request of the same name in this thread."""
    buffers: dict[tuple[str, str, str], Array] | None = getattr(_pool, "buffers", None)
    if buffers is None:
        buffers = _pool.buffers = {}
    key = (getattr(xp, "__name__", str(id(xp))), numpy.dtype(dtype).str, name)
    buffer = buffers.get(key)
    if buffer is None or buffer.size < size:
        buffer = xp.empty(size, dtype=dtype)
        if buffer.nbytes <= POOL_LIMIT:
            buffers[key] = buffer
    view = buffer[:size]
    if zero:
        view[...] = 0
    return view


def batch_chunk(n: int, per_sample_bytes: int) -> int:
    """Samples per chunk so that one chunk's scratch stays near :data:`CHUNK_BYTES`."""
    return max(1, min(n, CHUNK_BYTES // max(1, per_sample_bytes)))


def chunks(n: int, size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of the chunks of ``size`` samples covering a batch of ``n``."""
    return [(start, min(n, start + size)) for start in range(0, n, size)]


def out_size(n: int, k: int, s: int, d: int, op: str) -> int:
    """Window positions along a dimension of ``n``: ``(n - d(k-1) - 1) // s + 1``."""
    size = (n - d * (k - 1) - 1) // s + 1
    if size < 1:
        raise ValueError(
            f"{op}: a window of kernel size {k} and dilation {d} does not fit in an input "
            f"of size {n}"
        )
    return size


def prod(shape: tuple[int, ...]) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def itemsize(dtype: Any) -> int:
    return int(numpy.dtype(dtype).itemsize)


class Source:
    """An NCHW array seen with extra zero rows and columns, served in chunks of the batch.

    With no padding a chunk is a slice of the array (made contiguous if it is not);
    otherwise each chunk is copied into the interior of one zero-bordered buffer that every
    chunk reuses: the border is written once and stays zero.
    """

    def __init__(self, xp: Any, x: Array, pad: Pad4 = NO_PAD) -> None:
        self.xp, self.x, self.pad = xp, x, pad
        n, c, h, w = x.shape
        top, bottom, left, right = pad
        self.shape = (n, c, h + top + bottom, w + left + right)
        self.dtype = x.dtype
        self._buffer: Array = None

    def extended(self, bottom: int, right: int) -> Source:
        """The same source with ``bottom`` more zero rows and ``right`` more columns."""
        top, b, left, r = self.pad
        return Source(self.xp, self.x, (top, b + bottom, left, r + right))

    def chunk(self, start: int, stop: int, size: int) -> Array:
        """Samples ``start:stop`` (at most ``size`` of them) as a contiguous
        ``(m, C, H, W)`` array, valid until the next call."""
        if self.pad == NO_PAD:
            return self.xp.ascontiguousarray(self.x[start:stop])
        if self._buffer is None:
            shape = (size, *self.shape[1:])
            self._buffer = pooled(self.xp, self.dtype, "padded", prod(shape), zero=True)
            self._buffer = self._buffer.reshape(shape)
        top, _, left, _ = self.pad
        h, w = self.x.shape[2:]
        block = self._buffer[: stop - start]
        block[:, :, top : top + h, left : left + w] = self.x[start:stop]
        return block


class Scratch:
    """Flat buffers by name, sized for the largest chunk and handed out as contiguous
    prefixes, so that the last (smaller) chunk of the batch reuses the same memory; the
    buffers come from the per-thread pool (:func:`pooled`)."""

    def __init__(self, xp: Any, dtype: Any) -> None:
        self.xp, self.dtype = xp, dtype
        self._buffers: dict[str, Array] = {}

    def reserve(self, name: str, shape: tuple[int, ...], zero: bool = False) -> None:
        """Provide ``name`` for ``shape`` (zero-filled with ``zero``), from the pool."""
        self._buffers[name] = pooled(self.xp, self.dtype, name, prod(shape), zero)

    def view(self, name: str, shape: tuple[int, ...]) -> Array:
        """The first ``prod(shape)`` elements of ``name``, shaped."""
        return self._buffers[name][: prod(shape)].reshape(shape)
