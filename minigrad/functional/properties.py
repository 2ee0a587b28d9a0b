"""Tensor properties and new tensors like an existing one: ``new_zeros``, ``new_ones``,
``new_full``, ``new_empty``, ``new_tensor``, ``numel``/``nelement``, ``ndimension``,
``stride``, ``is_contiguous``, ``is_floating_point``, ``is_tensor``.

None of them records a graph node: the ``new_*`` methods make leaves, with the dtype and
backend of the tensor they are called on unless told otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad import creation
from minigrad.memory_format import check_memory_format, is_contiguous_in
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor, shape_args, tensor
from minigrad.types import Scalar


def _sized(name: str, size: tuple[Any, ...]) -> tuple[int, ...]:
    """The size given to a ``new_*`` method: required, as in PyTorch (``new_zeros(())``
    makes a 0-d tensor)."""
    if not size:
        raise TypeError(f"{name}() missing 1 required positional argument: 'size'")
    return shape_args(size)


def _like(input: Tensor, dtype: Any, device: Any) -> dict[str, Any]:
    return {"dtype": input.dtype if dtype is None else dtype,
            "device": input.backend if device is None else device}


@op("new_zeros", method=True, differentiable=False,
    samples=[S((2, 3), [4, 5]), S((2,), 3, 2), S((2, 3), [2], dtype=numpy.int64)],
    reference=lambda a, *size, dtype=None: numpy.zeros(shape_args(size), dtype or a.dtype))
def new_zeros(input: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Zeros of ``size`` (``new_zeros(2, 3)`` or ``new_zeros((2, 3))``), with this
    tensor's dtype and backend unless ``dtype``/``device`` say otherwise."""
    return creation.zeros(_sized("new_zeros", size), requires_grad=requires_grad,
                          **_like(input, dtype, device))


@op("new_ones", method=True, differentiable=False,
    samples=[S((2, 3), [4, 5]), S(Arg((2,), "int", high=3), 3)],
    reference=lambda a, *size, dtype=None: numpy.ones(shape_args(size), dtype or a.dtype))
