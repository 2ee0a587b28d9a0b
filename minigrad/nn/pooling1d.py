"""1-D pooling layers over ``(N, C, L)`` sequences (over
:mod:`minigrad.functional.pooling1d`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.functional import pooling1d
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AvgPool1d", "MaxPool1d"]

IntOrOne = int | Sequence[int]


def _single(value: IntOrOne) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else tuple(value)


class MaxPool1d(Module):
    """Maximum of each window of a sequence.

    Parameters
    ----------
    kernel_size : int
        Window length.
    stride : int, optional
        Step between windows (default: ``kernel_size``).
    padding : int
        Implicit ``-inf`` padding on each side.
    dilation : int
        Spacing between window elements.
    return_indices : bool
        Also return the position of each maximum along ``L``.
    ceil_mode : bool
        Round the output length up.

    Shape
    -----
    - input: ``(N, C, L_in)``, or ``(C, L_in)``
    - output: ``(N, C, L_out)`` (or ``(C, L_out)``), where

      ``L_out = floor((L_in + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1``

      (rounded up with ``ceil_mode=True``)

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.MaxPool1d(3, stride=2)(minigrad.randn(20, 16, 50)).shape
    minigrad.Size([20, 16, 24])
    """

    def __init__(self, kernel_size: IntOrOne, stride: IntOrOne | None = None,
                 padding: IntOrOne = 0, dilation: IntOrOne = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:
        return pooling1d.max_pool1d(input, self.kernel_size, self.stride, self.padding,
                                    self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(Module):
    """Mean of each window of a sequence (the window values are stored as 1-tuples, as
    PyTorch does).

    Parameters
    ----------
    kernel_size, stride, padding, ceil_mode
        As :class:`MaxPool1d` (the padding is zeros).
    count_include_pad : bool
        Whether padded zeros count in the divisor.

    Shape
    -----
    - input: ``(N, C, L_in)``, or ``(C, L_in)``
    - output: ``(N, C, L_out)`` (or ``(C, L_out)``), where

      ``L_out = floor((L_in + 2 * padding - kernel_size) / stride) + 1``

      (rounded up with ``ceil_mode=True``)

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.AvgPool1d(3, stride=2)(minigrad.randn(20, 16, 50)).shape
    minigrad.Size([20, 16, 24])
    """

    def __init__(self, kernel_size: IntOrOne, stride: IntOrOne | None = None,
                 padding: IntOrOne = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return pooling1d.avg_pool1d(input, self.kernel_size, self.stride, self.padding,
                                    self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Average pooling to a fixed ``output_size`` whatever the input length.

    Shape
    -----
    - input: ``(N, C, L_in)``, or ``(C, L_in)``
    - output: ``(N, C, output_size)`` (or ``(C, output_size)``); output ``i`` averages
      positions ``floor(i * L_in / output_size)`` to
      ``ceil((i + 1) * L_in / output_size) - 1``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.AdaptiveAvgPool1d(5)(minigrad.randn(1, 64, 8)).shape
    minigrad.Size([1, 64, 5])
    """

    def __init__(self, output_size: IntOrOne) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return pooling1d.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Module):
    """Max pooling to a fixed ``output_size`` whatever the input length.

    Shape
    -----
    - input: ``(N, C, L_in)``, or ``(C, L_in)``
    - output: ``(N, C, output_size)`` (or ``(C, output_size)``), the windows of
      :class:`AdaptiveAvgPool1d`

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.AdaptiveMaxPool1d(5)(minigrad.randn(1, 64, 8)).shape
    minigrad.Size([1, 64, 5])
    """

    def __init__(self, output_size: IntOrOne, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        return pooling1d.adaptive_max_pool1d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
