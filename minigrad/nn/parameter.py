"""Parameters: tensors that a :class:`~minigrad.nn.Module` registers as learnable."""

from __future__ import annotations

from typing import Any

from minigrad.tensor import Tensor, tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that is a module's learnable weight.

    Assigning a ``Parameter`` as a module attribute registers it, so that it appears in
    :meth:`Module.parameters` and in the ``state_dict``. A parameter made from a tensor
    shares that tensor's memory.

    Parameters
    ----------
    data : Tensor or array_like, optional
        The initial values (an empty float tensor when omitted).
    requires_grad : bool
        Whether gradients are accumulated for it (default ``True``).

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> w = nn.Parameter(minigrad.zeros(2, 3))
    >>> w.requires_grad, w.shape
    (True, minigrad.Size([2, 3]))
    """

    __slots__ = ()

    def __new__(cls, data: Any = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            source = tensor([])
        elif isinstance(data, Tensor):
            source = data
        else:
            source = tensor(data)
        p = source.detach().as_subclass(cls)  # shares memory and version counter
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        pass  # everything is done in __new__, so the data is shared, not copied

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (Parameter, (self.detach(), self._requires_grad))

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        copied = Parameter(self.detach().clone(), self._requires_grad)
        if self.grad is not None:
            copied.grad = self.grad.detach().clone()
        memo[id(self)] = copied
        return copied
