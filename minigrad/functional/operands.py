"""Turning user arguments into op operands: scalars into tensors, dtype promotion, dims,
and summing a broadcast gradient back to its operand's shape."""

from __future__ import annotations

from typing import Any

from minigrad.dtypes import get_default_dtype, promote_tensor_types, scalar_dtype
from minigrad.tensor import Tensor
from minigrad.types import Dims, Scalar

__all__ = ["as_operands", "axis", "constant", "dim_or_axis", "floating", "normalize_dims",
           "unbroadcast"]


def constant(like: Tensor, value: Any, dtype: Any = None) -> Tensor:
    """A tensor on ``like``'s backend holding ``value`` (a number or a backend array),
    outside the graph; ``dtype`` defaults to ``like``'s."""
    backend = like.backend
    array = backend.xp.asarray(value, dtype=like.dtype if dtype is None else dtype)
    return Tensor.from_array(array, backend)


def _scalar(like: Tensor, value: Scalar, dtype: Any) -> Tensor:
    backend = like._backend
    return Tensor._new(backend.xp.asarray(value, dtype=dtype), backend)


def floating(input: Tensor) -> Tensor:
    """``input``, converted to the default float dtype unless it is floating already."""
    return input if input.dtype.kind == "f" else input.to(get_default_dtype())


# The two helpers below run for every binary op and its backward: they read the array's
# shape and dtype directly (the properties make a Size and a dtype lookup each time).


def unbroadcast(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``."""
    if grad._data.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
    )
    return grad.sum(dim=axes).reshape(shape)


def as_operands(a: Tensor | Scalar, b: Tensor | Scalar) -> tuple[Tensor, Tensor]:
    """Turn a pair of tensors/scalars into two tensors of the promoted dtype."""
    if isinstance(a, Tensor):
        da = a._data.dtype
        if isinstance(b, Tensor):
            db = b._data.dtype
            if da == db:
                return a, b
            dtype = promote_tensor_types(da, a.ndim, db, b.ndim)
            return (a if da == dtype else a.to(dtype)), (b if db == dtype else b.to(dtype))
        dtype = scalar_dtype(da, b)
        return (a if da == dtype else a.to(dtype)), _scalar(a, b, dtype)
    if isinstance(b, Tensor):
        db = b._data.dtype
        dtype = scalar_dtype(db, a)
        return _scalar(b, a, dtype), (b if db == dtype else b.to(dtype))
    raise TypeError(f"expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")


def normalize_dims(dim: Dims, ndim: int) -> tuple[int, ...]:
    """Turn ``dim`` (None, int or sequence, negatives allowed) into sorted positive axes."""
    dims = (dim,) if isinstance(dim, int) else () if dim is None else tuple(dim)
    if not dims:  # None and () both mean every dimension, as in PyTorch
        return tuple(range(ndim))
    bound = max(ndim, 1)
    result = set()
    for d in dims:
        if not -bound <= d < bound:
            raise IndexError(
                f"dimension {d} is out of range for a tensor with {ndim} dimensions "
                f"(expected a value in [{-bound}, {bound - 1}])"
            )
        if d % bound in result:
            raise RuntimeError(f"dimension {d % bound} appears more than once in {dim}")
        result.add(d % bound)
    return tuple(sorted(d for d in result if d < ndim))


def dim_or_axis(dim: Any, axis: Any, name: str) -> Any:
    """``dim``, or NumPy's name for it, ``axis``, which PyTorch accepts too."""
    if axis is None:
        return dim
    if dim is not None:
        raise TypeError(f"{name}() got both dim and axis; give one of them")
    return axis


def axis(dim: int, ndim: int) -> int:
    """One dimension index, checked and made positive."""
    (found,) = normalize_dims(dim, ndim) or (0,)
    return found
