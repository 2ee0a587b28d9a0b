"""Convolution algorithms behind the generic backend kernels, and the rule that picks one.

The three kernels have the signatures of :class:`minigrad.backends.Backend`'s conv methods,
with the array namespace ``xp`` first (NumPy or CuPy), and follow the conventions of
:mod:`minigrad.backends.base`: NCHW arrays, weights ``(O, C // groups, kh, kw)``, ``(h, w)``
pairs for stride and dilation, and zero ``padding`` as ``(top, bottom, left, right)``. The
input is never padded as a whole: each chunk of the batch is copied into the interior of a
zero-bordered buffer that every chunk reuses (:class:`~._chunks.Source`), and the input
gradient is cropped as it is written out.

Algorithms
----------
``"gemm"``: im2col + GEMM, every shape
    The batch is processed in chunks of about 1.5 MiB of im2col columns, so that a chunk's
    columns are still in the core's L2 cache when its GEMM reads them; the buffers are
    allocated once per call and reused by every chunk. For stride 1 the columns are *flat
    shifts*: in a plane flattened row by row, kernel tap ``(i, j)`` reads position
    ``p + i*W + j`` for output position ``p``, so each tap's columns are one contiguous
    slice, copied in one pass, and the GEMM computes ``W - ow`` extra positions per output
    row that are dropped when the result is written as NCHW. A 1x1 kernel uses the planes
    themselves. With a stride the columns are the strided windows (classic im2col). The
    weight gradient is one GEMM per sample against the same columns. The input gradient is
    ``weight^T @ grad_out`` followed by col2im (each tap's columns added into the part of
    the image it reads) or, for stride 1 with at least half as many input as output
    channels, the convolution of the zero-padded output gradient with the kernel rotated by
    180 degrees, which copies fewer columns.
``"winograd_4x4"``, ``"winograd_2x2"``: 3x3 kernels, stride 1, dilation 1, float32/64
    Winograd's minimal filtering F(m x m, 3 x 3): the output is cut into ``m x m`` tiles
    whose ``(m + 2)``-square input tiles are transformed (``V = BT d B``), as is the kernel
    (``U = G g G^T``), so that the convolution becomes ``(m + 2)**2`` independent GEMMs over
    channels, ``M = U V``, transformed back by ``Y = AT M A``: 4x (m = 4) or 2.25x (m = 2)
    fewer multiplications than im2col. Both gradients are the exact adjoints of this
    algorithm (the input gradient transforms the output gradient's tiles by ``A``, multiplies
    by ``U^T`` and sums the overlapping input tiles; the weight gradient is one GEMM per tile
    position with the batch summed inside it). The transforms come from their interpolation
    points (:func:`winograd_matrices`).

An FFT algorithm was measured too (NumPy's pocketfft on planes padded to 2-3-5-smooth sizes,
complex GEMMs over the channels per frequency): it lost to im2col + GEMM for 5x5, 7x7 and
11x11 kernels (by 1.4x to 2x) and won by about 10% only for 9x9 kernels on 64 channels, so
there is none.

Which algorithm runs
--------------------
:func:`select` decides per call and kernel, by a rule measured with
``benchmarks/bench_conv.py --algorithms`` (one BLAS thread, OpenBLAS on AVX-512): Winograd
F(4x4) for 3x3 stride-1 convolutions with at least :data:`WINOGRAD_MIN_CHANNELS` input and
output channels per group (32 for the forward pass and the input gradient, 16 for the weight
gradient), at least :data:`WINOGRAD_MIN_POSITIONS` output positions in the batch and an
output of at least 4 x 4 (there it was 1.1x to 2.6x faster than im2col + GEMM); im2col +
GEMM everywhere else, where the tile transforms and the kernel's transform cost more than
the multiplications they save. F(2x2) was slower than F(4x4) on every measured shape and is
only used when forced. :func:`use_algorithm` forces an algorithm for a block of code; where
it does not apply (a 5x5 kernel under Winograd) the kernels fall back to ``"gemm"``.

Non-finite values
-----------------
A NaN or infinity must reach only the outputs whose windows hold it, as in PyTorch. The
Winograd transforms mix every element of a tile (and turn an infinity into NaN, as
``inf - inf``), and the rotated-kernel input gradient multiplies the kernel by the zeros
padded around the output gradient (``0 * inf``), as do the discarded positions of the
flat-shift columns in the gradients' GEMMs. So when an operand holds a non-finite value the
kernels use im2col + GEMM with strided-window columns (and col2im) instead; checking costs
one pass over the operands (the weight, or the input for the weight gradient).

Accuracy
--------
``"gemm"`` rounds like any float32 GEMM. Winograd's transforms add rounding: against a
float64 reference, float32 results stay within ``1e-5`` (F(2x2)) and ``1e-4`` (F(4x4)) of
the largest output magnitude, measured up to 256 input channels; in float64 every algorithm
agrees with the reference to ``1e-10``.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from typing import Any

import numpy

from minigrad.backends.convolution import _gemm, _winograd
from minigrad.backends.convolution._chunks import NO_PAD, Array, Pad4, Pair, Source
from minigrad.backends.convolution._winograd import winograd_matrices

__all__ = [
    "ALGORITHMS",
    "Workspace",
    "KERNELS",
    "WINOGRAD_MIN_CHANNELS",
    "WINOGRAD_MIN_POSITIONS",
    "applies",
    "conv2d",
    "conv2d_grad_input",
    "conv2d_grad_weight",
    "select",
    "use_algorithm",
    "winograd_matrices",
]

ALGORITHMS = ("gemm", "winograd_2x2", "winograd_4x4")
"""The algorithms, by the names :func:`use_algorithm` and :func:`select` use."""

KERNELS = ("forward", "grad_input", "grad_weight")

WINOGRAD_MIN_CHANNELS = {"forward": 32, "grad_input": 32, "grad_weight": 16}
"""Per kernel, the channels (both ``C / groups`` and ``O / groups``) from which
:func:`select` picks Winograd: with fewer, the tile transforms outweigh the GEMMs they
shrink. The weight gradient's threshold is lower because its im2col GEMM is the least
efficient of the three."""

WINOGRAD_MIN_POSITIONS = 512
"""Output positions (``N * oh * ow``) from which :func:`select` picks Winograd: below, the
kernel's transform and the per-call setup are not paid back."""

