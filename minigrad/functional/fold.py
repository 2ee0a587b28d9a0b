"""im2col and col2im as ops: ``unfold`` extracts sliding windows, ``fold`` sums them back.

``Unfold`` and ``Fold`` are each other's adjoint, so gradients of any order stay in the
pair. Zero padding is an attribute of the nodes, as for convolution.
"""

from __future__ import annotations

from minigrad import references
from minigrad.autograd import Function
from minigrad.backends.arrays import crop_plane, pad_plane
from minigrad.backends.geometry import (
    NO_PAD,
    Pad4,
    as_pair,
    check_fits,
    check_nonempty,
    padded_size,
)
from minigrad.functional.conv import _batched
from minigrad.optable import S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, IntOrPair, Pair


class Unfold(Function):
    """im2col of the zero-padded input: ``(N, C, H, W) -> (N, C*kh*kw, L)``."""

    def forward(
        ctx, x: Array, kernel_size: Pair = (1, 1), padding: Pad4 = NO_PAD,
        stride: Pair = (1, 1), dilation: Pair = (1, 1),
    ) -> Array:
        ctx.size = tuple(x.shape[2:])
        return ctx.backend.unfold(pad_plane(ctx.xp, x, padding), kernel_size, stride, dilation)

    def backward(ctx, g: Tensor) -> Tensor:
        return Fold.apply(g, output_size=ctx.size, **ctx.attrs)


class Fold(Function):
    """col2im, the adjoint of :class:`Unfold`: overlapping entries are summed."""

    def forward(
        ctx, cols: Array, output_size: Pair = (1, 1), kernel_size: Pair = (1, 1),
        padding: Pad4 = NO_PAD, stride: Pair = (1, 1), dilation: Pair = (1, 1),
    ) -> Array:
        size = padded_size(output_size, padding)
        full = ctx.backend.fold(cols, size, kernel_size, stride, dilation)
        return crop_plane(full, padding, output_size)

    def backward(ctx, g: Tensor) -> Tensor:
        attrs = {k: v for k, v in ctx.attrs.items() if k != "output_size"}
        return Unfold.apply(g, **attrs)


@op("unfold", Unfold, Fold, functional=True,
    samples=[S((2, 3, 4, 4), 2), S((1, 2, 5, 4), [2, 3], dilation=(1, 2), padding=1, stride=2)],
    reference=references.unfold)
def unfold(
    input: Tensor,
    kernel_size: IntOrPair,
    dilation: IntOrPair = 1,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
) -> Tensor:
    """Extract sliding windows (im2col), as ``torch.nn.functional.unfold``.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.
    kernel_size, dilation, padding, stride : int or pair of int
        Window geometry; padding is zeros.

    Returns
    -------
    Tensor
        ``(N, C * kh * kw, L)`` where ``L`` is the number of window positions; column ``l``
        holds window ``l`` (row-major over positions), channel-major then kernel row then
        kernel column. ``conv2d(x, w)`` equals ``w.reshape(O, -1) @ unfold(x, k)`` reshaped.

    Raises
    ------
    RuntimeError
        If the input is not 3-D/4-D or the window does not fit.
    ValueError
        For bad geometry values.

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C * kernel_size[0] * kernel_size[1], L)`` (or without ``N``), where
      ``L = H_blocks * W_blocks``, the number of window positions, with

      ``H_blocks = floor((H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
      / stride[0]) + 1``

      and ``W_blocks`` likewise with index 1 (an int argument stands for a pair).

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import unfold
    >>> unfold(minigrad.ones(2, 3, 4, 4), 2).shape
    minigrad.Size([2, 12, 9])
    """
    op = "unfold"
    x, batched = _batched(input, op, 2)
    check_nonempty(input.shape, 3, op)
    kernel = as_pair(kernel_size, "kernel_size", op)
    stride2 = as_pair(stride, "stride", op)
    dilation2 = as_pair(dilation, "dilation", op)
    ph, pw = as_pair(padding, "padding", op, minimum=0)
    pad: Pad4 = (ph, ph, pw, pw)
    check_fits(op, (x.shape[2], x.shape[3]), pad, kernel, stride2, dilation2)
    out = Unfold.apply(x, kernel_size=kernel, padding=pad, stride=stride2, dilation=dilation2)
    return out if batched else out.squeeze(0)


