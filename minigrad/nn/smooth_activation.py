"""Smooth activation layers over :mod:`minigrad.functional.smooth_activation`: SELU, CELU,
Mish, Softsign, Tanhshrink, the gated linear unit and Softmin."""

from __future__ import annotations

from minigrad.functional import smooth_activation
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["CELU", "GLU", "SELU", "Mish", "Softmin", "Softsign", "Tanhshrink"]


class _MaybeInPlace(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SELU(_MaybeInPlace):
    """Scaled ELU, ``scale * elu(x, alpha)`` with the self-normalising constants.

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape
    """

    def forward(self, input: Tensor) -> Tensor:
        return smooth_activation.selu(input, self.inplace)


class Mish(_MaybeInPlace):
    """``x * tanh(softplus(x))``.

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape
    """

    def forward(self, input: Tensor) -> Tensor:
        return smooth_activation.mish(input, self.inplace)


class CELU(Module):
    """Continuously differentiable ELU: ``x`` for positive inputs, else
    ``alpha * (exp(x / alpha) - 1)``.

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return smooth_activation.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softsign(Module):
    """``x / (1 + |x|)``.

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape
    """

    def forward(self, input: Tensor) -> Tensor:
        return smooth_activation.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)``.

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape
    """

    def forward(self, input: Tensor) -> Tensor:
        return smooth_activation.tanhshrink(input)


class GLU(Module):
    """Gated linear unit: halves ``a, b`` of the input along ``dim`` give ``a * sigmoid(b)``.

    Shape
    -----
    - input: ``(*, 2 * M, *)``, the halved dimension at ``dim``
    - output: ``(*, M, *)``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.GLU()(minigrad.randn(4, 2)).shape
    minigrad.Size([4, 1])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return smooth_activation.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x)`` along ``dim``.

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape, summing to 1 along ``dim``
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return smooth_activation.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
