"""Changing a tensor's dtype or backend (``to``, ``float()``, ``cuda()``...) and copying it.

Both moves are differentiable: a cast between floating dtypes passes the gradient back
cast the other way, and a move between backends passes it back moved.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy

from minigrad import backends
from minigrad.autograd import Function
from minigrad.backends import Backend
from minigrad.device import device as Device
from minigrad.dtypes import check_supported, is_floating
from minigrad.legacy_types import TypedTensor
from minigrad.memory_format import check_memory_format
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.testing import second_backend
from minigrad.types import Array


class Cast(Function):
    def forward(ctx, a: Array, dtype: Any = None) -> Array:
        ctx.dtype = a.dtype
        return a.astype(dtype)

    def backward(ctx, g: Tensor) -> Tensor:
        return g.to(ctx.dtype)


class Move(Function):
    """Copy a tensor to another backend; the gradient is moved back.

    The copy goes through host NumPy (``source.to_numpy`` then ``target.asarray``), so it
    always makes new memory, even between two backends that both live on the host.
    """

    def forward(ctx, a: Array, target: Backend | None = None) -> Array:
        assert target is not None
        ctx.output_backend = target
        return target.asarray(ctx.backend.to_numpy(a))

    def backward(ctx, g: Tensor) -> Tensor:
        return g.to(ctx.backend)


def cast(input: Tensor, dtype: Any) -> Tensor:
    """``input`` converted to ``dtype``; differentiable between floating dtypes."""
    dtype = check_supported(dtype)
    if input.dtype == dtype:
        return input
    if not is_floating(dtype):
        input = input.detach()
    return Cast.apply(input, dtype=dtype)


def is_device(target: Any) -> bool:
    """Whether ``target`` names a place for tensors (a backend, a backend name or a
    device string such as ``"cuda:0"``, or a ``minigrad.device``) rather than a dtype."""
    if isinstance(target, (Backend, Device)):
        return True
    return isinstance(target, str) and not is_dtype_name(target)


def is_dtype_name(target: Any) -> bool:
    if not isinstance(target, str):
        return False
    try:
        numpy.dtype(target)
    except TypeError:
        return False
    return True


def _reference_to(a: Any, *args: Any, dtype: Any = None, **kwargs: Any) -> Any:
    for arg in args:  # devices and backends change nothing in NumPy
        if isinstance(arg, (builtins.type, numpy.dtype)) or is_dtype_name(arg):
            dtype = arg
    return a if dtype is None else a.astype(dtype)


@op("to", Cast, Move, method=True,
    samples=[S((3,), call=lambda f, a: f(f(a, numpy.float32), numpy.float64) * a,
               note="float32 round trip"),
             S((3,), call=lambda to, a: to(to(a, second_backend()) * 2, "cpu"),
               note="backend round trip"),
             S((2,), "float32", note="dtype name"),
             S(Arg((3,), "int", high=5), numpy.float64, note="int to float")],
    reference=lambda a, *args, **kwargs: _reference_to(a, *args, **kwargs),
    tolerances={"eps": 1e-3, "atol": 1e-3})
def to(input: Tensor, *args: Any, dtype: Any = None, device: Any = None,
       non_blocking: bool = False, copy: bool = False, memory_format: Any = None) -> Tensor:
    """Convert to a dtype, move to a backend (name, instance or device), or both:
    ``t.to(minigrad.float64)``, ``t.to("cuda")``, ``t.to("cpu", minigrad.float64)``,
    ``t.to(device="cpu", dtype=minigrad.float32)``, ``t.to(other_tensor)``.

    ``non_blocking`` is accepted for PyTorch compatibility (moves are synchronous);
    ``copy=True`` always returns new memory. ``memory_format`` (``minigrad.channels_last``...)
    is checked as PyTorch does and is otherwise a layout hint: minigrad keeps its own
    layout, with the same values (see :mod:`minigrad.memory_format`).

    Examples
    --------
    >>> import minigrad
    >>> minigrad.ones(2).to(minigrad.float64).dtype
    dtype('float64')
    """
    if memory_format is not None:
        check_memory_format("to", memory_format, input.ndim)
    for arg in args:
        if isinstance(arg, Tensor):
            device, dtype = arg.backend, arg.dtype
        elif is_device(arg):
            device = arg
        else:
            dtype = arg
    result = input
    if device is not None:
        target = backends.resolve(device)
        if target is not input.backend:
            result = Move.apply(input, target=target)
    if dtype is not None:
        result = cast(result, dtype)
    if copy and result is input:
        result = clone(input)
    return result


@op("type_as", method=True, samples=[S((3,), (2,)), S((3,), Arg((2,), "int", high=3))],
    reference=lambda a, b: a.astype(b.dtype))
def type_as(input: Tensor, other: Tensor) -> Tensor:
    """Convert to ``other``'s dtype."""
    return cast(input, other.dtype)


