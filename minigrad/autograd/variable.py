"""``torch.autograd.Variable``, kept by PyTorch for programs written before 0.4, when
tensors and Variables were merged: ``Variable(t)`` is a tensor, and every tensor is a
``Variable``."""

from __future__ import annotations

from typing import Any

from minigrad.tensor import Tensor

__all__ = ["Variable"]


class _AnyTensor(type):
    """Calling ``Variable`` makes a tensor; every tensor is an instance of it."""

    def __call__(cls, data: Tensor, requires_grad: bool = False,
                 volatile: bool = False) -> Tensor:
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor)


class Variable(metaclass=_AnyTensor):
    """``Variable(data, requires_grad=False, volatile=False)``: a tensor sharing the
    tensor ``data``'s memory, cut from its graph, that requires grad as asked (PyTorch's
    behaviour since 0.4). ``volatile`` is ignored, as in PyTorch (use
    :class:`minigrad.no_grad`).

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.autograd import Variable
    >>> x = Variable(minigrad.ones(2), requires_grad=True)
    >>> x.requires_grad, isinstance(x, Variable)
    (True, True)
    """
