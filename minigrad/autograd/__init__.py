"""Reverse-mode automatic differentiation.

* :mod:`~minigrad.autograd.node`: :class:`Function`, the op contract and the graph node;
  :meth:`Function.apply` is the only way an op runs.
* :mod:`~minigrad.autograd.engine`: :func:`backward` and :func:`grad`.
* :mod:`~minigrad.autograd.grad_mode`: :class:`no_grad`, :class:`enable_grad`,
  :class:`set_grad_enabled`.
* :mod:`~minigrad.autograd.views`: how views and in-place ops rewrite the graph.
* :mod:`~minigrad.autograd.callbacks`: observers of op calls and of backward passes.
* :mod:`~minigrad.autograd.function`: PyTorch-style Functions (static ``forward`` and
  ``backward`` on tensors), PyTorch's ``torch.autograd.function``.
* :mod:`~minigrad.autograd.functional`: derivatives of whole functions (``jacobian``,
  ``hessian``, ``vjp``, ``jvp``, ``vhp``, ``hvp``), PyTorch's ``torch.autograd.functional``.
* :mod:`~minigrad.autograd.variable`: ``Variable``, PyTorch's name from before tensors
  recorded gradients themselves.
"""

from typing import TYPE_CHECKING

from minigrad.autograd import (
    function,  # needs Tensor: last
    functional,  # jacobian, hessian, ...
)
from minigrad.autograd.callbacks import observe_ops, register_backward_callback
from minigrad.autograd.engine import backward, grad
from minigrad.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.autograd.node import AccumulateGrad, Function
from minigrad.autograd.variable import Variable  # needs Tensor too

__all__ = [
    "AccumulateGrad",
    "Function",
    "Variable",
    "backward",
    "enable_grad",
    "function",
    "functional",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "observe_ops",
    "register_backward_callback",
    "set_grad_enabled",
]

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.autograd")