def new_ones(input: Tensor, *size: Any, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """Ones of ``size``, with this tensor's dtype and backend unless told otherwise."""
    return creation.ones(_sized("new_ones", size), requires_grad=requires_grad,
                         **_like(input, dtype, device))


@op("new_empty", method=True, differentiable=False,
    samples=[S((2, 3), call=lambda f, a: f(a, [4, 5]).shape, note="shape only")],
    reference=lambda a, size: numpy.empty(size))
def new_empty(input: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``size``, with this tensor's dtype and backend unless
    told otherwise."""
    return creation.empty(_sized("new_empty", size), requires_grad=requires_grad,
                          **_like(input, dtype, device))


@op("new_full", method=True, differentiable=False,
    samples=[S((2, 3), [4, 5], 2.5), S(Arg((2,), "int", high=3), [3], 7),
             S((2,), [2], 1, dtype=numpy.int64)],
    reference=lambda a, size, fill_value, dtype=None: numpy.full(size, fill_value,
                                                                 dtype or a.dtype))
def new_full(input: Tensor, size: Any, fill_value: Scalar, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere in a tensor of ``size``, with this tensor's dtype and
    backend unless told otherwise (the dtype does not follow ``fill_value``)."""
    return creation.full(shape_args((size,)), fill_value, requires_grad=requires_grad,
                         **_like(input, dtype, device))


@op("new_tensor", method=True, differentiable=False,
    samples=[S((2,), [[1, 2], [3, 4]]), S(Arg((2,), "int", high=3), [1.5, 2.5]),
             S((2,), [1, 2], dtype=numpy.int64)],
    reference=lambda a, data, dtype=None: numpy.asarray(data, dtype or a.dtype))
def new_tensor(input: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` (lists, numbers, arrays, tensors) as a leaf tensor with this
    tensor's dtype and backend unless told otherwise (as in PyTorch, the dtype is not
    inferred from ``data``)."""
    like = _like(input, dtype, device)
    try:
        return tensor(data, dtype=like["dtype"], device=like["device"],
                      requires_grad=requires_grad)
    except ValueError as error:  # NumPy's words for ragged lists, say
        raise ValueError(f"new_tensor: can't make a tensor of {type(data).__name__} data: "
                         f"{error}") from None


@op("numel", torch=True, differentiable=False, samples=[S((2, 3)), S(())],
    reference=lambda a: a.size)
def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    return input.numel()


@op("nelement", method=True, differentiable=False, samples=[S((2, 3)), S((0, 4))],
    reference=lambda a: a.size)
def nelement(input: Tensor) -> int:
    """The number of elements (``numel()``)."""
    return input.numel()


@op("ndimension", method=True, differentiable=False, samples=[S((2, 3)), S(())],
    reference=lambda a: a.ndim)
def ndimension(input: Tensor) -> int:
    """The number of dimensions (``dim()``)."""
    return input.ndim


def _element_strides(array: Any) -> tuple[int, ...]:
    # an empty array's strides are NumPy's (often 0); PyTorch gives it a contiguous
    # tensor's. Otherwise the view's own strides, of size-1 dimensions too, as PyTorch
    if array.size == 0:
        strides, step = [], 1
        for n in reversed(array.shape):
            strides.append(step)
            step *= max(n, 1)
        return tuple(reversed(strides))
    return tuple(int(s) // array.itemsize for s in array.strides)


@op("stride", method=True, differentiable=False,
    samples=[S((6,)), S((6,), call=lambda f, a: f(a.reshape(2, 3).T), note="transposed"),
             S((6,), call=lambda f, a: f(a.reshape(2, 3), 1), note="one dimension"),
             S((4,), call=lambda f, a: f(a.reshape(4, 1)[::2]), note="a step")],
    reference=lambda a, dim=None: _element_strides(a) if dim is None else
        _element_strides(a)[dim])
def stride(input: Tensor, dim: int | None = None) -> Any:
    """How many elements apart consecutive entries of each dimension are in memory (a
    tuple), or of dimension ``dim``: ``(3, 1)`` for a contiguous ``(2, 3)`` tensor,
    ``(1, 3)`` for its transpose."""
    strides = _element_strides(input.array)
    if dim is None:
        return strides
    if not -len(strides) <= dim < len(strides):
        raise IndexError(f"stride(): dimension {dim} is out of range for a tensor with "
                         f"{input.ndim} dimensions")
    return strides[dim]


@op("is_contiguous", method=True, differentiable=False,
    samples=[S((6,)), S((6,), call=lambda f, a: f(a.reshape(2, 3).T), note="transposed")],
    reference=lambda a, memory_format=None: bool(a.flags.c_contiguous))
def is_contiguous(input: Tensor, memory_format: Any = None) -> bool:
    """Whether the elements are in row-major order in memory (``contiguous()`` makes a
    tensor so); with ``memory_format=minigrad.channels_last`` (or ``channels_last_3d``),
    whether they lie densely in that order, from the tensor's real strides (minigrad
    never converts layouts by itself, see :mod:`minigrad.memory_format`)."""
    if memory_format is not None:
        fmt = check_memory_format("is_contiguous", memory_format, None)
        if fmt.name in ("channels_last", "channels_last_3d"):
            return is_contiguous_in(fmt, input.shape, _element_strides(input.array))
    return bool(input.array.flags.c_contiguous)


@op("is_floating_point", method=True, torch=True, differentiable=False,
    samples=[S((2,)), S(Arg((2,), "int", high=3)), S(Arg((2,), "bool"))],
    reference=lambda a: a.dtype.kind == "f")
def is_floating_point(input: Tensor) -> bool:
    """Whether the dtype is a floating-point one (float16, float32, float64)."""
    return input.dtype.kind == "f"


@op("is_tensor", torch=True, differentiable=False,
    samples=[S((2,)), S(call=lambda f: f([1.0]), note="a list")],
    reference=lambda a: isinstance(a, numpy.ndarray))
def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a minigrad tensor."""
    return isinstance(obj, Tensor)
