"""Moving tensors between backends, differentiably."""

from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.tensor import Tensor

__all__ = ["Move"]


class Move(Function):
    """Copy a tensor to another backend (``Tensor.to``); the gradient is moved back.

    Called as ``Move.apply(t, target=backend)``. The copy goes through host NumPy
    (``source.to_numpy`` then ``target.asarray``), so it always makes new memory, even
    between two backends that both keep their arrays on the host.
    """

    def forward(ctx, a: Any, target: Any = None) -> Any:
        # Function.apply wraps the result for the SOURCE backend, so the array is handed
        # through unchanged here and the copy to the target is made in apply below.
        return a

    def backward(ctx, g: Tensor) -> Tensor:
        return g.to(ctx.backend)

    @classmethod
    def apply(cls, *inputs: Tensor, **attrs: Any) -> Tensor:
        """Return ``inputs[0]`` copied to ``attrs["target"]`` (a Backend)."""
        (source,) = inputs
        target = attrs["target"]
        out = super().apply(source, **attrs)
        out._data = target.asarray(source._backend.to_numpy(source._data))
        out._backend = target
        return out
