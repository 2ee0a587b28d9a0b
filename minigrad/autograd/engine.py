"""The backward engine: gradients flow from the outputs to the leaves, each node running
once every node that feeds it a gradient has run (Kahn's order)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.autograd.callbacks import _callbacks, _notify
from minigrad.autograd.grad_mode import set_grad_enabled
from minigrad.autograd.node import Function, Hook
from minigrad.tensor import Tensor

__all__ = ["backward", "grad"]

def _consumer_counts(roots: Sequence[Function]) -> dict[int, int]:
    """For every node reachable from ``roots``, how many edges lead into it (how many
    gradients it waits for); nodes nothing leads into are left out."""
    counts: dict[int, int] = {}
    stack = list(roots)
    seen = {id(r) for r in roots}
    while stack:
        for parent in stack.pop().parents:
            if isinstance(parent, Function):
                key = id(parent)
                counts[key] = counts.get(key, 0) + 1
                if key not in seen:
                    seen.add(key)
                    stack.append(parent)
    return counts


def _accumulate(store: dict[int, Tensor], key: int, g: Tensor) -> None:
    previous = store.get(key)
    store[key] = g if previous is None else previous + g


def _run_hooks(hooks: dict[int, Hook] | None, g: Tensor) -> Tensor:
    """Pass ``g`` through the hooks; a hook may return a replacement gradient of the same
    shape and dtype."""
    for hook in list(hooks.values()) if hooks else ():
        replaced = hook(g)
        if replaced is None:
            continue
        if not isinstance(replaced, Tensor):
            raise TypeError(
                f"a gradient hook must return a Tensor or None, got {type(replaced).__name__}"
            )
        if replaced.shape != g.shape or replaced.dtype != g.dtype:
            raise RuntimeError(
                f"a gradient hook returned a tensor of shape {replaced.shape} and dtype "
                f"{replaced.dtype}, but the gradient it replaces has shape {g.shape} and "
                f"dtype {g.dtype}; a hook must keep both"
            )
        g = replaced
    return g


def _run_backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: Sequence[Tensor] | None,
) -> dict[int, Tensor]:
    """Propagate ``grad_outputs`` from ``outputs`` through the graph.

    Without ``capture`` the gradients of leaves are accumulated into their ``.grad``.
    With ``capture`` (a list of tensors, for :func:`grad`) nothing is written to
    ``.grad``; the gradient reaching each captured tensor is returned, keyed by ``id``.
    """
    node_grads: dict[int, Tensor] = {}
    leaf_grads: dict[int, Tensor] = {}
    leaves: dict[int, Tensor] = {}
    roots: list[Function] = []
    for out, g in zip(outputs, grad_outputs):
        if out._grad_fn is not None:
            roots.append(out._grad_fn)
            _accumulate(node_grads, id(out._grad_fn), g)
        else:
            leaves[id(out)] = out
            _accumulate(leaf_grads, id(out), g)
    captured_nodes = {}
    if capture is not None:
        captured_nodes = {id(t._grad_fn): t for t in capture if t._grad_fn is not None}
    captured: dict[int, Tensor] = {}

    # Kahn's order: a node runs once every node that feeds it a gradient has run
    waiting = _consumer_counts(roots)
    ready = [r for r in dict.fromkeys(roots) if id(r) not in waiting]
    with set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            pending = node_grads.pop(id(node), None)
            if pending is not None:
                g = _run_hooks(node._hooks, pending) if node._hooks else pending
                if node._retained is not None and capture is None:
                    node._retained.grad = g if create_graph else g.detach()
                if captured_nodes and id(node) in captured_nodes:
                    captured[id(captured_nodes[id(node)])] = g
                if node._saved is None:
                    _ = node.saved  # raises "backward through the graph a second time"
                grads = node.backward(g)
                if grads.__class__ is not tuple:
                    grads = (grads,)
            else:  # no gradient reached this node: its parents still wait for it
                grads = ()
            for parent, parent_grad in zip(node.parents, grads or (None,) * len(node.parents)):
                if parent is None:
                    continue
                key = id(parent)
                if isinstance(parent, Function):
                    if parent_grad is not None:
                        previous = node_grads.get(key)
                        node_grads[key] = (parent_grad if previous is None
                                           else previous + parent_grad)
                    left = waiting[key] - 1
                    if left:
                        waiting[key] = left
                    else:
                        del waiting[key]
                        ready.append(parent)
                elif parent_grad is not None:
                    leaves[key] = parent
                    previous = leaf_grads.get(key)
                    leaf_grads[key] = parent_grad if previous is None else previous + parent_grad
            if not retain_graph and node._saved:
                node.release()

        for key, g in leaf_grads.items():
            leaf = leaves[key]
            g = _run_hooks(leaf._hooks, g)
            if capture is not None:
                captured[key] = g
                continue
            if not create_graph:
                g = g.detach()
            leaf.grad = g if leaf.grad is None else leaf.grad + g
    return captured



# --- the public entry points ---------------------------------------------------------------
def _default_grads(outputs: Sequence[Tensor], grads: Sequence[Tensor | None]) -> list[Tensor]:
    result = []
    for out, g in zip(outputs, grads):
        if not out._requires_grad:
            raise RuntimeError(
                f"element of shape {out.shape} does not require grad and has no grad_fn: "
                "nothing it depends on has requires_grad=True"
            )
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but the output "
                    f"has shape {out.shape}; pass a gradient of that shape (e.g. "
                    "backward(minigrad.ones_like(out))) or reduce it first with .sum()"
                )
            g = Tensor._new(out._backend.xp.ones(out._data.shape, dtype=out._data.dtype),
                             out._backend)
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradient must be a Tensor, got {type(g).__name__}")
        elif g.shape != out.shape:
            raise RuntimeError(
                f"gradient has shape {g.shape} but the output it belongs to has shape "
                f"{out.shape}; they must match"
            )
        result.append(g)
    return result


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, Tensor) else list(value)


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate into ``.grad`` of every leaf the gradients of ``tensors``.

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
        Outputs to differentiate.
    grad_tensors : Tensor or sequence, optional
        Gradients with respect to each output; may be omitted for single-element outputs.
    retain_graph : bool, optional
        Keep the saved tensors for another backward. Defaults to ``create_graph``.
    create_graph : bool
        Record the backward pass so the gradients can be differentiated again.
    """
    outputs = _as_list(tensors)
    given = [None] * len(outputs) if grad_tensors is None else _as_list(grad_tensors)
    grads = _default_grads(outputs, given)
    retain = create_graph if retain_graph is None else retain_graph
    if _callbacks["before"]:
        _notify("before", outputs)
    _run_backward(outputs, grads, retain, create_graph, None)
    if _callbacks["after"]:
        _notify("after", outputs)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (``.grad`` untouched).

    Parameters
    ----------
    outputs, inputs : Tensor or sequence of Tensor
        What to differentiate, and with respect to what.
    grad_outputs : Tensor or sequence, optional
        Gradients with respect to ``outputs`` (needed for non-scalar outputs).
    retain_graph : bool, optional
        Keep the graph for another backward; defaults to ``create_graph``.
    create_graph : bool
        Make the returned gradients differentiable (for higher-order derivatives).
    allow_unused : bool
        Return ``None`` for inputs the outputs do not depend on instead of raising.

    Examples
    --------
    >>> import minigrad
    >>> x = minigrad.tensor(3.0, requires_grad=True)
    >>> (dx,) = minigrad.grad(x ** 3, x, create_graph=True)
    >>> (d2x,) = minigrad.grad(dx, x)
    >>> float(dx), float(d2x)
    (27.0, 18.0)
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    for t in ins:
        if not t._requires_grad:
            raise RuntimeError(f"input of shape {t.shape} to grad() does not require grad")
    given = [None] * len(outs) if grad_outputs is None else _as_list(grad_outputs)
    grads = _default_grads(outs, given)
    retain = create_graph if retain_graph is None else retain_graph
    captured = _run_backward(outs, grads, retain, create_graph, ins)
    result: list[Tensor | None] = []
    for i, t in enumerate(ins):
        g = captured.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(
                f"input {i} (shape {t.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        result.append(g)
    return tuple(result)
