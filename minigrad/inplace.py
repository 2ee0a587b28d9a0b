"""In-place updates (``+=``, ``add_``, ``zero_``, ``x[i] = v``, ``relu(x, inplace=True)``).

Every in-place update is the same two steps: compute the new value with ordinary ops, then
:func:`assign` it into the tensor's own memory, so that views of the tensor see it. When the
update is recorded (grad mode on and a tensor involved requires grad) the new value is
computed from a :func:`stand_in` for the old one, and the tensor takes the result's place
in the graph. Either way the tensor's version counter goes up, so a graph that saved the old
values refuses to backward through them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from minigrad.autograd import is_grad_enabled
from minigrad.ops.elementwise import where
from minigrad.tensor import Scalar, Tensor

Array = Any

_OPS: dict[str, Callable[[Tensor, Any], Tensor]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "clamp": lambda t, bounds: t.clamp(*bounds),
}


def recording(t: Tensor, other: Any = None) -> bool:
    """Whether an in-place update of ``t`` (by ``other``) is recorded in the graph."""
    other_grad = isinstance(other, Tensor) and other._requires_grad
    return is_grad_enabled() and (t._requires_grad or other_grad)


def stand_in(t: Tensor) -> Tensor:
    """A private copy of ``t``'s current value that takes ``t``'s place in the graph.

    A recorded in-place op computes from it, so whatever the op saves for backward keeps
    the old values after ``t`` is overwritten (PyTorch keeps the original value too).
    """
    return Tensor._make(t._data.copy(), t._backend, t._requires_grad, t._grad_fn)


def _store(t: Tensor, values: Array) -> None:
    """Write ``values`` (broadcast and cast to ``t``'s dtype) into ``t``'s memory."""
    data = t._data
    if getattr(data.flags, "writeable", True):
        data[...] = values
    else:  # a read-only broadcast view: t gets memory of its own
        xp = t._backend.xp
        t._data = xp.array(xp.broadcast_to(xp.asarray(values, dtype=data.dtype), t.shape))


def assign(t: Tensor, result: Tensor, what: str) -> Tensor:
    """Make ``t`` hold ``result``: its values in ``t``'s memory and, when ``result`` was
    recorded, its place in the graph. Returns ``t``.

    Raises
    ------
    RuntimeError
        If ``t`` is a leaf that requires grad and the update is recorded, or if ``result``
        has another shape.
    """
    if result._requires_grad and t._requires_grad and t._grad_fn is None:
        raise RuntimeError(
            f"{what}: a leaf tensor of shape {t.shape} that requires grad can't be changed in "
            "place while its ops are recorded; wrap the update in `with minigrad.no_grad():`"
        )
    if result.shape != t.shape:
        raise RuntimeError(
            f"{what}: the result has shape {result.shape}, which can't be written into a "
            f"tensor of shape {t.shape}"
        )
    if result.dtype != t.dtype:
        result = result.to(t.dtype)
    _store(t, result._data)
    if result._requires_grad:
        t._grad_fn, t._requires_grad = result._grad_fn, True
    t._version += 1
    return t


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
    recorded = recording(t, arg)
    if op in ("fill", "copy"):
        value = arg if isinstance(arg, Tensor) else t._constant(arg, t.dtype)
        value = value.to(t.dtype).expand(t.shape)
        if not recorded:
            _store(t, value._data)
            t._version += 1
            return t
        # the old values get a zero gradient, without computing 0 * old (NaN for inf)
        everywhere = t._constant(t._backend.xp.ones(t.shape, dtype=bool), bool)
        return assign(t, where(everywhere, value, stand_in(t)), f"in-place {op}")
    return assign(t, _OPS[op](stand_in(t) if recorded else t, arg), f"in-place {op}")


def setitem(t: Tensor, index: Any, value: Tensor | Scalar) -> None:
    """``t[index] = value``, recorded in the graph when gradients are involved."""
    from minigrad.ops.shape import IndexPut, normalize_index, setitem_value

    key = normalize_index(t, index)
    source = setitem_value(t, value)
    if recording(t, source):
        assign(t, IndexPut.apply(stand_in(t), source, index=key), "assignment")
        return
    try:
        t._data[key] = source._data
    except ValueError as exc:
        raise ValueError(
            f"can't assign a value of shape {source.shape} to the selection of a tensor "
            f"of shape {t.shape}: {exc}"
        ) from exc
    t._version += 1
