"""Sampling a feature map at arbitrary points: ``affine_grid`` and ``grid_sample`` (the
spatial transformer network's two halves).

``affine_grid`` maps the regular grid of output pixel centres, in the normalised
coordinates ``[-1, 1]``, through a batch of affine matrices. ``grid_sample`` reads the
input at those points: each point's value is a weighted sum of the pixels around it
(1 for nearest, 2 per dimension for bilinear, 4 for bicubic). The neighbours' positions are
integers computed from the grid (no gradient); the weights are the fractional parts (and
their cubic polynomials), so the gradient flows to the grid through the weights and to the
input through a gather, whose gradient scatter-adds. All of it is made of existing ops:
differentiable to any order, and exported to ONNX as a ``GatherElements`` per neighbour.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from itertools import product
from typing import Any

import numpy

from minigrad import references
from minigrad.functional.arithmetic import where
from minigrad.functional.operands import constant
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor

_MODES = ("bilinear", "nearest", "bicubic")
_PADDING = ("zeros", "border", "reflection")
_CUBIC_A = -0.75


def _corners_default(align_corners: bool | None) -> bool:
    if align_corners is None:
        warnings.warn(
            "Default grid_sample and affine_grid behavior has changed to align_corners=False "
            "since 1.3.0. Please specify align_corners=True if the old behavior is desired. "
            "See the documentation of grid_sample for details.", UserWarning, stacklevel=3)
        return False
    return align_corners


# --- affine_grid ---------------------------------------------------------------------------------
def _steps(n: int, align_corners: bool) -> numpy.ndarray[Any, Any]:
    """The normalised coordinates of ``n`` pixel centres."""
    if n <= 1:
        return numpy.zeros(max(n, 1))
    steps = numpy.linspace(-1.0, 1.0, n)
    return steps if align_corners else steps * (n - 1) / n


def _np_affine_grid(theta: Any, size: Sequence[int], align_corners: bool | None = None) -> Any:
    spatial = list(size[2:])
    axes = [_steps(n, bool(align_corners)) for n in spatial]
    mesh = numpy.meshgrid(*axes, indexing="ij")  # (D,) H, W
    points = numpy.stack([*reversed(mesh), numpy.ones_like(mesh[0])], -1)  # x first
    return numpy.einsum("...k,njk->n...j", points, theta)


@op("affine_grid", functional=True,
    samples=[S((2, 2, 3), [2, 3, 4, 5], align_corners=False),
             S((1, 2, 3), [1, 1, 3, 3], align_corners=True),
             S((2, 3, 4), [2, 1, 2, 3, 4], align_corners=False),
             S((1, 2, 3), [1, 2, 1, 4], align_corners=False, transposed=True)],
    reference=_np_affine_grid)
def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None
                ) -> Tensor:
    """The sampling grid of a batch of affine transforms, for :func:`grid_sample`.

    Output pixel ``(i, j)`` has normalised coordinates ``(x_j, y_i, 1)`` (from -1 to 1
    across the image); the grid holds ``theta @ (x_j, y_i, 1)``, the point of the input
    it reads.

    Parameters
    ----------
    theta : Tensor
        ``(N, 2, 3)`` affine matrices for 2-D images, ``(N, 3, 4)`` for volumes.
    size : sequence of int
        The output's size ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
    align_corners : bool, optional
        ``True``: -1 and 1 are the centres of the corner pixels; ``False`` (the default,
        with PyTorch's warning when not given): their outer edges.

    Raises
    ------
    ValueError
        If ``theta`` is not floating or its shape does not fit ``size``, or ``size`` is
        not 4 or 5 values, or not positive.

    Shape
    -----
    - theta: ``(N, 2, 3)`` (or ``(N, 3, 4)``)
    - output: ``(N, H, W, 2)`` (or ``(N, D, H, W, 3)``), the last dimension ``(x, y[, z])``

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> identity = minigrad.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> F.affine_grid(identity, [1, 1, 2, 2], align_corners=True).tolist()[0][0]
    [[-1.0, -1.0], [1.0, -1.0]]
    """
    corners = _corners_default(align_corners)
    size = [int(s) for s in size]
    if theta.dtype.kind != "f":
        raise ValueError(f"affine_grid: expected theta to have floating point type, but got "
                         f"{theta.dtype}")
    if len(size) not in (4, 5):
        raise ValueError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                         f"transforms, respectively; got size {tuple(size)}")
    spatial = len(size) - 2
    expected = (size[0], spatial, spatial + 1)
    if theta.shape != expected:
        raise ValueError(
            f"affine_grid: expected a batch of {spatial}D affine matrices of shape "
            f"{expected[0]}x{expected[1]}x{expected[2]} for size {tuple(size)}, got "
            f"{theta.shape}"
        )
    if min(size) <= 0:
        raise ValueError(f"affine_grid: expected a non-zero, positive output size, got "
                         f"{tuple(size)}")
    if corners and min(size[2:]) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.", UserWarning, stacklevel=2)
    axes = [_steps(n, corners) for n in size[2:]]
    mesh = numpy.meshgrid(*axes, indexing="ij")
    points = numpy.stack([*reversed(mesh), numpy.ones_like(mesh[0])], -1)
    base = constant(theta, points.reshape(-1, spatial + 1))
    grid = base @ theta.transpose(1, 2)  # (N, pixels, spatial)
    return grid.reshape(size[0], *size[2:], spatial)


# --- grid_sample ---------------------------------------------------------------------------------
def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """From [-1, 1] to pixel coordinates."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(x: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Mirror ``x`` into ``[twice_low / 2, twice_high / 2]`` as often as needed."""
    if twice_low == twice_high:
        return x * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    distance = (x - low).abs()
    extra = distance % span
    flips = (distance / span).floor()
    return where(flips % 2 == 0, extra + low, span - extra + low)


def _bounded(x: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """The coordinate that padding mode reads for ``x`` (``zeros`` leaves it as it is)."""
    if padding_mode == "zeros":
        return x
    if padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
    return x.clamp(0, size - 1)


def _cubic_weights(t: Tensor) -> list[Tensor]:
    """Keys' cubic convolution weights of the taps at distances ``1 + t, t, 1 - t, 2 - t``."""
    a = _CUBIC_A

    def near(x: Tensor) -> Tensor:
        return ((x * (a + 2) - (a + 3)) * x * x) + 1

    def far(x: Tensor) -> Tensor:
        return ((x * a - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


Taps = list[tuple[Tensor, Tensor | None]]  # (position (float, integral), weight)


def _taps(x: Tensor, size: int, mode: str, padding_mode: str, align_corners: bool) -> Taps:
    """The input positions one coordinate reads, with their weights."""
    if mode == "bicubic":  # the taps are bounded one by one, the coordinate is not
        first = x.floor()
        weights = _cubic_weights(x - first)
        return [(_bounded(first + (k - 1), size, padding_mode, align_corners), weights[k])
                for k in range(4)]
    x = _bounded(x, size, padding_mode, align_corners)
    if mode == "nearest":
        return [(x.round(), None)]
    first = x.floor()
    t = x - first
    return [(first, 1 - t), (first + 1, t)]


def _np_grid_sample(x: Any, grid: Any, mode: str = "bilinear", padding_mode: str = "zeros",
                    align_corners: bool | None = None) -> Any:
    return references.grid_sample(x, grid, mode, padding_mode, bool(align_corners))


_GRID = Arg((2, 3, 4, 2), "unit")
# points outside the input, none within 0.02 pixel of a kink (a pixel centre, an edge or a
# fold of the reflection), where the derivative is not defined
_WIDE_GRID = Arg((1, 4, 3, 2), "values", values=[[
    [[-1.767, 0.376], [-0.639, -0.921], [0.97, 2.456]],
    [[2.428, 0.891], [1.717, -0.209], [-0.951, 0.221]],
    [[0.526, 2.148], [-0.476, 0.265], [-0.465, -1.808]],
    [[-2.389, -1.387], [0.56, 2.105], [-2.555, -0.212]]]])


@op("grid_sample", functional=True,
    samples=[S((2, 2, 5, 6), _GRID, align_corners=False),
             S((2, 1, 4, 4), _GRID, "nearest", align_corners=True, grad=False),
             S((1, 2, 4, 5), _WIDE_GRID, padding_mode="border", align_corners=False),
             S((1, 2, 4, 5), _WIDE_GRID, padding_mode="reflection", align_corners=True),
             S((1, 1, 5, 4), _WIDE_GRID, padding_mode="reflection", align_corners=False),
             S((2, 2, 5, 6), _GRID, "bicubic", align_corners=False),
             S((1, 1, 4, 5), _WIDE_GRID, "bicubic", "reflection", align_corners=True),
             S((1, 2, 3, 4, 3), Arg((1, 2, 3, 2, 3), "unit"), align_corners=False,
               transposed=True)],
    reference=_np_grid_sample)
def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Read ``input`` at the points of ``grid``, as ``torch.nn.functional.grid_sample``.

    ``grid[n, i, j]`` holds the normalised point ``(x, y)`` (``-1`` is the left/top edge,
    ``1`` the right/bottom) where output pixel ``(i, j)`` of sample ``n`` reads the input.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` (or ``(N, C, D, H, W)``).
    grid : Tensor
        ``(N, H_out, W_out, 2)`` (or ``(N, D_out, H_out, W_out, 3)``), last dimension
        ``(x, y[, z])``.
    mode : {"bilinear", "nearest", "bicubic"}
        How a point between pixels is read (``"bilinear"`` is trilinear for volumes;
        ``"bicubic"`` is for 4-D inputs only). ``"nearest"`` rounds half to even.
    padding_mode : {"zeros", "border", "reflection"}
        What points outside the input read: zeros, the nearest border pixel, or the input
        mirrored at its borders.
    align_corners : bool, optional
        As for :func:`affine_grid` (default ``False``, with PyTorch's warning when not
        given).

    Raises
    ------
    ValueError
        For an unknown mode or padding mode.
    RuntimeError
        If the shapes do not fit each other, or ``bicubic`` is asked of a volume.

    Shape
    -----
    - input: ``(N, C, H_in, W_in)`` (or ``(N, C, D_in, H_in, W_in)``)
    - grid: ``(N, H_out, W_out, 2)`` (or ``(N, D_out, H_out, W_out, 3)``)
    - output: ``(N, C, H_out, W_out)`` (or ``(N, C, D_out, H_out, W_out)``)

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> x = minigrad.arange(4.0).reshape(1, 1, 2, 2)
    >>> theta = minigrad.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> grid = F.affine_grid(theta, [1, 1, 2, 2], align_corners=False)
    >>> F.grid_sample(x, grid, align_corners=False).tolist()
    [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: {mode!r}")
    if padding_mode not in _PADDING:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: {padding_mode!r}")
    corners = _corners_default(align_corners)
    _check_shapes(input, grid, mode)
    n, channels, *sizes = input.shape
    spatial = len(sizes)
    out_shape = grid.shape[1:-1]
    points = grid.reshape(n, -1, spatial)  # (N, P, spatial), x (the last input dim) first
    per_dim = []  # taps of each input dimension, first to last
    for d, size in enumerate(sizes):
        coord = _unnormalize(points[:, :, spatial - 1 - d], size, corners)
        per_dim.append(_taps(coord, size, mode, padding_mode, corners))
    flat = input.reshape(n, channels, -1)
    strides = [math.prod(sizes[d + 1:]) for d in range(spatial)]
    total: Tensor | None = None
    for combo in product(*per_dim):
        inside: Tensor | None = None
        index: Tensor | None = None
        weight: Tensor | None = None
        for (position, w), size, stride in zip(combo, sizes, strides):
            fits = (position >= 0) & (position <= size - 1)
            inside = fits if inside is None else inside & fits
            part = position.clamp(0, size - 1).detach().long() * stride
            index = part if index is None else index + part
            if w is not None:
                weight = w if weight is None else weight * w
        assert inside is not None and index is not None
        picked = flat.gather(2, index.unsqueeze(1).expand(n, channels, index.shape[1]))
        picked = picked.where(inside.unsqueeze(1), 0.0)  # zeros outside (never inf * 0)
        term = picked if weight is None else picked * weight.unsqueeze(1)
        total = term if total is None else total + term
    assert total is not None
    return total.reshape(n, channels, *out_shape)


def _check_shapes(input: Tensor, grid: Tensor, mode: str) -> None:
    name = "grid_sampler()"
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"{name}: expected a 4-D or 5-D input and a grid with as many "
                           f"dimensions, but got input of shape {input.shape} and grid of "
                           f"shape {grid.shape}")
    spatial = input.ndim - 2
    if grid.shape[-1] != spatial:
        raise RuntimeError(f"{name}: expected grid to have size {spatial} in last dimension, "
                           f"but got grid of shape {grid.shape}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"{name}: expected grid and input to have same batch size, but got "
                           f"input of shape {input.shape} and grid of shape {grid.shape}")
    if min(input.shape[2:]) <= 0:
        raise RuntimeError(f"{name}: expected input to have non-empty spatial dimensions, "
                           f"but got input of shape {input.shape}")
    if mode == "bicubic" and spatial != 2:
        raise RuntimeError(f"{name}: bicubic interpolation only supports 4D input")
    if input.dtype.kind != "f" or grid.dtype != input.dtype:
        raise RuntimeError(f"{name}: expected input and grid to have the same floating dtype, "
                           f"but got {input.dtype} and {grid.dtype}")
