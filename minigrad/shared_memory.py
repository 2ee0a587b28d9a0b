"""Host arrays that several processes see and change in place (``Tensor.share_memory_``).

A shared array lives in a block of :mod:`multiprocessing`'s shared heap (a memory-mapped
file), so processes forked afterwards map the same memory, and pickling the array through
multiprocessing (a ``Process`` argument under the ``spawn`` method, a ``Queue``, a
``Pipe``) sends a handle to the block instead of a copy of the values. This is how
Hogwild-style training lets several processes update one model's parameters.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy

__all__ = ["layout", "rebuild", "share", "shared_block"]


def share(array: numpy.ndarray[Any, Any]) -> numpy.ndarray[Any, Any]:
    """A copy of ``array`` (same shape and dtype, C order) in shared memory."""
    from multiprocessing import sharedctypes  # only programs that share pay for it

    block = sharedctypes.RawArray(ctypes.c_char, max(array.nbytes, 1))
    flat = numpy.frombuffer(memoryview(block), dtype=array.dtype, count=array.size)
    shared: numpy.ndarray[Any, Any] = flat.reshape(array.shape)
    shared[...] = array
    return shared


def shared_block(array: Any) -> Any | None:
    """The shared-memory block under ``array``, or ``None`` if it is not in one."""
    base = array
    while isinstance(base, numpy.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    # blocks made by multiprocessing.sharedctypes carry the heap wrapper that owns them
    if isinstance(base, ctypes.Array) and getattr(base, "_wrapper", None) is not None:
        return base
    return None


def layout(array: numpy.ndarray[Any, Any], block: Any) -> tuple[Any, ...]:
    """What :func:`rebuild` needs to show ``array`` over ``block`` in another process: the
    block's heap handle (multiprocessing pickles it as a duplicated file descriptor, both
    while starting a process and through queues) and the array's place in it."""
    offset = array.__array_interface__["data"][0] - ctypes.addressof(block)
    return (block._wrapper, ctypes.sizeof(block), array.dtype.str, array.shape,
            array.strides, offset)


def rebuild(handle: Any, size: int, dtype: str, shape: tuple[int, ...],
            strides: tuple[int, ...], offset: int) -> numpy.ndarray[Any, Any]:
    """The array described by :func:`layout`, over the same memory (no copy)."""
    block = (ctypes.c_char * size).from_buffer(handle.create_memoryview())
    vars(block)["_wrapper"] = handle  # marks it shared, as sharedctypes does
    array: numpy.ndarray[Any, Any] = numpy.ndarray(
        shape, dtype=numpy.dtype(dtype), buffer=memoryview(block), offset=offset,
        strides=strides)
    return array
