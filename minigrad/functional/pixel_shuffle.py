"""Trading channels for resolution: ``pixel_shuffle`` and its inverse ``pixel_unshuffle``
(the sub-pixel convolution of ESPCN super-resolution). Both are a reshape, a permutation
and a reshape, so their gradients are the inverse rearrangement."""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.optable import S, op
from minigrad.tensor import Tensor


def _np_shuffle(a: Any, r: int) -> Any:
    *lead, c, h, w = a.shape
    out = numpy.empty((*lead, c // (r * r), h * r, w * r))
    for k in range(c // (r * r)):
        for i in range(r):
            for j in range(r):  # channel k r^2 + i r + j fills the pixels (i, j) mod r
                out[..., k, i::r, j::r] = a[..., k * r * r + i * r + j, :, :]
    return out


def _np_unshuffle(a: Any, r: int) -> Any:
    *lead, c, h, w = a.shape
    out = numpy.empty((*lead, c * r * r, h // r, w // r))
    for k in range(c):
        for i in range(r):
            for j in range(r):
                out[..., k * r * r + i * r + j, :, :] = a[..., k, i::r, j::r]
    return out


def _check(input: Tensor, factor: int, name: str, what: str) -> None:
    if input.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got "
                           f"input with {input.ndim} dimension(s)")
    if not isinstance(factor, int) or factor <= 0:
        raise ValueError(f"{name}: {what} must be a positive int, got {factor!r}")


@op("pixel_shuffle", torch=True, functional=True,
    samples=[S((1, 8, 2, 3), 2), S((2, 9, 2, 2), 3), S((3, 4, 3, 2), 1),
             S((4, 3, 2), 1, transposed=True), S((2, 1, 4, 2, 2), 2)],
    reference=_np_shuffle)
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)``: the ``r^2`` channels of
    each output channel become the pixels of each ``r x r`` block.

    Raises
    ------
    RuntimeError
        If the input has fewer than 3 dimensions or its channels are not divisible by
        ``upscale_factor ** 2``.

    Shape
    -----
    - input: ``(*, C_in, H_in, W_in)``
    - output: ``(*, C_out, H_out, W_out)``, where ``C_out = C_in / upscale_factor ** 2``,
      ``H_out = H_in * upscale_factor`` and ``W_out = W_in * upscale_factor``

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.pixel_shuffle(minigrad.randn(1, 9, 4, 4), 3).shape
    minigrad.Size([1, 1, 12, 12])
    """
    r = upscale_factor
    _check(input, r, "pixel_shuffle", "upscale_factor")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


@op("pixel_unshuffle", torch=True, functional=True,
    samples=[S((1, 2, 4, 6), 2), S((2, 1, 6, 3), 3), S((3, 4, 2), 1, transposed=True),
             S((2, 1, 2, 4, 4), 2)],
    reference=_np_unshuffle)
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)``, undoing
    :func:`pixel_shuffle`.

    Raises
    ------
    RuntimeError
        If the input has fewer than 3 dimensions or its height or width is not divisible
        by ``downscale_factor``.

    Shape
    -----
    - input: ``(*, C_in, H_in, W_in)``
    - output: ``(*, C_out, H_out, W_out)``, where ``C_out = C_in * downscale_factor ** 2``,
      ``H_out = H_in / downscale_factor`` and ``W_out = W_in / downscale_factor``

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.pixel_unshuffle(minigrad.randn(1, 1, 12, 12), 3).shape
    minigrad.Size([1, 9, 4, 4])
    """
    r = downscale_factor
    _check(input, r, "pixel_unshuffle", "downscale_factor")
    *lead, c, h, w = input.shape
    for name, size, axis in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                f"input.size({axis})={size} is not divisible by {r}"
            )
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)
