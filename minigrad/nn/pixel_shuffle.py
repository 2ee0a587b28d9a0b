"""``PixelShuffle`` and ``PixelUnshuffle``: trading channels for resolution (ESPCN's
sub-pixel convolution), over :mod:`minigrad.functional.pixel_shuffle`."""

from __future__ import annotations

from minigrad.functional import pixel_shuffle as shuffles
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)``, ``r = upscale_factor``.

    Shape
    -----
    - input: ``(*, C_in, H_in, W_in)``
    - output: ``(*, C_out, H_out, W_out)``, where ``C_out = C_in / upscale_factor ** 2``,
      ``H_out = H_in * upscale_factor`` and ``W_out = W_in * upscale_factor``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.PixelShuffle(3)(minigrad.randn(1, 9, 4, 4)).shape
    minigrad.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return shuffles.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)``, ``r = downscale_factor``
    (the inverse of :class:`PixelShuffle`).

    Shape
    -----
    - input: ``(*, C_in, H_in, W_in)``
    - output: ``(*, C_out, H_out, W_out)``, where ``C_out = C_in * downscale_factor ** 2``,
      ``H_out = H_in / downscale_factor`` and ``W_out = W_in / downscale_factor``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.PixelUnshuffle(3)(minigrad.randn(1, 1, 12, 12)).shape
    minigrad.Size([1, 9, 4, 4])
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return shuffles.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
