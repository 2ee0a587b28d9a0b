"""In-place updates (``+=``, ``add_``, ``zero_``, ``x[i] = v``, ...).

Outside the graph (``no_grad``, or no tensor requiring grad) the backend array is
changed in place, so optimizers update parameters without copies. Inside the graph the
update is recorded as an ordinary op and the tensor takes the result's place. Either way
the tensor's version counter goes up, so a graph that saved the old values refuses to
backward through them.
"""

from __future__ import annotations

from typing import Any

from minigrad.autograd import is_grad_enabled
from minigrad.ops.elementwise import where
from minigrad.tensor import Scalar, Tensor


def _recorded(t: Tensor, op: str, arg: Any) -> Tensor:
    """The update as graph ops on a private copy of the old ``t`` (as PyTorch keeps the
    original value when an in-place op's backward needs it)."""
    old = Tensor._make(t._data.copy(), t._backend, t._requires_grad, t._grad_fn)
    result: Tensor
    if op == "add":
        result = old + arg
    elif op == "sub":
        result = old - arg
    elif op == "mul":
        result = old * arg
    elif op == "div":
        result = old / arg
    elif op == "clamp":
        result = old.clamp(*arg)
    elif op == "fill":  # the old values get a zero gradient, without 0 * inf = NaN
        result = where(_everywhere(t), t._constant(arg, t.dtype), old)
    elif op == "copy":
        result = where(_everywhere(t), arg.to(t.dtype).expand(t.shape), old)
    else:
        raise AssertionError(op)
    return result


def _everywhere(t: Tensor) -> Tensor:
    return t._constant(t._backend.xp.ones(t.shape, dtype=bool), bool)


def _write(t: Tensor, new: Tensor) -> None:
    """Put ``new``'s values into ``t``'s memory, so that views of ``t`` see them."""
    if getattr(t._data.flags, "writeable", True) and t._data.shape == new._data.shape:
        t._data[...] = new._data
    else:
        t._data = new._data


def _in_place(t: Tensor, op: str, arg: Any) -> None:
    xp = t._backend.xp
    b = arg._data if isinstance(arg, Tensor) else arg
    data = t._data
    if op == "add":
        result = data + b
    elif op == "sub":
        result = data - b
    elif op == "mul":
        result = data * b
    elif op == "div":
        result = data / b
    elif op == "clamp":
        result = xp.clip(data, *b)
    else:  # fill, copy
        result = b
    if getattr(result, "shape", t.shape) != t.shape and op not in ("fill", "copy"):
        raise RuntimeError(
            f"in-place {op}: the result has shape {result.shape}, which can't be written "
            f"into a tensor of shape {t.shape}"
        )
    if op in ("add", "sub", "mul", "div") and getattr(result, "dtype", data.dtype).kind == "f" \
            and data.dtype.kind != "f":
        raise RuntimeError(
            f"in-place {op}: result type {result.dtype} can't be cast to the tensor's "
            f"dtype {data.dtype}"
        )
    if not getattr(data.flags, "writeable", True):  # e.g. a broadcast view
        t._data = xp.array(xp.broadcast_to(xp.asarray(result, dtype=data.dtype), t.shape))
        return
    data[...] = result


def update(t: Tensor, op: str, arg: Any) -> Tensor:
    """Apply ``op`` (add, sub, mul, div, clamp, fill, copy) to ``t`` in place."""
    if isinstance(arg, Tensor) and arg._backend is not t._backend:
        if op != "copy":
            raise RuntimeError(
                f"in-place {op}: tensors are on different backends ({t._backend.name!r} and "
                f"{arg._backend.name!r})"
            )
        arg = arg.to(t._backend)
    arg_float = (arg.dtype.kind == "f") if isinstance(arg, Tensor) else isinstance(arg, float)
    if op in ("add", "sub", "mul", "div") and t.dtype.kind != "f" and (arg_float or op == "div"):
        raise RuntimeError(
            f"in-place {op}: the result is floating-point and can't be stored in a tensor of "
            f"dtype {t.dtype}; use an out-of-place op or convert with .float() first"
        )
    arg_grad = isinstance(arg, Tensor) and arg._requires_grad
    if is_grad_enabled() and (t._requires_grad or arg_grad):
        if t._requires_grad and t._grad_fn is None:
            raise RuntimeError(
                f"a leaf tensor of shape {t.shape} that requires grad can't be changed in "
                "place while its ops are recorded; wrap the update in "
                "`with minigrad.no_grad():`"
            )
        new = _recorded(t, op, arg)
        if new.dtype != t.dtype:
            new = new.to(t.dtype)
        _write(t, new)
        t._grad_fn, t._requires_grad = new._grad_fn, True
    else:
        _in_place(t, op, arg)
    t._version += 1
    return t


def setitem(t: Tensor, index: Any, value: Tensor | Scalar) -> None:
    """``t[index] = value``, recorded in the graph when gradients are involved."""
    from minigrad.ops.shape import IndexPut, normalize_index, setitem_value

    key = normalize_index(t, index)
    source = setitem_value(t, value)
    if is_grad_enabled() and (t._requires_grad or source._requires_grad):
        if t._requires_grad and t._grad_fn is None:
            raise RuntimeError(
                f"a leaf tensor of shape {t.shape} that requires grad can't be assigned to "
                "in place while its ops are recorded; wrap it in `with minigrad.no_grad():`"
            )
        old = Tensor._make(t._data.copy(), t._backend, t._requires_grad, t._grad_fn)
        new = IndexPut.apply(old, source, index=key)
        _write(t, new)
        t._grad_fn, t._requires_grad = new._grad_fn, True
    else:
        try:
            t._data[key] = source._data
        except ValueError as exc:
            raise ValueError(
                f"can't assign a value of shape {source.shape} to the selection of a tensor "
                f"of shape {t.shape}: {exc}"
            ) from exc
    t._version += 1
