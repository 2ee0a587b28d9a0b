"""In-place updates: ``add_``, ``+=``, ``zero_``, ``copy_``, ``x[i] = v``, ``relu_`` and the
``inplace=True`` activations.

Every in-place update is the same two steps: compute the new value with the ordinary op,
then :func:`assign` it into the tensor's own memory, so that views of the tensor see it.
When the update is recorded (grad mode on and a tensor involved requires grad) the new
value is computed from a :func:`stand_in` for the old one, and the tensor takes the
result's place in the graph. Either way the tensor's version counter goes up, so a graph
that saved the old values refuses to backward through them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from minigrad.autograd import is_grad_enabled, no_grad
from minigrad.autograd.function import check_inplace_allowed
from minigrad.autograd.views import refresh_view, replay_view
from minigrad.functional.arithmetic import where
from minigrad.functional.indexing import GetItem, IndexPut, integers_first, normalize_index
from minigrad.functional.operands import constant
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, Scalar

__all__ = ["assign", "in_place", "recording", "stand_in"]


def recording(t: Tensor, *others: Any) -> bool:
    """Whether an in-place update of ``t`` (computed from ``others``) is recorded."""
    if not is_grad_enabled():
        return False
    return t.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)


def stand_in(t: Tensor) -> Tensor:
    """A private copy of ``t``'s current value that takes ``t``'s place in the graph.

    A recorded in-place op computes from it, so whatever the op saves for backward keeps
    the old values after ``t`` is overwritten (PyTorch keeps the original value too).
    """
    copy = Tensor._new(t.array.copy(), t.backend, t.requires_grad)
    copy._grad_fn = t.grad_fn
    return copy


def _store(t: Tensor, values: Array) -> None:
    """Write ``values`` (broadcast and cast to ``t``'s dtype) into ``t``'s memory."""
    data = t.array
    if getattr(data.flags, "writeable", True):
        data[...] = values
    else:  # a read-only broadcast view: t gets memory of its own
        xp = t.backend.xp
        t._data = xp.array(xp.broadcast_to(xp.asarray(values, dtype=data.dtype), t.shape))


def assign(t: Tensor, result: Tensor, what: str) -> Tensor:
    """Make ``t`` hold ``result``: its values in ``t``'s memory and, when ``result`` was
    recorded, its place in the graph. Returns ``t``.

    When ``t`` is a view, the graph of its base is rewritten too (PyTorch's semantics): the
    base becomes "the old base with the view's elements replaced by ``result``", so a
    gradient through the base sees the in-place op, and ``t`` is again a view of that.

    Raises
    ------
    RuntimeError
        If ``t`` (or the base of the view ``t``) is a leaf that requires grad and the update
        is recorded, if ``result`` has another shape, if a floating result would go into an
        integer tensor, or if ``t`` repeats elements of its base (an expanded view).
    """
    check_inplace_allowed(t, what)
    recorded = result.requires_grad and is_grad_enabled()
    base = t._base
    leaf = base if base is not None else t
    if recorded and leaf.requires_grad and leaf.grad_fn is None:
        if base is not None:
            raise RuntimeError(
                f"{what}: a view of a leaf tensor that requires grad is being changed in "
                "place while its ops are recorded; wrap the update in `with "
                "minigrad.no_grad():` or change a clone"
            )
        raise RuntimeError(
            f"{what}: a leaf tensor of shape {t.shape} that requires grad can't be changed in "
            "place while its ops are recorded; wrap the update in `with minigrad.no_grad():`"
        )
    if result.shape != t.shape:
        raise RuntimeError(
            f"{what}: the result has shape {result.shape}, which can't be written into a "
            f"tensor of shape {t.shape}"
        )
    if result.dtype.kind == "f" and t.dtype.kind != "f":
        raise RuntimeError(
            f"{what}: the result is floating-point ({result.dtype}) and can't be stored in a "
            f"tensor of dtype {t.dtype}; use an out-of-place op or convert with .float() first"
        )
    if result.dtype != t.dtype:
        result = result.to(t.dtype)
    positions = _positions_in_base(t, what) if base is not None else None
    _store(t, result.array)
    if recorded and base is not None and positions is not None:
        # the base is the old base with the view's elements replaced by the result
        flat = IndexPut.apply(base.reshape(-1), result.reshape(-1), index=(positions,))
        rewritten = flat.reshape(base.shape)
        base._grad_fn, base._requires_grad = rewritten.grad_fn, True
        t.bump_version()
        refresh_view(t)  # t is again a view of the (new) base
        return t
    if recorded:
        t._grad_fn, t._requires_grad = result.grad_fn, True
    t.bump_version()
    if base is not None:
        t._graph_version = t._version_cell[0]  # t's own graph already holds the change
    return t


def _positions_in_base(view: Tensor, what: str) -> Array:
    """The flat positions in its base of the view's elements (each at most once)."""
    base = view._base
    assert base is not None
    xp = base.backend.xp
    with no_grad():
        numbered = Tensor.from_array(xp.arange(base.numel()).reshape(base.shape), base.backend)
        positions = replay_view(view, numbered).array.reshape(-1)
    if positions.size != xp.unique(positions).size:
        raise RuntimeError(
            f"{what}: unsupported operation: more than one element of the written-to tensor "
            "refers to a single memory location (it is an expanded view); clone() it first"
        )
    return positions


def in_place(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """The in-place method of the op ``fn``: ``self.<op>_(...)`` writes ``fn(self, ...)``
    into ``self``."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        source = stand_in(self) if recording(self, *args, *kwargs.values()) else self
        return assign(self, fn(source, *args, **kwargs), f"in-place {fn.__name__}")

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place :func:`{fn.__name__}`: the result is written into ``self``."
    return method


def with_out(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` taking PyTorch's ``out=`` keyword: the result is written into ``out`` (resized
    when its shape differs) and ``out`` is returned."""

    @functools.wraps(fn)
    def call(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if out is None:
            return result
        if not isinstance(result, Tensor):
            raise TypeError(f"{fn.__name__}: out= is only supported for ops returning one tensor")
        if is_grad_enabled() and (result.requires_grad or out.requires_grad):
            raise RuntimeError(
                f"{fn.__name__}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad"
            )
        if out.shape != result.shape:
            out.data = result.to(out.dtype).clone()  # PyTorch resizes out
            out.bump_version()
            return out
        return copy_(out, result)

    return call


def apply_in_place(input: Tensor, fn: Callable[..., Tensor], *args: Any) -> Tensor:
    """``fn(input, *args)`` written into ``input``: the ``inplace=True`` of functional forms."""
    return in_place(fn)(input, *args)


def _recorded_copy(t: Tensor, value: Tensor, what: str) -> Tensor:
    """Overwrite all of ``t`` with ``value``; the old values get a zero gradient."""
    value = value.to(t.dtype).expand(t.shape)
    if not recording(t, value):
        _store(t, value.array)
        t.bump_version()
        return t
    everywhere = constant(t, t.backend.xp.ones(t.shape, dtype=bool), bool)
    # where(all true, value, old) rather than 0 * old + value: NaN/inf in old stay out
    return assign(t, where(everywhere, value, stand_in(t)), what)


@op("fill_", method=True, samples=[S((3,), 2.0, call=lambda f, a, v: f(a * 1, v))],
    reference=lambda a, v: a * 0 + v)
def fill_(input: Tensor, value: Scalar | Tensor) -> Tensor:
    """Fill ``input`` with ``value`` in place (a number or a one-element tensor)."""
    source = value if isinstance(value, Tensor) else constant(input, value)
    return _recorded_copy(input, source, "fill_")


@op("zero_", method=True, samples=[S((3,), call=lambda f, a: f(a * 1))],
    reference=lambda a: a * 0)
def zero_(input: Tensor) -> Tensor:
    """Fill ``input`` with zeros in place."""
    return _recorded_copy(input, constant(input, 0), "zero_")


@op("copy_", method=True,
    samples=[S((2, 3), (3,), call=lambda f, a, b: f(a * 1, b))],
    reference=lambda a, b: a * 0 + b)
def copy_(input: Tensor, src: Tensor) -> Tensor:
    """Copy ``src``'s values into ``input`` (broadcast, cast, moved across backends)."""
    if src.backend is not input.backend:
        src = src.to(input.backend)
    return _recorded_copy(input, src, "copy_")


def _setitem_call(setitem: Callable[..., None], a: Tensor, b: Tensor) -> Tensor:
    out = a * 1
    setitem(out, 1, b)
    return out


@op("setitem", IndexPut, method="__setitem__",
    samples=[S((3, 4), (4,), call=_setitem_call),
             S((3, 4), Arg((), "normal"), call=_setitem_call, note="0-d value")],
    reference=None)
def setitem(input: Tensor, index: Any, value: Tensor | Scalar) -> None:
    """``input[index] = value``, recorded in the graph when gradients are involved."""
    key = normalize_index(input, index)
    split = integers_first(key)
    if split is not None:  # PyTorch applies the integers first: write through that view
        setitem(GetItem.apply(input, index=split[0]), split[1], value)
        return
    source = value.to(input.dtype) if isinstance(value, Tensor) else constant(input, value)
    if recording(input, source):
        assign(input, IndexPut.apply(stand_in(input), source, index=key), "assignment")
        return
    if source.backend is not input.backend:
        raise RuntimeError(
            f"assignment: the value is on backend {source.backend.name!r} but the tensor is "
            f"on {input.backend.name!r}"
        )
    try:
        input.array[key] = source.array
    except ValueError as exc:
        raise ValueError(
            f"can't assign a value of shape {source.shape} to the selection of a tensor "
            f"of shape {input.shape}: {exc}"
        ) from exc
    input.bump_version()
