"""``Unfold`` and ``Fold``: sliding windows to columns (im2col) and back (col2im), over
:func:`minigrad.nn.functional.unfold` and :func:`~minigrad.nn.functional.fold`."""

from __future__ import annotations

from collections.abc import Sequence

from minigrad.functional import fold as folding
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["Fold", "Unfold"]

IntOrPair = int | Sequence[int]


class Unfold(Module):
    """Extract the sliding windows of a batch of images as columns.

    Parameters
    ----------
    kernel_size, dilation, padding, stride : int or pair of int
        The windows' geometry (zero padding).

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C * kernel_size[0] * kernel_size[1], L_out)``, where
      ``L_out = H_blocks * W_blocks``, ``H_blocks = floor((H + 2 * padding[0] - dilation[0]
      * (kernel_size[0] - 1) - 1) / stride[0]) + 1`` and ``W_blocks`` likewise with index 1

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.Unfold(kernel_size=(2, 3))(minigrad.randn(2, 5, 3, 4)).shape
    minigrad.Size([2, 30, 4])
    """

    def __init__(self, kernel_size: IntOrPair, dilation: IntOrPair = 1, padding: IntOrPair = 0,
                 stride: IntOrPair = 1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return folding.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Sum columns of sliding windows back into images of ``output_size`` (the adjoint of
    :class:`Unfold`: overlapping entries add up).

    Parameters
    ----------
    output_size : int or pair of int
        ``(H, W)`` of the images.
    kernel_size, dilation, padding, stride : int or pair of int
        The windows' geometry.

    Shape
    -----
    - input: ``(N, C * kernel_size[0] * kernel_size[1], H_blocks * W_blocks)``, or without
      ``N``
    - output: ``(N, C, output_size[0], output_size[1])`` (or without ``N``), where the
      block counts are those of :class:`Unfold` for an ``output_size`` image

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.Fold(output_size=(4, 5), kernel_size=(2, 2))(minigrad.randn(1, 12, 12)).shape
    minigrad.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size: IntOrPair, kernel_size: IntOrPair, dilation: IntOrPair = 1,
                 padding: IntOrPair = 0, stride: IntOrPair = 1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return folding.fold(input, self.output_size, self.kernel_size, self.dilation,
                            self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
