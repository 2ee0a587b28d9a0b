"""Fully connected layers: ``Linear`` and ``Identity``."""

from __future__ import annotations

from typing import Any

from minigrad import creation
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored, as in PyTorch).

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.Identity()(minigrad.ones(2)).tolist()
    [1.0, 1.0]
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """Affine map ``y = x @ W.T + b``.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    bias : bool
        Whether to learn an additive bias.
    device, dtype : optional
        Backend and dtype of the parameters.

    Attributes
    ----------
    weight : Parameter
        ``(out_features, in_features)``, initialised ``U(-k, k)`` with
        ``k = 1 / sqrt(in_features)`` (PyTorch's default).
    bias : Parameter or None
        ``(out_features,)``, initialised the same way.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> fc = nn.Linear(400, 120)
    >>> fc(minigrad.randn(8, 400)).shape
    minigrad.Size([8, 120])
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(
                f"Linear: feature sizes must be non-negative, got in_features={in_features}, "
                f"out_features={out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(
            creation.empty(out_features, in_features, dtype=dtype, device=device)
        )
        if bias:
            self.bias: Parameter | None = Parameter(
                creation.empty(out_features, dtype=dtype, device=device)
            )
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights with PyTorch's default initialisation."""
        init.reset_affine_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
