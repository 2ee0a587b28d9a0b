"""Convolution kernels (im2col, col2im and the three GEMM faces of conv2d), generic over
the array namespace ``xp``: every function takes it as its first argument and never imports
an array library itself.

Arrays are NCHW; weights are ``(O, C // groups, kh, kw)``; inputs are already padded, so
every kernel is a "valid" sliding window (:mod:`minigrad.backends.geometry` has the
arithmetic); outputs keep the input's dtype.
"""

from __future__ import annotations

from typing import Any

from minigrad.backends.geometry import output_size, taps
from minigrad.types import Array, Pair

__all__ = ["conv2d", "conv2d_grad_input", "conv2d_grad_weight", "fold", "unfold"]


def _im2col_cfirst(
    xp: Any, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair
) -> Array:
    """Patches in channel-first layout ``(C, kh, kw, N, oh, ow)``.

    With the batch folded into the columns, the weight gradient is one GEMM per
    group whose inner dimension ``N*oh*ow`` also performs the batch sum.
    """
    n, c, h, w = x.shape
    oh, ow = output_size((h, w), kernel_size, stride, dilation)
    kh, kw = kernel_size
    xt = x.transpose(1, 0, 2, 3)
    cols = xp.empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
    for i, j, rows, cs in taps(kernel_size, stride, dilation, (oh, ow)):
        cols[:, i, j] = xt[:, :, rows, cs]
    return cols


def _col2im_cfirst(
    xp: Any,
    cols: Array,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    dilation: Pair,
) -> Array:
    """Adjoint of :func:`_im2col_cfirst`; returns NCHW."""
    c, n, oh, ow = cols.shape[0], cols.shape[3], cols.shape[4], cols.shape[5]
    h, w = input_size
    out = xp.zeros((c, n, h, w), dtype=cols.dtype)
    for i, j, rows, cs in taps(kernel_size, stride, dilation, (oh, ow)):
        out[:, :, rows, cs] += cols[:, i, j]
    return out.transpose(1, 0, 2, 3)


# ---------------------------------------------------------------------------
# im2col / col2im
# ---------------------------------------------------------------------------


def unfold(xp: Any, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair) -> Array:
    """Extract sliding windows (im2col), like ``torch.nn.functional.unfold``.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    x : array, shape (N, C, H, W)
        Already padded input.
    kernel_size, stride, dilation : tuple of int
        ``(kh, kw)``, ``(sh, sw)``, ``(dh, dw)``.

    Returns
    -------
    array, shape (N, C*kh*kw, oh*ow)
        Rows ordered channel-major, then kernel row, then kernel column.
    """
    n, c, h, w = x.shape
    oh, ow = output_size((h, w), kernel_size, stride, dilation)
    kh, kw = kernel_size
    cols = xp.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i, j, rows, cs in taps(kernel_size, stride, dilation, (oh, ow)):
        cols[:, :, i, j] = x[:, :, rows, cs]
    return cols.reshape(n, c * kh * kw, oh * ow)


def fold(
    xp: Any,
    cols: Array,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    dilation: Pair,
) -> Array:
    """Sum sliding-window columns back into an image (col2im).

    This is the adjoint of :func:`unfold`: overlapping contributions are summed.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    cols : array, shape (N, C*kh*kw, oh*ow)
        Columns in :func:`unfold` layout.
    input_size : tuple of int
        ``(H, W)`` of the image to rebuild.
    kernel_size, stride, dilation : tuple of int
        Window geometry, as for :func:`unfold`.

    Returns
    -------
    array, shape (N, C, H, W)
    """
    oh, ow = output_size(input_size, kernel_size, stride, dilation)
    kh, kw = kernel_size
    n, rows_total, length = cols.shape
    if rows_total % (kh * kw) or length != oh * ow:
        raise ValueError(
            f"cols of shape {cols.shape} do not match kernel {kernel_size} "
            f"and output size {(oh, ow)}"
        )
    c = rows_total // (kh * kw)
    cols6 = cols.reshape(n, c, kh, kw, oh, ow)
    out = xp.zeros((n, c, input_size[0], input_size[1]), dtype=cols.dtype)
    for i, j, rows, cs in taps(kernel_size, stride, dilation, (oh, ow)):
        out[:, :, rows, cs] += cols6[:, :, i, j]
    return out