# The stride-1 input gradient as a convolution copies O*kh*kw columns per position; as GEMM
# then col2im it adds C*kh*kw: with this many times fewer input than output channels, col2im.
_FEW_INPUT_CHANNELS = 2

_forced: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "minigrad_conv_algorithm", default=None
)


# --- choosing ---------------------------------------------------------------------------
@contextlib.contextmanager
def use_algorithm(name: str | None) -> Iterator[None]:
    """Run every convolution kernel inside the block with algorithm ``name``.

    Where the algorithm does not apply (see :func:`applies`) the kernel falls back to
    ``"gemm"``. ``None`` restores automatic selection inside an outer forcing block. The
    setting is per thread (and per asyncio task).

    Parameters
    ----------
    name : str or None
        One of :data:`ALGORITHMS`.

    Raises
    ------
    ValueError
        If ``name`` is not a known algorithm.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> from minigrad.backends import convolution
    >>> x, w = minigrad.randn(1, 4, 8, 8), minigrad.randn(4, 4, 3, 3)
    >>> with convolution.use_algorithm("winograd_2x2"):
    ...     y = F.conv2d(x, w, padding=1)
    >>> y.shape
    minigrad.Size([1, 4, 8, 8])
    """
    if name is not None and name not in ALGORITHMS:
        raise ValueError(
            f"use_algorithm: unknown convolution algorithm {name!r}; expected one of "
            f"{ALGORITHMS} or None"
        )
    token = _forced.set(name)
    try:
        yield
    finally:
        _forced.reset(token)


