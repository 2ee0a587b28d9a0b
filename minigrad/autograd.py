"""Reverse-mode automatic differentiation: ``Function``, the engine and grad mode.

Every op is a :class:`Function` subclass. Its ``forward`` computes on backend arrays; its
``backward`` receives the output's gradient as a :class:`Tensor` and returns the inputs'
gradients written with tensor ops. Because backward is made of tensor ops, running it with
grad mode on (``create_graph=True``) records a graph of the gradient itself, which is how
higher-order gradients work.

:meth:`Function.apply` is the only way an op runs. The instance it creates is the graph node
(``tensor.grad_fn``): it keeps its parents, what ``forward`` saved with :meth:`Function.save`
and the op's attributes.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from minigrad.utils.hooks import RemovableHandle

if TYPE_CHECKING:
    from minigrad.backends import Backend
    from minigrad.backends.array_api import ArrayNamespace
    from minigrad.tensor import Tensor

__all__ = [
    "Function",
    "backward",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "observe_ops",
    "register_backward_callback",
    "set_grad_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])
Hook = Callable[["Tensor"], "Tensor | None"]
H = TypeVar("H")


# --- grad mode (one per thread, as in PyTorch) -------------------------------------------
class _GradMode(threading.local):
    enabled = True  # the class attribute is every new thread's starting value


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether ops in this thread currently record the graph."""
    return _mode.enabled


class _GradModeContext:
    """Context manager and decorator that sets grad mode, restoring it on exit."""

    mode = True

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_mode.enabled)
        _mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._previous.pop()

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return cast(F, wrapper)


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
        self._previous.append(_mode.enabled)
        _mode.enabled = mode

    def __enter__(self) -> None:
        pass  # the mode was already set by the constructor

    def __call__(self, fn: F) -> F:
        _mode.enabled = self._previous[-1]  # as a decorator it changes nothing now
        return super().__call__(fn)