@op("fold", functional=True,
    samples=[S((2, 12, 9), 4, 2), S((1, 8, 9), [4, 5], [2, 2], padding=1, stride=2)],
    reference=references.fold)
def fold(
    input: Tensor,
    output_size: IntOrPair,
    kernel_size: IntOrPair,
    dilation: IntOrPair = 1,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
) -> Tensor:
    """Sum sliding-window columns back into images (col2im), as ``torch.nn.functional.fold``.

    The adjoint of :func:`unfold`: entries of overlapping windows are added, and the
    padding border is dropped.

    Parameters
    ----------
    input : Tensor
        ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``.
    output_size : int or pair of int
        ``(H, W)`` of the image to rebuild (without padding).
    kernel_size, dilation, padding, stride : int or pair of int
        The geometry :func:`unfold` used.

    Returns
    -------
    Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.

    Raises
    ------
    RuntimeError
        If the column count is not a multiple of ``kh * kw`` or ``L`` is not the number of
        window positions of ``output_size``.

    Shape
    -----
    - input: ``(N, C * kernel_size[0] * kernel_size[1], L)``, or without ``N``, where ``L``
      must be the number of window positions :func:`unfold` finds in an ``output_size``
      image: ``L = H_blocks * W_blocks`` with

      ``H_blocks = floor((output_size[0] + 2 * padding[0] - dilation[0] * (kernel_size[0]
      - 1) - 1) / stride[0]) + 1``

      and ``W_blocks`` likewise with index 1 (an int argument stands for a pair)
    - output: ``(N, C, output_size[0], output_size[1])`` (or without ``N``)

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import fold, unfold
    >>> x = minigrad.ones(1, 1, 3, 3)
    >>> fold(unfold(x, 2), 3, 2).tolist()  # each pixel counted once per window it is in
    [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    op = "fold"
    if input.ndim == 3:
        cols, batched = input, True
    elif input.ndim == 2:
        cols, batched = input.unsqueeze(0), False
    else:
        raise RuntimeError(
            f"{op}: expected a 2-D (unbatched) or 3-D (N, C*kh*kw, L) input, got shape "
            f"{input.shape}"
        )
    size = as_pair(output_size, "output_size", op)
    kernel = as_pair(kernel_size, "kernel_size", op)
    stride2 = as_pair(stride, "stride", op)
    dilation2 = as_pair(dilation, "dilation", op)
    ph, pw = as_pair(padding, "padding", op, minimum=0)
    pad: Pad4 = (ph, ph, pw, pw)
    oh, ow = check_fits(op, size, pad, kernel, stride2, dilation2)
    taps = kernel[0] * kernel[1]
    if cols.shape[1] % taps:
        raise RuntimeError(
            f"{op}: dimension 1 of the input ({cols.shape[1]}, shape {input.shape}) must be "
            f"divisible by kh*kw = {taps} (kernel {kernel})"
        )
    if cols.shape[2] != oh * ow:
        raise RuntimeError(
            f"{op}: the input has {cols.shape[2]} columns (shape {input.shape}) but "
            f"output_size {size} with kernel {kernel}, stride {stride2}, padding {(ph, pw)} "
            f"and dilation {dilation2} has {oh} x {ow} = {oh * ow} window positions"
        )
    out = Fold.apply(cols, output_size=size, kernel_size=kernel, padding=pad, stride=stride2,
                     dilation=dilation2)
    return out if batched else out.squeeze(0)