def applies(algorithm: str, kernel_size: Sequence[int], stride: Sequence[int],
            dilation: Sequence[int], dtype: Any) -> bool:
    """Whether ``algorithm`` can compute a convolution of this geometry and dtype.

    ``"gemm"`` computes everything; Winograd needs a 3x3 kernel, stride 1, dilation 1 and
    a float32 or float64 dtype (in half precision its transforms lose too many digits).

    Raises
    ------
    ValueError
        If ``algorithm`` is not one of :data:`ALGORITHMS`.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"applies: unknown convolution algorithm {algorithm!r}; expected "
                         f"one of {ALGORITHMS}")
    if algorithm == "gemm":
        return True
    return (
        tuple(kernel_size) == (3, 3)
        and tuple(stride) == (1, 1)
        and tuple(dilation) == (1, 1)
        and numpy.dtype(dtype) in (numpy.float32, numpy.float64)
    )


def select(
    kernel: str, x_shape: Sequence[int], weight_shape: Sequence[int], stride: Sequence[int],
    dilation: Sequence[int], groups: int, dtype: Any,
) -> str:
    """The algorithm the conv kernels use for this call: the forced one if it applies,
    else the measured rule described in the module docstring.

    Parameters
    ----------
    kernel : {"forward", "grad_input", "grad_weight"}
        Which of the three kernels asks; each has its own thresholds.
    x_shape : sequence of int
        ``(N, C, H, W)`` of the padded input of the forward convolution.
    weight_shape : sequence of int
        ``(O, C // groups, kh, kw)``.
    stride, dilation : pair of int
    groups : int
    dtype : dtype

    Returns
    -------
    str
        One of :data:`ALGORITHMS`.

    Examples
    --------
    >>> from minigrad.backends import convolution
    >>> convolution.select("forward", (32, 64, 34, 34), (64, 64, 3, 3), (1, 1), (1, 1), 1,
    ...                    "float32")
    'winograd_4x4'
    >>> convolution.select("forward", (32, 3, 34, 34), (64, 3, 3, 3), (1, 1), (1, 1), 1,
    ...                    "float32")
    'gemm'
    """
    if kernel not in KERNELS:
        raise ValueError(f"select: kernel must be one of {KERNELS}, got {kernel!r}")
    kernel_size = (int(weight_shape[2]), int(weight_shape[3]))
    forced = _forced.get()
    if forced is not None:
        return forced if applies(forced, kernel_size, stride, dilation, dtype) else "gemm"
    if not applies("winograd_4x4", kernel_size, stride, dilation, dtype):
        return "gemm"
    out_h, out_w = x_shape[2] - 2, x_shape[3] - 2
    channels = min(weight_shape[1], weight_shape[0] // groups)
    if (
        channels >= WINOGRAD_MIN_CHANNELS[kernel]
        and x_shape[0] * out_h * out_w >= WINOGRAD_MIN_POSITIONS
        and min(out_h, out_w) >= 4
    ):
        return "winograd_4x4"
    return "gemm"


# --- the three kernels ------------------------------------------------------------------
class Workspace(dict[str, Any]):
    """What the kernels of one convolution hand on from one call to the next: the forward
    pass's Winograd transform of the input, which the weight gradient reuses, and the
    input gradient's transform of the output gradient, which the weight gradient of the
    same backward reuses (and removes). The node of the convolution owns it and drops it
    when its saved tensors are freed; a backend may leave it empty."""


def conv2d(xp: Any, x: Array, weight: Array, stride: Pair, dilation: Pair, groups: int,
           padding: Pad4 = NO_PAD, workspace: Workspace | None = None) -> Array:
    """Cross-correlation of ``x (N, C, H, W)``, zero-padded by ``padding``, with ``weight
    (O, C/groups, kh, kw)``.

    Same contract as :meth:`minigrad.backends.Backend.conv2d`, with the array namespace
    first: returns a new ``(N, O, oh, ow)`` array. With a ``workspace``, what the weight
    gradient can reuse is kept in it.

    Raises
    ------
    ValueError
        If the channels do not match the weight and ``groups``, or the kernel does not
        fit in the padded input.
    """
    _check_groups(x.shape[1], weight.shape, groups, "conv2d")
    source = Source(xp, x, _pad4(padding))
    algorithm = select("forward", source.shape, weight.shape, stride, dilation, groups,
                       x.dtype)
    if algorithm != "gemm" and _finite(xp, x, weight):
        return _winograd.forward(xp, source, weight, groups, _tile(algorithm), workspace)
    return _gemm.forward(xp, source, weight, stride, dilation, groups)


def conv2d_grad_input(
    xp: Any, grad_out: Array, weight: Array, input_size: Pair, stride: Pair, dilation: Pair,
    groups: int, padding: Pad4 = NO_PAD, workspace: Workspace | None = None,
) -> Array:
    """Gradient of :func:`conv2d` with respect to its input of size ``input_size``
    (before ``padding``).

    Returns a new ``(N, C, H, W)`` array; positions no window reads get 0. With a
    ``workspace``, what the weight gradient of the same ``grad_out`` can reuse is kept
    in it.

    Raises
    ------
    ValueError
        If ``grad_out`` does not fit the input size, weight and ``groups``.
    """
    o = grad_out.shape[1]
    cg = weight.shape[1]
    _check_groups(cg * groups, weight.shape, groups, "conv2d_grad_input")
    if o != weight.shape[0]:
        raise ValueError(f"conv2d_grad_input: grad_out has {o} channels but the weight "
                         f"{tuple(weight.shape)} has {weight.shape[0]} output channels")
    pad = _pad4(padding)
    padded = (input_size[0] + pad[0] + pad[1], input_size[1] + pad[2] + pad[3])
    x_shape = (grad_out.shape[0], cg * groups, *padded)
    algorithm = select("grad_input", x_shape, weight.shape, stride, dilation, groups,
                       grad_out.dtype)
    if algorithm != "gemm" and _finite(xp, grad_out, weight):
        return _winograd.grad_input(xp, grad_out, weight, input_size, groups,
                                    _tile(algorithm), pad, workspace)
    finite = _finite(xp, weight)
    if tuple(stride) == (1, 1) and cg * _FEW_INPUT_CHANNELS > o // groups and finite:
        return _gemm.grad_input_flipped(xp, grad_out, weight, input_size, dilation, groups,
                                        pad)
    return _gemm.grad_input_col2im(xp, grad_out, weight, input_size, stride, dilation, groups,
                                   pad, windows=not finite)


def conv2d_grad_weight(
    xp: Any, grad_out: Array, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair,
    groups: int, padding: Pad4 = NO_PAD, workspace: Workspace | None = None,
) -> Array:
    """Gradient of :func:`conv2d` with respect to its weight: ``(O, C/groups, kh, kw)``.

    ``x`` is the input of the forward pass (before ``padding``); rows and columns past the
    last window are ignored. What the forward pass and the input gradient kept in the
    ``workspace`` is used (the input gradient's part is removed from it).

    Raises
    ------
    ValueError
        If ``groups`` does not divide the channels or the padded ``x`` is too small for
        ``grad_out``.
    """
    o, oh, ow = grad_out.shape[1:]
    c = x.shape[1]
    weight_shape = (o, c // groups, *kernel_size)
    _check_groups(c, weight_shape, groups, "conv2d_grad_weight")
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    reach = ((oh - 1) * sh + dh * (kh - 1) + 1, (ow - 1) * sw + dw * (kw - 1) + 1)
    top, bottom, left, right = _pad4(padding)
    h, w = x.shape[2:]
    if top + h + bottom < reach[0] or left + w + right < reach[1]:
        raise ValueError(
            f"conv2d_grad_weight: grad_out of spatial size {(oh, ow)} needs an input of at "
            f"least {reach}, got {(top + h + bottom, left + w + right)}"
        )
    # only the rows and columns some window reads: x and its padding cut at the reach
    top, left = min(top, reach[0]), min(left, reach[1])
    rows, columns = min(h, reach[0] - top), min(w, reach[1] - left)
    x = x[:, :, :rows, :columns]
    source = Source(xp, x, (top, reach[0] - top - rows, left, reach[1] - left - columns))
    algorithm = select("grad_weight", source.shape, weight_shape, stride, dilation, groups,
                       x.dtype)
    kept = None
    if workspace is not None:
        kept = {"input": workspace.get("input"), "grad": workspace.pop("grad", None)}
    finite = _finite(xp, x)
    if algorithm != "gemm" and finite and _finite(xp, grad_out):
        return _winograd.grad_weight(xp, grad_out, source, groups, _tile(algorithm), kept)
    return _gemm.grad_weight(xp, grad_out, source, kernel_size, stride, dilation, groups,
                             windows=not finite)


def _finite(xp: Any, *arrays: Array) -> bool:
    """Whether every element of ``arrays`` is finite (see "Non-finite values" above)."""
    return all(bool(xp.isfinite(a).all()) for a in arrays)


def _check_groups(channels: int, weight_shape: Sequence[int], groups: int, op: str) -> None:
    o, per_group = weight_shape[:2]
    if groups < 1 or channels != per_group * groups or o % groups:
        raise ValueError(
            f"{op}: groups={groups} needs in_channels = weight.shape[1] * groups and "
            f"out_channels divisible by groups; got in_channels={channels}, "
            f"weight.shape={tuple(weight_shape)}"
        )


def _pad4(padding: Any) -> Pad4:
    top, bottom, left, right = (int(p) for p in padding)
    if min(top, bottom, left, right) < 0:
        raise ValueError(f"convolution padding must be non-negative, got {tuple(padding)}")
    return (top, bottom, left, right)


def _tile(algorithm: str) -> int:
    return 2 if algorithm == "winograd_2x2" else 4
