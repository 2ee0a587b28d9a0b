"""``Function``: the op contract and the graph node.

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

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from minigrad.autograd.callbacks import _notify_ops, _op_observers
from minigrad.autograd.grad_mode import _mode
from minigrad.autograd.views import make_view, refresh_view
from minigrad.utils.hooks import RemovableHandle, add_hook

if TYPE_CHECKING:
    from minigrad.backends import Backend
    from minigrad.backends.array_api import ArrayNamespace
    from minigrad.tensor import Tensor

__all__ = ["AccumulateGrad", "Function"]

Hook = Callable[["Tensor"], "Tensor | None"]


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
            from minigrad.autograd.function import apply_custom

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
            make_view(out, first, cls, attrs)
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


from minigrad.tensor import Tensor as _Tensor  # noqa: E402  (tensor.py imports this module)
