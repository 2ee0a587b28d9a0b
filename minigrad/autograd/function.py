"""PyTorch-style custom autograd Functions: static ``forward(ctx, ...)`` and
``backward(ctx, ...)`` working on tensors.

minigrad's own ops subclass :class:`~minigrad.autograd.Function` with ``forward`` on
backend arrays (see "Writing an op"). Programs written for PyTorch subclass
``torch.autograd.Function`` with *static* methods on tensors instead::

    class Square(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

A subclass whose ``forward`` is a ``staticmethod`` gets :func:`apply_custom` as its
``apply``: ``forward`` runs under ``no_grad`` and one :class:`FunctionCtx` node joins the
graph in its place (PyTorch's ``torch.autograd.function``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from minigrad.autograd.grad_mode import is_grad_enabled, no_grad
from minigrad.autograd.node import Function
from minigrad.tensor import Tensor

__all__ = [
    "Function", "FunctionCtx", "apply_custom", "check_inplace_allowed", "once_differentiable",
]

F = TypeVar("F", bound=Callable[..., Any])


class FunctionCtx(Function):
    """The ``ctx`` of a PyTorch-style Function, and its node in the graph.

    Besides any attribute ``forward`` sets on it, it offers PyTorch's methods:
    :meth:`save_for_backward` / :attr:`saved_tensors`, :attr:`needs_input_grad`,
    :meth:`mark_non_differentiable`, :meth:`mark_dirty` and
    :meth:`set_materialize_grads`.
    """

    function: type[Function]  # the user's class
    _arg_shapes: tuple[tuple[int, ...] | None, ...]  # per forward argument; None: not a tensor
    _dirty: tuple[Tensor, ...] = ()
    _non_differentiable: tuple[Tensor, ...] = ()
    _materialize = True
    _output_grads: list[Tensor | None] | None = None  # with several differentiable outputs
    _output_meta: list[tuple[tuple[int, ...], Any]]  # their shapes and array dtypes
    _returned_inputs: frozenset[int] = frozenset()  # outputs that are inputs returned as-is

    @property
    def name(self) -> str:
        """``"<ClassName>Backward"``, as PyTorch names the node."""
        return self.function.__name__ + "Backward"

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` (inputs, outputs or others; ``None`` allowed) for backward."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"{self.name}: save_for_backward can only save tensors or None, "
                                f"but argument {i} is of type {type(t).__name__}")
        self._saved = tensors
        self._versions = tuple(-1 if t is None else t._version_cell[0] for t in tensors)

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """What :meth:`save_for_backward` kept, checked against in-place changes since
        (a ``None`` saved stays ``None``, as in PyTorch)."""
        return cast("tuple[Tensor, ...]", self.saved)

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs that get no gradient (they will not require grad)."""
        self._non_differentiable = outputs

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare inputs that ``forward`` changed in place (and returns)."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With ``False``, outputs that got no gradient pass ``None`` to backward instead
        of zeros."""
        self._materialize = value

    def backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        """Run the user's ``backward`` and check what it returned."""
        grads = self._grads_of_outputs(grad)
        returned = self.function.backward(self, *grads)
        returned = returned if isinstance(returned, tuple) else (returned,)
        expected = len(self._arg_shapes)
        if len(returned) < expected or any(r is not None for r in returned[expected:]):
            raise RuntimeError(f"function {self.name} returned an incorrect number of "
                               f"gradients (expected {expected}, got {len(returned)})")
        out: list[Tensor | None] = []
        for i, (shape, g) in enumerate(zip(self._arg_shapes, returned)):
            if shape is None:
                if g is not None:
                    raise RuntimeError(
                        f"function {self.name} returned a gradient different from None at "
                        f"position {i + 1}, but the corresponding forward input was not a "
                        "Tensor")
                continue
            out.append(None if g is None else self._checked(i, g, shape))
        return tuple(out)

    def _grads_of_outputs(self, grad: Tensor) -> list[Tensor | None]:
        if self._output_grads is None:
            return [grad]
        grads = self._output_grads
        self._output_grads = [None] * len(grads)
        return [g if g is not None or not self._materialize
                else Tensor._new(self.xp.zeros(shape, dtype=dtype), self.backend)
                for g, (shape, dtype) in zip(grads, self._output_meta)]

    def _checked(self, i: int, g: Any, shape: tuple[int, ...]) -> Tensor:
        if not isinstance(g, Tensor):
            raise TypeError(f"function {self.name} returned a {type(g).__name__} as the "
                            f"gradient at index {i}; expected a Tensor or None")
        if tuple(g.shape) == shape:
            return g
        try:  # a gradient of a broadcast shape is summed back, as PyTorch does
            from minigrad.functional.operands import unbroadcast

            if _broadcasts_to(shape, tuple(g.shape)):
                return unbroadcast(g, shape)
        except ValueError:
            pass
        raise RuntimeError(f"Function {self.name} returned an invalid gradient at index {i} "
                           f"- got {list(g.shape)} but expected shape compatible with "
                           f"{list(shape)}")


class OutputGrad(Function):
    """Collects the gradient of one output of a FunctionCtx with several differentiable
    outputs, so that the user's ``backward`` gets them all at once."""

    ctx: FunctionCtx
    index: int

    @property
    def name(self) -> str:
        """``"<ClassName>Backward[<index>]"``."""
        return f"{self.ctx.name}[{self.index}]"

    def backward(self, grad: Tensor) -> tuple[Tensor]:
        """Store ``grad`` for the node and pass it a zero that wakes it up."""
        grads = self.ctx._output_grads
        assert grads is not None
        previous = grads[self.index]
        grads[self.index] = grad if previous is None else previous + grad
        return (Tensor._new(self.xp.zeros(()), self.backend),)


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))