_LOW_PRECISION = {"eps": 1e-3, "atol": 1e-2, "rtol": 1e-2}  # gradchecks through float32
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool"}


@op("type", method=True, samples=[S((3,), "float32"), S((2,), numpy.float64)],
    tolerances=_LOW_PRECISION,
    reference=lambda a, dtype=None: a.astype(dtype))
def type(input: Tensor, dtype: Any = None) -> Any:
    """With a dtype, a typed-tensor class (``minigrad.FloatTensor``) or its name
    (``"torch.FloatTensor"``), ``input`` converted to it; without one, the type name as
    PyTorch spells it (``"torch.FloatTensor"``: programs compare it with that string)."""
    if dtype is None:
        return f"torch.{_TYPE_NAMES[str(input.dtype)]}Tensor"
    if isinstance(dtype, TypedTensor):  # FloatTensor...
        dtype = dtype.dtype
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        by_name = {f"{v}Tensor": k for k, v in _TYPE_NAMES.items()}
        key = dtype.rsplit(".", 1)[-1]
        if key not in by_name:
            raise ValueError(f"type: unknown tensor type {dtype!r}")
        dtype = by_name[key]
    return cast(input, dtype)


def _dtype_method(name: str, dtype: str, doc: str) -> None:
    def convert(input: Tensor) -> Tensor:
        return cast(input, dtype)

    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = doc
    # float16 keeps 3 digits: finite differences through it say nothing
    sample = S((3,), grad=dtype != "float16")
    op(name, method=True, samples=[sample], reference=lambda a: a.astype(dtype),
       differentiable=is_floating(dtype), tolerances=_LOW_PRECISION)(convert)


for _name, _dtype in (("float", "float32"), ("double", "float64"), ("half", "float16"),
                      ("long", "int64"), ("int", "int32"), ("short", "int16"),
                      ("byte", "uint8"), ("char", "int8"), ("bool", "bool")):
    _dtype_method(_name, _dtype, f"Convert to {_dtype}"
                  + ("." if is_floating(_dtype) else " (not differentiable)."))


@op("clone", method=True, torch=True, samples=[S((3,)), S((2, 3), transposed=True)],
    reference=lambda a: a.copy())
def clone(input: Tensor) -> Tensor:
    """A copy with its own memory; gradients flow back to ``input``."""
    if input.requires_grad:
        return input + 0
    return Tensor.from_array(input.array.copy(), input.backend)


class Contiguous(Function):
    """A row-major (C-contiguous) copy; the gradient passes through."""

    def forward(ctx, a: Array) -> Array:
        return ctx.xp.ascontiguousarray(a)

    def backward(ctx, g: Tensor) -> Tensor:
        return g


@op("contiguous", Contiguous, method=True,
    samples=[S((2, 3), transposed=True), S((3, 4)),
             S((6,), call=lambda f, a: f(a.reshape(2, 3).T), note="a transposed view")],
    reference=lambda a, memory_format=None: a)
def contiguous(input: Tensor, memory_format: Any = None) -> Tensor:
    """``input`` itself when its elements are in row-major order already
    (:meth:`is_contiguous`), else a row-major copy, as in PyTorch.

    ``memory_format`` (``minigrad.channels_last``...) is checked as PyTorch does (a rank-4
    tensor for channels_last) and is otherwise a layout hint: minigrad keeps its row-major
    layout, with the same values (see :mod:`minigrad.memory_format`)."""
    if memory_format is not None:
        check_memory_format("contiguous", memory_format, input.ndim)
    if input.array.flags.c_contiguous:
        return input
    return Contiguous.apply(input)