# --- Function: the op contract and the graph node ------------------------------------------
class Function:
    """Base class of every op; each recorded call is one node of the graph.

    Subclasses define ``forward(ctx, *arrays, **attrs)``, returning an array (or a tuple
    of arrays: only the first output is differentiable, the others are integer results
    such as pooling indices), and ``backward(ctx, grad)``, returning one gradient per input
    (``None`` where none is needed). ``forward`` calls :meth:`save` with whatever backward
    needs; ``backward`` reads it back from :attr:`saved_tensors` (or :attr:`saved` when
    it may hold ``None``). Small facts such as shapes may be kept as attributes of
    ``ctx``; arrays go through :meth:`save`, which is what the engine frees after backward.

    Run an op with :meth:`apply`, never by instantiating it.

    Attributes
    ----------
    differentiable : bool
        Class attribute. ``False`` for ops without a gradient (comparisons, ``argmax``,
        ``isnan``...): they run through the same door but never record a node.
    is_view : bool
        Class attribute. The output may share memory with the first input, so it shares
        that input's version counter: an in-place change through either is seen by both,
        and an in-place op on the view rewrites the input's graph (PyTorch's semantics).
        ``forward`` sets ``ctx.copied = True`` when it had to copy instead.
    parents : tuple
        For each input: its ``grad_fn`` node, the input itself if it is a leaf that
        requires grad, or ``None``.
    needs_input_grad : tuple of bool
        Which inputs require a gradient (all ``False`` while not recording).
    attrs : dict
        The keyword attributes the op was called with (shown by graph rendering).
    """

    differentiable: ClassVar[bool] = True
    is_view: ClassVar[bool] = False

    forward: Callable[..., Any]
    backward: Callable[..., Any]
    backend: Backend
    xp: ArrayNamespace
    output_backend: Backend | None = None  # set by forward when the result lives elsewhere
    copied = False  # set by the forward of an is_view op that had to copy

    parents: tuple[Function | Tensor | None, ...] = ()
    needs_input_grad: tuple[bool, ...]
    attrs: dict[str, Any]
    _to_save: tuple[Any, ...] = ()
    _saved: tuple[Any, ...] | None = ()
    _versions: tuple[int, ...] = ()
    _out_shape: tuple[int, ...] = ()
    _hooks: dict[int, Hook] | None = None
    _retained: Tensor | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("forward"), staticmethod):  # PyTorch's style
            from minigrad.custom_function import apply_custom

            cls.apply = classmethod(apply_custom)  # type: ignore[assignment,method-assign]

    @classmethod
    def apply(cls, *inputs: Tensor, **attrs: Any) -> Tensor:
        """Run the op on tensors and, when grad mode is on, record its node.

        Returns the output tensor; for ops with several outputs, a tuple of tensors
        (callers ``typing.cast`` it).
        """
        # the hottest path of the framework: unary and binary ops are written out (no
        # loops or comprehensions, which cost a function call each in Python 3.11)
        first = inputs[0]
        backend = first._backend
        ctx = object.__new__(cls)
        ctx.backend, ctx.xp = backend, backend.xp
        n = len(inputs)
        if first._base is not None and first._graph_version != first._version_cell[0]:
            refresh_view(first)
        if n == 1:
            needs: tuple[bool, ...] = (first._requires_grad,)
            arrays: Any = (first._data,)
        elif n == 2:
            second = inputs[1]
            if second._backend is not backend:
                _different_backends(cls, backend, second)
            if second._base is not None and second._graph_version != second._version_cell[0]:
                refresh_view(second)
            needs = (first._requires_grad, second._requires_grad)
            arrays = (first._data, second._data)
        else:
            needs, arrays = _check_inputs(cls, inputs, backend)
        record = (needs[0] or True in needs) and cls.differentiable and _mode.enabled
        ctx.needs_input_grad = needs if record else _nothing_needed(n)
        try:
            data = ctx.forward(*arrays, **attrs)
        except (ValueError, IndexError, TypeError) as exc:
            raise _naming_the_op(cls, inputs, exc) from exc
        out_backend = ctx.output_backend or backend
        if data.__class__ is tuple:  # several outputs: only the first is differentiable
            outs = [_Tensor._new(_as_array(d, out_backend), out_backend) for d in data]
            if record:
                ctx._record(inputs, attrs, outs[0], data[0])
            if _op_observers:
                _notify_ops(cls, inputs, attrs, tuple(outs))
            return cast("Tensor", tuple(outs))  # a tuple: see the docstring
        out = _Tensor._new(
            data if data.__class__ is out_backend.array_type else out_backend.xp.asarray(data),
            out_backend)
        if cls.is_view and not ctx.copied:  # forward may find that it had to copy
            _make_view(out, first, cls, attrs)
        if record:
            ctx._record(inputs, attrs, out, data)
        if _op_observers:
            _notify_ops(cls, inputs, attrs, out)
        return out

    def _record(self, inputs: Sequence[Tensor], attrs: dict[str, Any], out: Tensor,
                returned: Any) -> None:
        """Make ``out`` the result of this node in the graph."""
        out._requires_grad = True
        out._grad_fn = self
        self.attrs = attrs
        self._out_shape = out._data.shape  # edge labels of graph pictures (minigrad.viz)
        if len(inputs) == 1:
            t = inputs[0]
            self.parents = (t._grad_fn or (t if t._requires_grad else None),)
        elif len(inputs) == 2:
            t, u = inputs
            self.parents = (t._grad_fn or (t if t._requires_grad else None),
                            u._grad_fn or (u if u._requires_grad else None))
        else:
            self.parents = tuple([t._grad_fn or (t if t._requires_grad else None)
                                  for t in inputs])
        if self._to_save:
            self._resolve_saved(inputs, returned, out)

    def save(self, *items: Any) -> None:
        """Keep ``items`` (arrays, or ``None``) for backward; call it from ``forward``.

        An item that is one of the input arrays or the returned array is given back in
        backward as that input or output *tensor*, so gradients written with it stay
        differentiable; any other array comes back as a constant tensor.
        """
        self._to_save = items

    def _resolve_saved(self, inputs: Sequence[Tensor], returned: Any, out: Tensor) -> None:
        saved: list[Any] = []
        versions: list[int] = []
        for item in self._to_save:
            if item is None:
                saved.append(None)
                versions.append(-1)
                continue
            found: Tensor | None = out if item is returned else None
            if found is None:
                for t in inputs:
                    # when two inputs share one array (x * x.detach()), prefer the one
                    # without a gradient: the saved factor is then a constant, as written
                    if t._data is item and (found is None or not t._requires_grad):
                        found = t
            if found is None:  # an array of forward's own: a constant
                saved.append(_Tensor._new(_as_array(item, self.backend), self.backend))
                versions.append(-1)
            else:
                saved.append(found)
                versions.append(found._version_cell[0])
        self._to_save = ()
        self._saved = tuple(saved)
        self._versions = tuple(versions)

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """What forward saved, as tensors, for ops that save no ``None`` (see
        :attr:`saved`)."""
        saved = self.saved
        if any(t is None for t in saved):
            raise RuntimeError(f"{self.name}: saved_tensors holds None; read ctx.saved")
        return cast("tuple[Tensor, ...]", saved)  # no None: checked just above

    @property
    def saved(self) -> tuple[Tensor | None, ...]:
        """What forward saved, as tensors (a ``None`` saved stays ``None``), checked
        against in-place changes made since."""
        if self._saved is None:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time (its saved "
                "tensors were freed by the first backward); pass retain_graph=True to the "
                "first backward() if you need to backward twice"
            )
        for t, version in zip(self._saved, self._versions):
            if version >= 0 and t is not None and t._version_cell[0] != version:
                raise RuntimeError(
                    f"{self.name}: a tensor of shape {t.shape} that this op saved for backward "
                    f"was modified in place afterwards (version {version} -> {t._version}); "
                    "the gradient would be wrong. Use an out-of-place op (x = x + 1 instead of "
                    "x += 1) or clone() the tensor before changing it"
                )
        return self._saved

    @property
    def name(self) -> str:
        """The node's name as shown in ``repr`` and graph pictures (``"MulBackward"``)."""
        return type(self).__name__ + "Backward"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The nodes the gradient flows to next, as PyTorch lists them: one ``(node, 0)``
        pair per input, with an :class:`AccumulateGrad` for a leaf and ``None`` for an
        input that needs no gradient."""
        return tuple(
            (AccumulateGrad(p) if p is not None and not isinstance(p, Function) else p, 0)
            for p in self.parents
        )

    def register_hook(self, hook: Hook) -> RemovableHandle:
        """Call ``hook(grad)`` on this node's output gradient before its backward runs."""
        if self._hooks is None:
            self._hooks = {}
        return add_hook(self._hooks, hook)

    def release(self) -> None:
        """Free what forward saved (the engine calls it after using the node)."""
        if self._saved:
            self._saved = None  # nodes that kept nothing may be passed again, as in PyTorch

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _different_backends(cls: type, backend: Backend, other: Tensor) -> None:
    raise RuntimeError(
        f"{cls.__name__}: tensors are on different backends ({backend.name!r} and "
        f"{other._backend.name!r}); move them with .to() first"
    )


