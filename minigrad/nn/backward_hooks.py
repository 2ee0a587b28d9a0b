"""Full backward hooks of modules: ``hook(module, grad_input, grad_output)``.

A module call with backward hooks passes its tensor inputs through one identity
:class:`BackwardHookFunction` and its tensor outputs through another (PyTorch does the
same). The outputs' identity node sees the gradients with respect to the outputs first:
it runs the backward pre-hooks, which may replace them. The inputs' identity node sees,
later, the gradients with respect to the inputs, all at once: it runs the backward hooks
with both, and they may replace the inputs' gradients.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from minigrad.autograd import Function, is_grad_enabled
from minigrad.tensor import Tensor

if TYPE_CHECKING:
    from minigrad.nn.module import Module

__all__ = ["BackwardHookFunction", "ModuleBackwardHooks"]

Grads = tuple[Tensor | None, ...]


class BackwardHookFunction(Function):
    """Identity on tensors whose backward passes the gradients through a callback.

    The outputs of tensors that do not require grad do not either. With ``materialize``
    the callback gets zeros for outputs that got no gradient, else ``None``.
    """

    @staticmethod
    def forward(ctx: Any, on_backward: Callable[[Grads], Grads], materialize: bool,
                *tensors: Tensor) -> tuple[Tensor, ...]:
        ctx.on_backward = on_backward
        ctx.set_materialize_grads(materialize)
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx: Any, *grads: Tensor | None) -> tuple[Tensor | None, ...]:
        return (None, None, *ctx.on_backward(grads))


class ModuleBackwardHooks:
    """The backward hooks of one call of ``module``.

    Parameters
    ----------
    module : Module
        The module being called.
    hooks, pre_hooks : sequence of callables
        Its full backward hooks and backward pre-hooks, as registered when it was called.
    """

    def __init__(self, module: Module, hooks: Sequence[Callable[..., Any]],
                 pre_hooks: Sequence[Callable[..., Any]]) -> None:
        self.module = module
        self.hooks = list(hooks)
        self.pre_hooks = list(pre_hooks)
        self.n_inputs = 0
        self.input_positions: list[int] | None = None  # None: no input requires grad
        self.n_outputs = 0
        self.output_positions: list[int] = []
        self.grad_outputs: Grads | None = None

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """``args`` with their tensors replaced by the identity's outputs (when one of them
        requires grad)."""
        self.n_inputs = len(args)
        wrapped, self.input_positions = self._wrap(args, self._inputs_backward, True)
        return wrapped

    def wrap_outputs(self, output: Any) -> Any:
        """``output`` (a tensor or a tuple) with its tensors replaced by the identity's."""
        single = not isinstance(output, tuple)
        outputs = (output,) if single else output
        self.n_outputs = len(outputs)
        wrapped, positions = self._wrap(outputs, self._outputs_backward, False)
        self.output_positions = positions or []
        return wrapped[0] if single else wrapped

    @staticmethod
    def _wrap(values: tuple[Any, ...], on_backward: Callable[[Grads], Grads],
              materialize: bool) -> tuple[tuple[Any, ...], list[int] | None]:
        """``values`` with their tensors passed through one identity node, and the
        tensors' positions; ``values`` and ``None`` when no tensor requires grad."""
        positions = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        tensors = [values[i] for i in positions]
        if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return values, None
        new = list(values)
        identity: Any = BackwardHookFunction.apply  # PyTorch-style: takes the callback too
        for i, t in zip(positions, identity(on_backward, materialize, *tensors)):
            new[i] = t
        return tuple(new), positions

    def _spread(self, grads: Sequence[Tensor | None], positions: list[int], n: int) -> Grads:
        full: list[Tensor | None] = [None] * n
        for i, g in zip(positions, grads):
            full[i] = g
        return tuple(full)

    def _outputs_backward(self, grads: Grads) -> Grads:
        grad_outputs = self._spread(grads, self.output_positions, self.n_outputs)
        for hook in self.pre_hooks:
            replaced = hook(self.module, grad_outputs)
            if replaced is not None:
                grad_outputs = _checked(replaced, len(grad_outputs), "pre hook", "grad_output")
        self.grad_outputs = grad_outputs
        if self.input_positions is None:  # no input requires grad: the hooks run now
            if self.hooks:
                warnings.warn(
                    f"the full backward hooks of {type(self.module).__name__} run when the "
                    "gradients with respect to its outputs are computed, because none of "
                    "its inputs requires grad (grad_input is all None)", stacklevel=2)
            no_inputs: Grads = (None,) * self.n_inputs
            for hook in self.hooks:
                returned = hook(self.module, no_inputs, grad_outputs)
                if returned is not None and not (
                        isinstance(returned, tuple) and all(r is None for r in returned)):
                    raise RuntimeError(
                        f"a backward hook of {type(self.module).__name__} returned gradients, "
                        "but none of the module's inputs requires grad: it must return None "
                        "(or a tuple of None)")
            self.grad_outputs = None
        return tuple(grad_outputs[i] for i in self.output_positions)

    def _inputs_backward(self, grads: Grads) -> Grads:
        if self.grad_outputs is None or self.input_positions is None:
            return grads  # the gradient did not come through the outputs
        grad_inputs = self._spread(grads, self.input_positions, self.n_inputs)
        for hook in self.hooks:
            replaced = hook(self.module, grad_inputs, self.grad_outputs)
            if replaced is not None:
                grad_inputs = _checked(replaced, len(grad_inputs), "hook", "grad_input")
        self.grad_outputs = None
        return tuple(grad_inputs[i] for i in self.input_positions)


def _checked(replaced: Any, expected: int, kind: str, what: str) -> Grads:
    """What a hook returned, checked to be a tuple (or list) of ``expected`` gradients."""
    if not isinstance(replaced, (tuple, list)):
        raise RuntimeError(
            f"Backward {kind} returned an invalid number of {what}: it returned a "
            f"{type(replaced).__name__}, but expected a tuple of {expected}")
    if len(replaced) != expected:
        raise RuntimeError(
            f"Backward {kind} returned an invalid number of {what}, got {len(replaced)}, "
            f"but expected {expected}")
    return tuple(replaced)
