"""Piecewise activation layers over :mod:`minigrad.functional.piecewise`: thresholds,
shrinkage, MobileNetV3's hard sigmoid and swish, and the learned (``PReLU``) and
randomized (``RReLU``) leaky slopes."""

from __future__ import annotations

from typing import Any

from minigrad import creation
from minigrad.functional import piecewise
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["Hardshrink", "Hardsigmoid", "Hardswish", "PReLU", "RReLU", "Softshrink",
           "Threshold"]


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``.

    Parameters
    ----------
    threshold : float
        Elements at or below it are replaced.
    value : float
        The replacement.
    inplace : bool
        Overwrite the input.

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.Threshold(0.5, -1.0)(minigrad.tensor([0.25, 0.75])).tolist()
    [-1.0, 0.75]
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return piecewise.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return (f"threshold={self.threshold}, value={self.value}"
                + (", inplace=True" if self.inplace else ""))


class Hardshrink(Module):
    """``0`` where ``|x| <= lambd``, else ``x``.

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return piecewise.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """Shrink towards zero by ``lambd`` (``x - lambd`` above it, ``x + lambd`` below
    ``-lambd``, else 0).

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return piecewise.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Hardsigmoid(Module):
    """``relu6(x + 3) / 6``, MobileNetV3's piecewise-linear sigmoid.

    ``inplace=True`` overwrites the input (PyTorch's repr does not show it, nor does
    this one).

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return piecewise.hardsigmoid(input, self.inplace)


class Hardswish(Module):
    """``x * relu6(x + 3) / 6``, MobileNetV3's cheap swish.

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.Hardswish()(minigrad.tensor([-4.0, 4.0])).tolist()
    [-0.0, 4.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return piecewise.hardswish(input, self.inplace)


class PReLU(Module):
    """Leaky ReLU with a learned slope: ``x`` where ``x > 0``, else ``weight * x``.

    Parameters
    ----------
    num_parameters : int
        1 (one slope shared by every channel) or the number of channels ``C``.
    init : float
        The slopes' initial value.

    Attributes
    ----------
    weight : Parameter
        ``(num_parameters,)``.

    Shape
    -----
    - input: ``(*)``, any shape; with ``num_parameters = C``, ``(N, C, *)`` (the
      channels are dimension 1)
    - output: ``(*)``, the input's shape

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> act = nn.PReLU(3)
    >>> act(minigrad.randn(2, 3, 4, 4)).shape
    minigrad.Size([2, 3, 4, 4])
    >>> act.weight.tolist()
    [0.25, 0.25, 0.25]
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(creation.empty(num_parameters, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return piecewise.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: in training each negative element gets a slope drawn
    uniformly from ``[lower, upper]``; in eval mode the mean slope ``(lower + upper) / 2``.

    Parameters
    ----------
    lower, upper : float
        The range of the slopes (``1/8`` and ``1/3``).
    inplace : bool
        Overwrite the input.

    Shape
    -----
    - input: ``(*)``, any shape
    - output: ``(*)``, the input's shape
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return piecewise.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return (f"lower={self.lower}, upper={self.upper}"
                + (", inplace=True" if self.inplace else ""))