def _make_view(out: Tensor, source: Tensor, cls: type[Function], attrs: dict[str, Any]
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


class AccumulateGrad:
    """The node :attr:`Function.next_functions` shows for a leaf: its gradient is
    accumulated into ``variable.grad``."""

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        self.next_functions: tuple[tuple[Any, int], ...] = ()

    def name(self) -> str:
        """``"AccumulateGrad"``, PyTorch's name for this node."""
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


_NOTHING_NEEDED = [(False,) * n for n in range(8)]


def _nothing_needed(n: int) -> tuple[bool, ...]:
    return _NOTHING_NEEDED[n] if n < 8 else (False,) * n


def _check_inputs(cls: type, inputs: Sequence[Tensor], backend: Backend
                  ) -> tuple[tuple[bool, ...], list[Any]]:
    """``apply``'s checks for ops with more than two inputs; their needs and arrays."""
    for t in inputs:
        if t._backend is not backend:
            _different_backends(cls, backend, t)
        if t._base is not None and t._graph_version != t._version_cell[0]:
            refresh_view(t)
    return tuple([t._requires_grad for t in inputs]), [t._data for t in inputs]


def _naming_the_op(cls: type, inputs: Sequence[Tensor], exc: Exception) -> Exception:
    """``exc`` again, its message naming the op and its inputs' shapes and dtypes."""
    described = ", ".join(f"{tuple(t._data.shape)} {t._data.dtype}" for t in inputs)
    return type(exc)(f"{cls.__name__} on inputs {described}: {exc}")


def _as_array(data: Any, backend: Backend) -> Any:
    # NumPy turns 0-d results into scalars
    return data if data.__class__ is backend.array_type else backend.xp.asarray(data)


def add_hook(hooks: dict[int, H], hook: H) -> RemovableHandle:
    """Store ``hook`` in ``hooks`` (run in order of registration); return its handle."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


# --- the engine ------------------------------------------------------------------------------
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
        if not isinstance(replaced, _Tensor):
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
                node._saved = None  # release(), written out

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


# --- observers of op calls -------------------------------------------------------------------
OpObserver = Callable[[type[Function], tuple["Tensor", ...], dict[str, Any], Any], None]
_op_observers: dict[int, OpObserver] = {}


def observe_ops(observer: OpObserver) -> RemovableHandle:
    """Call ``observer(function, inputs, attrs, result)`` after every op run through
    :meth:`Function.apply`, recorded or not, until the returned handle is removed.

    ``function`` is the op's :class:`Function` class, ``inputs`` the input tensors,
    ``attrs`` the keyword attributes and ``result`` the output tensor (or the tuple of
    them); the node just recorded, if any, is ``result.grad_fn``. The observer runs in
    the thread that ran the op, inside ``apply``'s caller's call stack: tools that watch a
    model run use it (the function names of graph pictures, ONNX export). While no
    observer is registered, ops pay nothing for it.
    """
    return add_hook(_op_observers, observer)


def _notify_ops(cls: type[Function], inputs: tuple[Tensor, ...], attrs: dict[str, Any],
                result: Any) -> None:
    for observer in list(_op_observers.values()):
        observer(cls, inputs, attrs, result)


# --- callbacks around backward ---------------------------------------------------------------
_callbacks: dict[str, dict[int, Callable[[Sequence[Tensor]], None]]] = {"before": {},
                                                                          "after": {}}


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
            g = _Tensor._new(out._backend.xp.ones(out._data.shape, dtype=out._data.dtype),
                             out._backend)
        elif not isinstance(g, _Tensor):
            raise TypeError(f"gradient must be a Tensor, got {type(g).__name__}")
        elif g.shape != out.shape:
            raise RuntimeError(
                f"gradient has shape {g.shape} but the output it belongs to has shape "
                f"{out.shape}; they must match"
            )
        result.append(g)
    return result


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, _Tensor) else list(value)


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


from minigrad.tensor import Tensor as _Tensor  # noqa: E402  (tensor.py imports this module)

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.autograd")
