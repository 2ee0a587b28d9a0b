"""Pooling layers over ``(N, C, H, W)`` feature maps.

``GlobalAvgPool2d`` and ``GlobalMaxPool2d`` (not in PyTorch) reduce any input size to
``(N, C, 1, 1)``; ``MinPool2d`` (not in PyTorch either) is max pooling's mirror image.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = [
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "AvgPool2d",
    "GlobalAvgPool2d",
    "GlobalMaxPool2d",
    "LPPool2d",
    "MaxPool2d",
    "MaxUnpool2d",
    "MinPool2d",
]

IntOrPair = int | Sequence[int]


class _ExtremumPool2d(Module):
    def __init__(
        self, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0,
        dilation: IntOrPair = 1, return_indices: bool = False, ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_ExtremumPool2d):
    """Maximum of each window (LeNet-5's subsampling in its modern form).

    Parameters
    ----------
    kernel_size : int or pair
        Window size.
    stride : int or pair, optional
        Step between windows (default: ``kernel_size``).
    padding : int or pair
        Implicit ``-inf`` padding on each side.
    dilation : int or pair
        Spacing between window elements.
    return_indices : bool
        Also return the flat ``h * W + w`` position of each maximum (for
        :class:`MaxUnpool2d`).
    ceil_mode : bool
        Round the output size up, so a partial window at the end is used.

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where

      ``H_out = floor((H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
      / stride[0]) + 1``

      and ``W_out`` likewise with index 1; ``ceil_mode=True`` rounds up instead (a last
      window that would start in the right/bottom padding is dropped).

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.MaxPool2d(2)(minigrad.randn(8, 6, 28, 28)).shape
    minigrad.Size([8, 6, 14, 14])
    """

    def forward(self, input: Tensor) -> Any:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MinPool2d(_ExtremumPool2d):
    """Minimum of each window; same parameters as :class:`MaxPool2d` (padding is ``+inf``).

    Shape
    -----
    As :class:`MaxPool2d`: ``H_out = floor((H + 2 * padding[0] - dilation[0] *
    (kernel_size[0] - 1) - 1) / stride[0]) + 1`` (rounded up with ``ceil_mode=True``), and
    ``W_out`` likewise with index 1.
    """

    def forward(self, input: Tensor) -> Any:
        return F.min_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool2d(Module):
    """Mean of each window.

    Parameters
    ----------
    kernel_size, stride, padding, ceil_mode
        As :class:`MaxPool2d` (the padding is zeros).
    count_include_pad : bool
        Whether padded zeros count in the divisor.
    divisor_override : int, optional
        Divide by this instead of the window size.

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = floor((H + 2 * padding[0] - kernel_size[0]) / stride[0]) + 1`` and
      ``W_out`` likewise with index 1; ``ceil_mode=True`` rounds up instead.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.AvgPool2d(2)(minigrad.randn(8, 6, 28, 28)).shape
    minigrad.Size([8, 6, 14, 14])
    """

    def __init__(
        self, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0,
        ceil_mode: bool = False, count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class LPPool2d(Module):
    """Power-average pooling ``(sum x**p)**(1/p)`` over each window (``p = norm_type``).

    Parameters
    ----------
    norm_type : float
        The power ``p``: 1 sums the window, 2 gives its Euclidean length, and large ``p``
        approaches max pooling.
    kernel_size : int or pair
        Window size.
    stride : int or pair, optional
        Step between windows (default: ``kernel_size``).
    ceil_mode : bool
        Round the output size up.

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = floor((H - kernel_size[0]) / stride[0]) + 1`` and ``W_out`` likewise with
      index 1 (no padding); ``ceil_mode=True`` rounds up instead.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.LPPool2d(2, 3, stride=2)(minigrad.randn(1, 4, 9, 9)).shape
    minigrad.Size([1, 4, 4, 4])
    """

    def __init__(self, norm_type: float, kernel_size: IntOrPair,
                 stride: IntOrPair | None = None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` whatever the input size.

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C, *output_size)`` (or ``(C, *output_size)``), whatever ``H`` and
      ``W``; an ``int`` means a square, ``None`` keeps that input size. Output cell ``i``
      of ``out`` along a side of ``n`` covers inputs ``floor(i * n / out)`` to
      ``ceil((i + 1) * n / out) - 1``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.AdaptiveAvgPool2d((5, 7))(minigrad.randn(1, 3, 13, 20)).shape
    minigrad.Size([1, 3, 5, 7])
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed ``output_size`` whatever the input size.

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C, *output_size)`` (or ``(C, *output_size)``), whatever ``H`` and
      ``W``; an ``int`` means a square, ``None`` keeps that input size. Output cell ``i``
      of ``out`` along a side of ``n`` covers inputs ``floor(i * n / out)`` to
      ``ceil((i + 1) * n / out) - 1``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.AdaptiveMaxPool2d(3)(minigrad.randn(1, 3, 13, 20)).shape
    minigrad.Size([1, 3, 3, 3])
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class GlobalAvgPool2d(AdaptiveAvgPool2d):
    """Mean of each whole feature map: any ``(N, C, H, W)`` becomes ``(N, C, 1, 1)``.

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``, of any ``H`` and ``W``
    - output: ``(N, C, 1, 1)`` (or ``(C, 1, 1)``)

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.GlobalAvgPool2d()(minigrad.randn(2, 16, 7, 9)).shape
    minigrad.Size([2, 16, 1, 1])
    """

    def __init__(self) -> None:
        super().__init__(1)

    def extra_repr(self) -> str:
        return ""


class GlobalMaxPool2d(AdaptiveMaxPool2d):
    """Maximum of each whole feature map: any ``(N, C, H, W)`` becomes ``(N, C, 1, 1)``.

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``, of any ``H`` and ``W``
    - output: ``(N, C, 1, 1)`` (or ``(C, 1, 1)``)

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.GlobalMaxPool2d()(minigrad.randn(2, 16, 7, 9)).shape
    minigrad.Size([2, 16, 1, 1])
    """

    def __init__(self, return_indices: bool = False) -> None:
        super().__init__(1, return_indices)

    def extra_repr(self) -> str:
        return ""


class MaxUnpool2d(Module):
    """Partial inverse of :class:`MaxPool2d`: put values back at the recorded indices,
    zeros elsewhere.

    Shape
    -----
    - input and indices: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = (H - 1) * stride[0] - 2 * padding[0] + kernel_size[0]`` and ``W_out``
      likewise with index 1, unless ``forward`` is given ``output_size``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    >>> out, idx = pool(minigrad.randn(1, 1, 4, 4))
    >>> unpool(out, idx).shape
    minigrad.Size([1, 1, 4, 4])
    """

    def __init__(self, kernel_size: IntOrPair, stride: IntOrPair | None = None,
                 padding: IntOrPair = 0) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, input: Tensor, indices: Tensor,
                output_size: Sequence[int] | None = None) -> Tensor:
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
