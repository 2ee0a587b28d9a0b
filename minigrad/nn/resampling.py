"""Upsampling layers over :func:`minigrad.nn.functional.interpolate`: ``Upsample`` and
the fixed-mode ``UpsamplingNearest2d`` and ``UpsamplingBilinear2d``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.functional import resampling
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resize ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)`` inputs to ``size``, or
    by ``scale_factor``, with :func:`~minigrad.nn.functional.interpolate`.

    Parameters
    ----------
    size : int or sequence of int, optional
        The output's spatial size.
    scale_factor : float or sequence of float, optional
        Multiplier of the spatial size instead (stored as floats, as PyTorch does).
    mode : str
        ``"nearest"``, ``"nearest-exact"``, ``"linear"``, ``"bilinear"``, ``"bicubic"``,
        ``"trilinear"`` or ``"area"``.
    align_corners : bool, optional
        For the interpolating modes (see ``interpolate``).
    recompute_scale_factor : bool, optional
        Map coordinates with the rounded size's ratio rather than ``scale_factor``.

    Shape
    -----
    - input: ``(N, C, W_in)``, ``(N, C, H_in, W_in)`` or ``(N, C, D_in, H_in, W_in)``
    - output: ``(N, C, W_out)``, ``(N, C, H_out, W_out)`` or ``(N, C, D_out, H_out, W_out)``,
      where ``H_out = size[0]`` or ``floor(H_in * scale_factor[0])``, and the others
      likewise

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
    >>> up(minigrad.randn(1, 3, 8, 8)).shape
    minigrad.Size([1, 3, 16, 16])
    >>> up
    Upsample(scale_factor=2.0, mode='bilinear')
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        self.scale_factor: Any
        if isinstance(scale_factor, Sequence):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return resampling.interpolate(input, self.size, self.scale_factor, self.mode,
                                      self.align_corners, self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of ``(N, C, H, W)`` maps (PyTorch's older name for
    ``Upsample(mode="nearest")``).

    Shape
    -----
    - input: ``(N, C, H_in, W_in)``
    - output: ``(N, C, H_out, W_out)``, where ``H_out = size[0]`` or
      ``floor(H_in * scale_factor)``, and ``W_out`` likewise
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of ``(N, C, H, W)`` maps with ``align_corners=True`` (PyTorch's
    older name for ``Upsample(mode="bilinear", align_corners=True)``).

    Shape
    -----
    - input: ``(N, C, H_in, W_in)``
    - output: ``(N, C, H_out, W_out)``, where ``H_out = size[0]`` or
      ``floor(H_in * scale_factor)``, and ``W_out`` likewise
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
