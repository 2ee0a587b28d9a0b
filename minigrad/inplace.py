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
from minigrad.tensor import Scalar, Tensor


def _recorded(t: Tensor, op: str, arg: Any) -> Tensor:
    """The update as graph ops on a stand-in for the old ``t``."""
    old = Tensor._make(t._data, t._backend, t._requires_grad, t._grad_fn)
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
    elif op == "fill":
        result = old * 0 + arg
    elif op == "copy":
        result = old * 0 + arg.to(t.dtype).expand(t.shape)
    else:
        raise AssertionError(op)
    return result


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
        t._data, t._grad_fn, t._requires_grad = new._data, new._grad_fn, True
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
        new = IndexPut.apply(t, source, index=key)
        t._data, t._grad_fn, t._requires_grad = new._data, new._grad_fn, True
    else:
        t._data[key] = source._data
    t._version += 1
