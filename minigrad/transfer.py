"""Moving tensors between backends, differentiably."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from minigrad.autograd import Function
from minigrad.tensor import Tensor

if TYPE_CHECKING:
    from minigrad.backends import Backend


class Move(Function):
    """Copy to another backend; the gradient is moved back."""

    def forward(ctx, a: Any, target: Backend | None = None) -> Any:
        assert target is not None
        ctx.source = ctx.backend
        return target.asarray(ctx.backend.to_numpy(a))

    def backward(ctx, g: Tensor) -> Tensor:
        return g.to(ctx.source)

    @classmethod
    def apply(cls, *inputs: Tensor, **attrs: Any) -> Tensor:
        out = super().apply(*inputs, **attrs)
        out._backend = attrs["target"]
        return out