# ---------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------


def conv2d(
    xp: Any, x: Array, weight: Array, stride: Pair, dilation: Pair, groups: int
) -> Array:
    """2-D cross-correlation (PyTorch ``conv2d`` semantics, no bias).

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    x : array, shape (N, C, H, W)
        Already padded input.
    weight : array, shape (O, C // groups, kh, kw)
    stride, dilation : tuple of int
    groups : int
        Number of channel groups; ``C`` and ``O`` must be divisible by it.

    Returns
    -------
    array, shape (N, O, oh, ow)
    """
    n = x.shape[0]
    o, cg, kh, kw = weight.shape
    cols = unfold(xp, x, (kh, kw), stride, dilation)
    oh, ow = output_size(x.shape[2:], (kh, kw), stride, dilation)
    # (G, O/G, K) @ (N, G, K, L) -> (N, G, O/G, L) lands directly in NCHW order;
    # on OpenBLAS these per-sample GEMMs also beat one wide (K, N*L) GEMM for
    # LeNet-sized float32 layers.
    out = xp.matmul(
        weight.reshape(groups, o // groups, cg * kh * kw),
        cols.reshape(n, groups, cg * kh * kw, oh * ow),
    )
    return out.reshape(n, o, oh, ow)


def conv2d_grad_input(
    xp: Any,
    grad_out: Array,
    weight: Array,
    input_size: Pair,
    stride: Pair,
    dilation: Pair,
    groups: int,
) -> Array:
    """Gradient of :func:`conv2d` with respect to its input.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    grad_out : array, shape (N, O, oh, ow)
    weight : array, shape (O, C // groups, kh, kw)
    input_size : tuple of int
        ``(H, W)`` of the (padded) input.  Positions no window reaches get 0.
    stride, dilation : tuple of int
    groups : int

    Returns
    -------
    array, shape (N, C, H, W)
    """
    n, o, oh, ow = grad_out.shape
    _, cg, kh, kw = weight.shape
    k = cg * kh * kw
    w3 = weight.reshape(groups, o // groups, k)
    g3 = grad_out.transpose(1, 0, 2, 3).reshape(groups, o // groups, n * oh * ow)
    dcols = xp.matmul(w3.transpose(0, 2, 1), g3)
    dcols = dcols.reshape(cg * groups, kh, kw, n, oh, ow)
    out = _col2im_cfirst(xp, dcols, input_size, (kh, kw), stride, dilation)
    return xp.ascontiguousarray(out)


def conv2d_grad_weight(
    xp: Any,
    grad_out: Array,
    x: Array,
    kernel_size: Pair,
    stride: Pair,
    dilation: Pair,
    groups: int,
) -> Array:
    """Gradient of :func:`conv2d` with respect to its weight.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    grad_out : array, shape (N, O, oh, ow)
    x : array, shape (N, C, H, W)
        The (padded) input the forward pass saw.
    kernel_size, stride, dilation : tuple of int
    groups : int

    Returns
    -------
    array, shape (O, C // groups, kh, kw)
    """
    n, o, oh, ow = grad_out.shape
    c = x.shape[1]
    kh, kw = kernel_size
    k = (c // groups) * kh * kw
    cols = _im2col_cfirst(xp, x, kernel_size, stride, dilation)
    g3 = grad_out.transpose(1, 0, 2, 3).reshape(groups, o // groups, n * oh * ow)
    # (G, O/G, N*L) @ (G, N*L, K): the batch is summed inside the GEMM.
    dw = xp.matmul(g3, cols.reshape(groups, k, n * oh * ow).transpose(0, 2, 1))
    return dw.reshape(o, c // groups, kh, kw)