def _node_for(t: Tensor) -> Function | Tensor | None:
    return t._grad_fn or (t if t._requires_grad else None)


def _user_static(cls: type, name: str) -> Any:
    """The user's static method ``name`` of ``cls`` (or a base of its), or ``None``."""
    for klass in cls.__mro__:
        if klass in (Function, FunctionCtx, object):
            return None
        if name in klass.__dict__:
            return getattr(cls, name)
    return None


def apply_custom(cls: type[Function], *args: Any, **kwargs: Any) -> Any:
    """``apply`` of a PyTorch-style Function: run ``forward`` on tensors without
    recording, then record one node whose backward is the class's ``backward``."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    if not tensors:
        raise TypeError(f"{cls.__name__}.apply: expected at least one Tensor argument")
    ctx = object.__new__(FunctionCtx)
    ctx.function, ctx.attrs = cls, {}
    ctx.backend, ctx.xp = tensors[0]._backend, tensors[0]._backend.xp
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx._arg_shapes = tuple(tuple(a.shape) if isinstance(a, Tensor) else None for a in args)
    with no_grad():
        setup_context = _user_static(cls, "setup_context")
        if setup_context is not None:
            output = cls.forward(*args, **kwargs)
            setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    if not (is_grad_enabled() and any(ctx.needs_input_grad)):
        return output
    ctx.parents = tuple(_node_for(t) for t in tensors)
    for t in ctx._dirty:
        if t._grad_fn is None and t._requires_grad:
            raise RuntimeError(f"{ctx.name}: a leaf tensor that requires grad was changed "
                               "in place (mark_dirty) in forward")
        t._version_cell[0] += 1
    outputs = list(output) if isinstance(output, tuple) else [output]
    inputs = {id(t) for t in tensors}
    differentiable = []
    as_is: set[int] = set()
    for i, o in enumerate(outputs):
        if not isinstance(o, Tensor):
            continue
        returned = o
        if id(o) in inputs and not any(o is d for d in ctx._dirty):
            same = o  # an input returned as it came: the output is a view of it
            outputs[i] = o = Tensor._new(same._data, same._backend)
            o._version_cell = same._version_cell
            as_is.add(id(o))
        if any(returned is n for n in ctx._non_differentiable) or o.dtype.kind != "f":
            o._requires_grad, o._grad_fn = False, None
        else:
            differentiable.append(o)
    ctx._out_shape = tuple(differentiable[0].shape) if differentiable else ()
    if as_is:
        tensor_outputs = [o for o in outputs if isinstance(o, Tensor)]
        ctx._returned_inputs = frozenset(
            k for k, o in enumerate(tensor_outputs) if id(o) in as_is)
    if len(differentiable) == 1 and len(outputs) == 1:
        differentiable[0]._grad_fn, differentiable[0]._requires_grad = ctx, True
    else:
        _record_outputs(ctx, outputs, differentiable)
    return tuple(outputs) if isinstance(output, tuple) else outputs[0]


def _record_outputs(ctx: FunctionCtx, outputs: list[Any], differentiable: list[Tensor]) -> None:
    """Several outputs: each differentiable one gets an :class:`OutputGrad` in front of
    the node; backward receives zeros (or ``None``) for the others."""
    tensors = [o for o in outputs if isinstance(o, Tensor)]
    ctx._output_grads = [None] * len(tensors)
    ctx._output_meta = [(o._data.shape, o._data.dtype) for o in tensors]
    for index, o in enumerate(tensors):
        if not any(o is d for d in differentiable):
            continue
        node = object.__new__(OutputGrad)
        node.ctx, node.index, node.attrs = ctx, index, {}
        node.backend, node.xp = ctx.backend, ctx.xp
        node.parents, node.needs_input_grad = (ctx,), (True,)
        node._out_shape = tuple(o.shape)
        o._grad_fn, o._requires_grad = node, True


def check_inplace_allowed(t: Tensor, what: str) -> None:
    """Refuse an in-place change of an output that a PyTorch-style Function returned as
    one of its inputs (such as the outputs of a module with full backward hooks): the
    rewritten graph would bypass that Function's ``backward``, as PyTorch forbids too.

    Raises
    ------
    RuntimeError
        If ``t`` is such an output and grad mode is on.
    """
    node = t._grad_fn
    if isinstance(node, OutputGrad):
        ctx, index = node.ctx, node.index
    elif isinstance(node, FunctionCtx):
        ctx, index = node, 0
    else:
        return
    if index in ctx._returned_inputs and is_grad_enabled():
        raise RuntimeError(
            f"{what}: output {index} of {ctx.function.__name__} is a view of its input (the "
            "custom Function returned an input as-is) and is being modified in place; that "
            "would replace the Function's backward and give wrong gradients, so it is "
            "forbidden. clone() the output first (a module with full backward hooks returns "
            "such outputs: avoid inplace=True layers right after it)"
        )


def once_differentiable(backward: F) -> F:
    """Decorate a PyTorch-style ``backward`` that is not itself differentiable: it runs
    without recording, so its gradients are constants."""
    @functools.wraps(backward)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        with no_grad():
            return backward(ctx, *grads)

    return cast(F, wrapper)
