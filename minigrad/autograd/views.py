"""Views in the graph: a view knows its base and the ops that made it, so that an in-place
change through the view rewrites the base's graph, and a view whose memory changed since
rebuilds its ``grad_fn`` (PyTorch's semantics)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from minigrad.autograd.grad_mode import _mode

if TYPE_CHECKING:
    from minigrad.autograd.node import Function
    from minigrad.tensor import Tensor


def make_view(out: Tensor, source: Tensor, cls: type[Function], attrs: dict[str, Any]
               ) -> None:
    """Record that ``out`` shows ``source``'s memory through the op ``cls(**attrs)``."""
    out._version_cell = source._version_cell
    if source._base is None:
        out._base, out._view_ops = source, ((cls, attrs),)
    else:
        out._base, out._view_ops = source._base, (*source._view_ops, (cls, attrs))
    out._graph_version = source._version_cell[0]


def replay_view(view: Tensor, start: Tensor | None = None) -> Tensor:
    """``view``'s ops run again on its base, or on ``start`` (a tensor of the base's
    shape); recorded when grad mode is on."""
    result = start if start is not None else view._base
    assert result is not None
    for cls, attrs in view._view_ops:
        result = cls.apply(result, **attrs)
    return result


def refresh_view(view: Tensor) -> None:
    """Rebuild the grad_fn of a view whose memory changed in place since it was made
    (through its base or another view), so gradients see the change."""
    if _mode.enabled and view._base is not None and view._base._requires_grad:
        rebuilt = replay_view(view)
        view._grad_fn, view._requires_grad = rebuilt._grad_fn, True
    view._graph_version = view._version_cell[0]
