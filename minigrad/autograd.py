"""Reverse-mode automatic differentiation.

Every differentiable op is a :class:`Function` subclass. Its ``forward`` computes on
backend arrays; its ``backward`` receives the output's gradient as a :class:`Tensor` and
returns the inputs' gradients written with tensor ops. Because backward is made of tensor
ops, running it with grad mode on (``create_graph=True``) records a graph of the gradient
itself, which is how higher-order gradients work.

The instance created for each call is the graph node (``tensor.grad_fn``): it keeps its
parents' edges, the tensors it saved for backward and the op's attributes.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from minigrad.utils.hooks import RemovableHandle

if TYPE_CHECKING:
    from minigrad.backends import Backend
    from minigrad.tensor import Tensor

__all__ = [
    "Function",
    "backward",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "register_backward_callback",
    "set_grad_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])

# MINIGRAD_GRAPH=path.svg: the first backward() draws its graph there (minigrad.viz.env_hook)
_graph_path: str | None = os.environ.get("MINIGRAD_GRAPH") or None


class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    """Whether ops currently record the graph."""
    return _GradMode.enabled


class _GradModeContext:
    """Context manager and decorator that sets grad mode, restoring it on exit."""

    mode = True

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_GradMode.enabled)
        _GradMode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self._previous.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Disable graph recording in a ``with`` block or a decorated function.

    Examples
    --------
    >>> import minigrad
    >>> w = minigrad.ones(2, requires_grad=True)
    >>> with minigrad.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):
    """Enable graph recording inside a ``no_grad`` region."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode`` now; as a context manager, restore it on exit.

    Parameters
    ----------
    mode : bool
        ``True`` records graphs, ``False`` does not.
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = mode
        self._previous.append(_GradMode.enabled)
        _GradMode.enabled = mode

    def __enter__(self) -> None:
        pass  # the mode was already set by the constructor

    def __call__(self, fn: F) -> F:
        _GradMode.enabled = self._previous[-1]
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class Function:
    """Base class of differentiable ops; each instance is one node of the graph.

    Subclasses define ``forward(ctx, *arrays, **attrs) -> array`` and
    ``backward(ctx, grad) -> gradient or tuple of gradients`` (one per input, ``None``
    where no gradient is needed). They declare what backward needs with the class
    attributes ``save_inputs`` (indices of inputs) and ``save_output``; those tensors are
    available as ``ctx.saved`` in backward. Anything else backward needs (shapes, axes,
    index arrays) is stored on ``ctx`` in forward.

    Call an op with :meth:`apply`, never by instantiating it.

    Attributes
    ----------
    parents : tuple
        For each input: its ``grad_fn`` node, the input itself if it is a leaf that
        requires grad, or ``None``.
    needs_input_grad : tuple of bool
        Which inputs require a gradient.
    attrs : dict
        The keyword attributes the op was called with (shown by graph rendering).
    """

    save_inputs: ClassVar[tuple[int, ...]] = ()
    save_output: ClassVar[bool] = False
    # For each entry of save_inputs, the inputs whose gradient uses it (None: always
    # saved). Mul's ``a`` is only needed for ``b``'s gradient, so when ``b`` needs none,
    # ``a`` is not kept, and changing ``a`` in place afterwards is no error (as in PyTorch).
    saved_for: ClassVar[tuple[tuple[int, ...], ...] | None] = None
    # Ops whose result may share memory with their first input: it shares that input's
    # version counter, so an in-place change through either one is seen by both.
    is_view: ClassVar[bool] = False

    forward: Callable[..., Any]
    backward: Callable[..., Any]
    backend: Backend
    xp: Any

    parents: tuple[Function | Tensor | None, ...]
    needs_input_grad: tuple[bool, ...]
    attrs: dict[str, Any]
    _saved: tuple[Tensor, ...] | None = ()
    _out_shape: tuple[int, ...]
    _versions: tuple[int, ...] = ()
    _hooks: list[Callable[[Tensor], Tensor | None]] | None = None
    _retained: Tensor | None = None

    @classmethod
    def apply(cls, *inputs: Tensor, **attrs: Any) -> Tensor:
        """Run the op on tensors and, when grad mode is on, record its node."""
        # The hottest path of the framework: every op of every model goes through here,
        # so it avoids generator expressions and repeated attribute lookups.
        first = inputs[0]
        backend = first._backend
        ctx = object.__new__(cls)
        ctx.backend = backend
        ctx.xp = backend.xp
        try:
            if len(inputs) == 1:
                requires_grad = first._requires_grad
                data = ctx.forward(first._data, **attrs)
            else:
                requires_grad = False
                for t in inputs:
                    if t._backend is not backend:
                        raise RuntimeError(
                            f"{cls.__name__}: tensors are on different backends "
                            f"({backend.name!r} and {t._backend.name!r}); move them with "
                            ".to() first"
                        )
                    if t._requires_grad:
                        requires_grad = True
                data = ctx.forward(*[t._data for t in inputs], **attrs)
        except (ValueError, IndexError) as exc:  # name the op and the shapes it was given
            shapes = ", ".join(str(tuple(t._data.shape)) for t in inputs)
            raise type(exc)(f"{cls.__name__} on input shapes {shapes}: {exc}") from exc
        if data.__class__ is not backend.array_type:
            data = backend.xp.asarray(data)  # NumPy turns 0-d results into scalars
        recorded = requires_grad and _GradMode.enabled
        out = _Tensor._make(data, backend, recorded, ctx if recorded else None)
        if cls.is_view:
            out._vc = first._vc
        if not recorded:
            return out
        ctx.attrs = attrs
        ctx._out_shape = data.shape  # edge labels of graph pictures (minigrad.viz)
        parents: list[Function | Tensor | None] = []
        needs: list[bool] = []
        for t in inputs:
            needed = t._requires_grad
            needs.append(needed)
            parents.append(t._grad_fn or (t if needed else None))
        ctx.parents = tuple(parents)
        ctx.needs_input_grad = tuple(needs)
        if cls.save_inputs:
            saved: tuple[Tensor | None, ...]
            if cls.saved_for is None:
                saved = tuple([inputs[i] for i in cls.save_inputs])
            else:
                kept: list[Tensor | None] = []
                for i, users in zip(cls.save_inputs, cls.saved_for):
                    wanted = False
                    for j in users:
                        wanted = wanted or needs[j]
                    kept.append(inputs[i] if wanted else None)
                saved = tuple(kept)
            if cls.save_output:
                saved += (out,)
            ctx._saved = saved  # type: ignore[assignment]  # None marks an unneeded input
            ctx._versions = tuple([-1 if t is None else t._vc[0] for t in saved])
        elif cls.save_output:
            ctx._saved = (out,)
            ctx._versions = (out._vc[0],)
        return out

    @property
    def saved(self) -> tuple[Tensor, ...]:
        """The tensors saved for backward, checked against in-place changes."""
        if self._saved is None:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time (its saved "
                "tensors were freed by the first backward); pass retain_graph=True to the "
                "first backward() if you need to backward twice"
            )
        for t, version in zip(self._saved, self._versions):
            if t is not None and t._vc[0] != version:
                raise RuntimeError(
                    f"{self.name}: a tensor of shape {t.shape} that this op saved for backward "
                    f"was modified in place afterwards (version {version} -> {t._version}); "
                    "the gradient would be wrong. Use an out-of-place op (x = x + 1 instead of "
                    "x += 1) or clone() the tensor before changing it"
                )
        return self._saved

    @property
    def name(self) -> str:
        """The op's name as shown in ``repr`` and graph pictures (``"MulBackward"``)."""
        return type(self).__name__ + "Backward"

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> None:
        """Call ``hook(grad)`` on this node's output gradient before its backward runs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)

    def _release(self) -> None:
        array_type = self.backend.array_type
        arrays = [k for k, v in vars(self).items()
                  if k not in _NODE_FIELDS and isinstance(v, array_type)]
        if not (self._saved or arrays):
            return  # nothing big was kept: backward may pass here again, as in PyTorch
        self._saved = None
        for key in arrays:
            delattr(self, key)  # stashed arrays (masks, indices) are freed too

    def __repr__(self) -> str:
        return f"<{self.name}>"


_NODE_FIELDS = frozenset(
    {"parents", "needs_input_grad", "attrs", "_saved", "_out_shape", "_versions", "_hooks",
     "_retained", "backend", "xp"}
)


def _topological_order(roots: Sequence[Function]) -> list[Function]:
    """Nodes reachable from ``roots``, each before every node it depends on."""
    order: list[Function] = []
    visited: set[int] = set()
    stack: list[tuple[Function, bool]] = [(r, False) for r in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node.parents:
            if isinstance(parent, Function) and id(parent) not in visited:
                stack.append((parent, False))
    order.reverse()
    return order


def _accumulate(store: dict[int, Tensor], key: int, g: Tensor) -> None:
    previous = store.get(key)
    store[key] = g if previous is None else previous + g


def _run_hooks(hooks: Sequence[Callable[[Tensor], Tensor | None]] | None, g: Tensor) -> Tensor:
    """Pass ``g`` through the hooks; a hook may return a replacement gradient."""
    for hook in hooks or ():
        replaced = hook(g)
        if replaced is not None:
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

    with set_grad_enabled(create_graph):
        for node in _topological_order(roots):
            pending = node_grads.pop(id(node), None)
            if pending is None:
                continue
            g = _run_hooks(node._hooks, pending)
            if node._retained is not None and capture is None:
                node._retained.grad = g if create_graph else g.detach()
            if id(node) in captured_nodes:
                captured[id(captured_nodes[id(node)])] = g
            if node._saved is None:
                _ = node.saved  # raises the "backward through the graph a second time" error
            grads = node.backward(g)
            if not isinstance(grads, tuple):
                grads = (grads,)
            for parent, parent_grad in zip(node.parents, grads):
                if parent is None or parent_grad is None:
                    continue
                if isinstance(parent, Function):
                    _accumulate(node_grads, id(parent), parent_grad)
                else:
                    leaves[id(parent)] = parent
                    _accumulate(leaf_grads, id(parent), parent_grad)
            if not retain_graph:
                node._release()

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


_callbacks: dict[str, dict[int, Callable[[Sequence[Tensor]], None]]] = {"before": {}, "after": {}}


def register_backward_callback(
    fn: Callable[[Sequence[Tensor]], None], when: str = "after"
) -> RemovableHandle:
    """Call ``fn(outputs)`` around every :func:`backward` in this process.

    Parameters
    ----------
    fn : callable
        Receives the tensors ``backward()`` was called on.
    when : {"after", "before"}
        ``"after"``: once the gradients are in ``.grad`` (data-parallel training averages
        them here); ``"before"``: before anything runs (graph rendering draws here).

    Returns
    -------
    RemovableHandle
        ``handle.remove()`` unregisters ``fn``.
    """
    if when not in _callbacks:
        raise ValueError(f"register_backward_callback: when must be 'after' or 'before', "
                         f"got {when!r}")
    handle = RemovableHandle(_callbacks[when])
    _callbacks[when][handle.id] = fn
    return handle


def _notify(when: str, outputs: Sequence[Tensor]) -> None:
    for fn in list(_callbacks[when].values()):
        fn(outputs)


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
            g = _ones_like(out)
        elif g.shape != out.shape:
            raise RuntimeError(
                f"gradient has shape {g.shape} but the output it belongs to has shape "
                f"{out.shape}; they must match"
            )
        result.append(g)
    return result


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
    outputs = [tensors] if isinstance(tensors, _Tensor) else list(tensors)
    if grad_tensors is None:
        given: list[Tensor | None] = [None] * len(outputs)
    elif isinstance(grad_tensors, _Tensor):
        given = [grad_tensors]
    else:
        given = list(grad_tensors)
    grads = _default_grads(outputs, given)
    if _graph_path is not None:
        from minigrad.viz import env_hook

        env_hook.write_first_graph(outputs)
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
    outs = [outputs] if isinstance(outputs, _Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, _Tensor) else list(inputs)
    for t in ins:
        if not t._requires_grad:
            raise RuntimeError(f"input of shape {t.shape} to grad() does not require grad")
    if grad_outputs is None:
        given: list[Tensor | None] = [None] * len(outs)
    elif isinstance(grad_outputs, _Tensor):
        given = [grad_outputs]
    else:
        given = list(grad_outputs)
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


def _ones_like(t: Tensor) -> Tensor:
    return _Tensor._make(t._backend.xp.ones(t._data.shape, dtype=t._data.dtype), t._backend)


from minigrad.tensor import Tensor as _Tensor  # noqa: E402  (tensor.py imports this module)
