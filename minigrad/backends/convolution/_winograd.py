"""Winograd's minimal filtering F(m x m, 3 x 3) for 3x3, stride-1 convolutions.

The output plane is cut into ``m x m`` tiles; each reads a ``t x t`` input tile
(``t = m + 2``, overlapping its neighbours by two rows and columns). With the transforms of
:func:`winograd_matrices`, tile and kernel become ``V = BT d B`` and ``U = G g G^T``, and
the output tile is ``AT (sum over channels of U * V) A``: for each of the ``t * t`` tile
positions, one GEMM over channels. That is ``t*t / (m*m)`` multiplications per output
instead of 9 (2.25x fewer for m = 2, 4x for m = 4). The transforms are small matrix
products too (Kronecker products ``KB = BT (x) BT`` and ``KA = AT (x) AT`` applied to
flattened tiles). Both gradients are the exact adjoints of the forward algorithm.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy

from minigrad.backends.convolution._chunks import (
    NO_PAD,
    Array,
    Pad4,
    Pair,
    Scratch,
    Source,
    batch_chunk,
    out_size,
    pooled,
    prod,
)

__all__ = ["POINTS", "Kept", "forward", "grad_input", "grad_weight", "winograd_matrices"]

POINTS = {2: (0.0, 1.0, -1.0), 4: (0.0, 1.0, -1.0, 2.0, -2.0)}
"""Interpolation points of F(2x2, 3x3) and F(4x4, 3x3), the standard choices that keep the
transforms' entries small."""


def winograd_matrices(
    m: int, r: int, points: Sequence[float]
) -> tuple[numpy.ndarray[Any, Any], numpy.ndarray[Any, Any], numpy.ndarray[Any, Any]]:
    """The transforms ``(AT, G, BT)`` of Winograd's minimal filtering F(m, r).

    For a signal ``d`` of ``n = m + r - 1`` samples and a filter ``g`` of ``r`` taps, the
    ``m`` outputs of the correlation ``y_i = sum_j g_j d_(i+j)`` are
    ``AT @ ((G @ g) * (BT @ d))``, and in two dimensions ``AT (G g G^T * BT d B) A``.
    The construction is Toom-Cook's: the linear convolution of two polynomials is
    evaluated at ``n - 1`` finite points and at infinity, and recovered by Lagrange
    interpolation; correlation is its transpose. Row ``k`` of ``BT`` holds the
    coefficients of ``prod_(l != k) (x - a_l)``, and the Lagrange denominators are moved
    into ``G``, so ``BT`` and ``AT`` have small integer entries for integer points.

    Parameters
    ----------
    m : int
        Outputs per tile.
    r : int
        Filter taps.
    points : sequence of float
        ``m + r - 2`` distinct finite interpolation points (the last point is infinity).

    Returns
    -------
    AT : ndarray, shape (m, n)
    G : ndarray, shape (n, r)
    BT : ndarray, shape (n, n)
        float64 arrays.

    Examples
    --------
    >>> import numpy
    >>> from minigrad.backends.convolution import winograd_matrices
    >>> AT, G, BT = winograd_matrices(2, 3, (0, 1, -1))
    >>> d, g = numpy.array([1.0, 2, 3, 4]), numpy.array([1.0, 0, -1])
    >>> AT @ ((G @ g) * (BT @ d))
    array([-2., -2.])
    """
    n = m + r - 1
    a = numpy.asarray(points, dtype=numpy.float64)
    if a.shape != (n - 1,) or len(set(a.tolist())) != n - 1:
        raise ValueError(
            f"winograd_matrices: F({m}, {r}) needs {n - 1} distinct points, got {points!r}"
        )
    at = numpy.zeros((m, n))
    at[:, : n - 1] = a[None, :] ** numpy.arange(m)[:, None]
    at[m - 1, n - 1] = 1.0
    g = numpy.zeros((n, r))
    bt = numpy.zeros((n, n))
    for k in range(n - 1):
        others = numpy.delete(a, k)
        g[k] = a[k] ** numpy.arange(r) / numpy.prod(a[k] - others)
        bt[k, : n - 1] = numpy.polynomial.polynomial.polyfromroots(others)
    g[n - 1, r - 1] = 1.0
    bt[n - 1] = numpy.polynomial.polynomial.polyfromroots(a)
    return at, g, bt


@functools.cache
def _kron_transforms(tile: int) -> tuple[numpy.ndarray[Any, Any], ...]:
    """``(KA, KG, KB)``, the two-dimensional transforms of F(tile x tile, 3 x 3) as
    Kronecker products acting on row-major flattened tiles: ``KA (m*m, t*t)`` for the
    outputs, ``KG (t*t, 9)`` for the kernel, ``KB (t*t, t*t)`` for the input tiles."""
    at, g, bt = winograd_matrices(tile, 3, POINTS[tile])
    return numpy.kron(at, at), numpy.kron(g, g), numpy.kron(bt, bt)


def _as_rows(xp: Any, a: Array, row: int, shape: tuple[int, ...], strides: tuple[int, ...]
             ) -> Array | None:
    """A view of ``a`` whose elements are runs of ``row`` consecutive values, or ``None``
    where the namespace cannot do that (only NumPy can).

    Copying tiles row by row as opaque ``row * itemsize``-byte elements moves the same
    bytes in a few times fewer inner-loop steps than copying single values, which is what
    limits NumPy on these short, strided runs.
    """
    if xp is not numpy:
        return None
    return numpy.ndarray(shape, dtype=numpy.dtype((numpy.void, row * a.itemsize)), buffer=a,
                         strides=strides)


def _winograd_weights(xp: Any, weight: Array, kg: numpy.ndarray[Any, Any], groups: int) -> Array:
    """``G w G^T`` for every (out, in) channel pair: ``(t*t, groups, O/g, C/g)``."""
    o, cg = weight.shape[:2]
    u = xp.asarray(kg, dtype=weight.dtype) @ weight.reshape(o * cg, 9).T
    return u.reshape(kg.shape[0], groups, o // groups, cg)


def _gather_tiles(xp: Any, block: Array, tile: int, tiles_hw: Pair, out: Array) -> None:
    """Copy the overlapping ``t x t`` input tiles of ``block (m, C, H, W)`` into ``out
    (C, m, th, tw, t, t)``; tile ``(ty, tx)`` starts at row ``tile*ty``, column ``tile*tx``."""
    s = block.strides
    (th, tw), t = tiles_hw, tile + 2
    c, m = block.shape[1], block.shape[0]
    head = (c, m, th, tw, t)
    head_strides = (s[1], s[0], tile * s[2], tile * s[3], s[2])
    rows = _as_rows(xp, block, t, head, head_strides)
    if rows is not None:
        numpy.copyto(out.view(rows.dtype).reshape(head), rows)
        return
    out[...] = xp.lib.stride_tricks.as_strided(
        block, shape=(*head, t), strides=(*head_strides, s[3])
    )


class _Winograd:
    """Geometry, transforms and scratch of one Winograd call, applied chunk by chunk.

    The output plane ``(oh, ow)`` is covered by ``th x tw`` tiles of ``m x m`` outputs,
    each reading a ``t x t`` input tile (``t = m + 2``); a chunk of ``b`` samples has
    ``P = b * th * tw`` tiles per channel. Per chunk the scratch holds the input tiles
    ``(C, P, t*t)``, their transform ``(t*t, C, P)``, the per-position products
    ``(t*t, O, P)`` and the output tiles ``(O, P, m*m)``.
    """

    def __init__(self, xp: Any, batch: int, in_channels: int, out_channels: int,
                 out_hw: Pair, tile: int, dtype: Any) -> None:
        self.xp, self.tile, self.t2, self.dtype = xp, tile, (tile + 2) ** 2, dtype
        self.oh, self.ow = out_hw
        self.th, self.tw = -(-self.oh // tile), -(-self.ow // tile)
        self.plane = (self.th * tile + 2, self.tw * tile + 2)  # input rows/columns read
        ka, self.kg, kb = _kron_transforms(tile)
        self.ka = xp.asarray(ka, dtype=dtype)
        self.kb = xp.asarray(kb, dtype=dtype)
        tiles = self.th * self.tw
        per_sample = self.t2 * max(in_channels, out_channels) * tiles
        self.batch = batch
        self.size = batch_chunk(batch, per_sample * numpy.dtype(dtype).itemsize)
        self.scratch = Scratch(xp, dtype)
        self.scratch.reserve("tiles", (in_channels, self.size * tiles, self.t2))
        self.scratch.reserve("transformed", (self.t2, in_channels, self.size * tiles))
        self.scratch.reserve("products", (self.t2, out_channels, self.size * tiles))
        self.scratch.reserve("outputs", (out_channels, self.size * tiles, tile * tile))
        self.whole = (self.oh, self.ow) == (self.th * tile, self.tw * tile)
        self._input_plane: Array = None
        self.spread: Array = None
        if not self.whole:
            shape = (self.size, out_channels, self.th * tile, self.tw * tile)
            self.spread = pooled(xp, dtype, "spread", prod(shape), zero=True).reshape(shape)

    def chunks(self) -> Iterator[tuple[int, int]]:
        for start in range(0, self.batch, self.size):
            yield start, min(self.batch, start + self.size)

    def extend(self, source: Source) -> Source:
        """``source`` with zero rows and columns added up to whole tiles."""
        h, w = source.shape[2:]
        if (h, w) == self.plane:
            return source
        return source.extended(self.plane[0] - h, self.plane[1] - w)

    def _tiles(self, channels: int, m: int) -> Array:
        return self.scratch.view("tiles", (channels, m * self.th * self.tw, self.t2))

    def transformed_input(self, source: Source, start: int, stop: int,
                          keep: list[Array] | None = None) -> Array:
        """``V = BT d B`` for every input tile of samples ``start:stop``: ``(t*t, C, P)``;
        with ``keep``, in a new array appended to it (for the weight gradient)."""
        block = source.chunk(start, stop, self.size)
        c, m = block.shape[1], stop - start
        d = self._tiles(c, m)
        _gather_tiles(self.xp, block, self.tile, (self.th, self.tw),
                      d.reshape(c, m, self.th, self.tw, self.tile + 2, self.tile + 2))
        shape = (self.t2, c, d.shape[1])
        v = self.scratch.view("transformed", shape) if keep is None else self.xp.empty(
            shape, dtype=self.dtype)
        self.xp.matmul(self.kb, d.reshape(-1, self.t2).T, out=v.reshape(self.t2, -1))
        if keep is not None:
            keep.append(v)
        return v

    def scatter_input_grad(self, dv: Array, target: Array, pad: Pad4 = NO_PAD) -> None:
        """The adjoint of :meth:`transformed_input`: ``d = B dV BT`` per tile, the
        overlapping tiles summed into ``target (m, C, H, W)``, the input of the forward
        pass before ``pad``; positions no window reaches are left as they are (zero
        them first)."""
        c, m = dv.shape[1], target.shape[0]
        d = self._tiles(c, m)
        self.xp.matmul(dv.reshape(self.t2, -1).T, self.kb, out=d.reshape(-1, self.t2))
        t = self.tile + 2
        d6 = d.reshape(c, m, self.th, self.tw, t, t)
        # Tiles past the output read input positions no window reaches; their exact
        # gradient is zero but the transforms leave rounding there, so only the reached
        # rows and columns are copied out (and of them, only those inside the padding).
        reach = (self.oh + 2, self.ow + 2)
        plane = target
        if pad != NO_PAD or tuple(target.shape[2:]) != self.plane or reach != self.plane:
            plane = self.spread_input(c, m)
        _overlap_add(self.xp, d6, plane, self.tile)
        if plane is not target:
            top, left = min(pad[0], reach[0]), min(pad[2], reach[1])
            rows = min(target.shape[2], reach[0] - top)
            columns = min(target.shape[3], reach[1] - left)
            target[:, :, :rows, :columns] = plane[:, :, top : top + rows,
                                                  left : left + columns]

    def spread_input(self, channels: int, m: int) -> Array:
        """A ``(m, C, *plane)`` buffer for the input gradient when the tiles do not cover
        the input exactly (every position is written by :func:`_overlap_add`)."""
        if self._input_plane is None:
            shape = (self.size, channels, *self.plane)
            self._input_plane = pooled(self.xp, self.dtype, "input_plane",
                                       prod(shape)).reshape(shape)
        return self._input_plane[:m]

    def products(self, channels: int, p: int) -> Array:
        return self.scratch.view("products", (self.t2, channels, p))

    def scatter_outputs(self, products: Array, out: Array) -> None:
        """``Y = AT M A`` for every tile, written into ``out (m, O, oh, ow)``."""
        m, o = out.shape[:2]
        tile, th, tw = self.tile, self.th, self.tw
        y = self.scratch.view("outputs", (o, m, th, tw, tile * tile))
        self.xp.matmul(products.reshape(self.t2, -1).T, self.ka.T,
                       out=y.reshape(-1, tile * tile))
        target = out if self.spread is None else self.spread[:m]
        _move_tiles(self.xp, y, target, tile, to_image=True)
        if self.spread is not None:
            out[...] = target[:, :, : self.oh, : self.ow]

    def gathered_grad(self, grad_out: Array, keep: list[Array] | None = None) -> Array:
        """``A dY AT`` for every output tile of ``grad_out (m, O, oh, ow)``: ``(t*t, O, P)``,
        the adjoint of :meth:`scatter_outputs`; with ``keep``, in a new array appended to
        it (for the weight gradient)."""
        m, o = grad_out.shape[:2]
        tile, th, tw = self.tile, self.th, self.tw
        if self.spread is not None:
            self.spread[:m, :, : self.oh, : self.ow] = grad_out
            grad_out = self.spread[:m]
        else:
            grad_out = self.xp.ascontiguousarray(grad_out)
        dy = self.scratch.view("outputs", (o, m, th, tw, tile * tile))
        _move_tiles(self.xp, dy, grad_out, tile, to_image=False)
        dm = self.products(o, m * th * tw) if keep is None else self.xp.empty(
            (self.t2, o, m * th * tw), dtype=self.dtype)
        self.xp.matmul(self.ka.T, dy.reshape(-1, tile * tile).T, out=dm.reshape(self.t2, -1))
        if keep is not None:
            keep.append(dm)
        return dm


def _overlap_add(xp: Any, tiles: Array, plane: Array, tile: int) -> None:
    """``plane[:, :, tile*ty + a, tile*tx + b] = sum of tiles[:, :, ty, tx, a, b]`` for
    contiguous tiles ``(C, m, th, tw, t, t)`` that overlap their neighbours by two rows and
    columns; ``plane`` is a contiguous ``(m, C, tile*th + 2, tile*tw + 2)``, overwritten."""
    c, m, th = tiles.shape[:3]
    height = th * tile
    plane[:, :, height:] = 0
    # rows a < tile of every tile land on distinct plane rows
    _overlap_add_rows(xp, tiles, 0, plane, tile)
    # rows a >= tile fall on the first two rows of the next tile row: sum them apart
    shape = (m, c, th * 2, plane.shape[3])
    tail = pooled(xp, plane.dtype, "overlap_tail", prod(shape)).reshape(shape)
    _overlap_add_rows(xp, tiles, tile, tail, 2)
    tail = tail.reshape(m, c, th, 2, plane.shape[3])
    for r in range(2):
        plane[:, :, tile + r : height + r + 1 : tile] += tail[:, :, :, r]


def _overlap_add_rows(xp: Any, tiles: Array, first: int, rows: Array, count: int) -> None:
    """One-dimensional overlap-add along the width. Rows ``first : first + count`` of the
    tiles ``(C, m, th, tw, t, t)`` are written to ``rows (m, C, H, W)``, row ``first + a``
    of tile ``(ty, tx)`` at row ``count*ty + a``, column ``tile*tx``; the two columns a
    tile shares with the next one are summed. Columns past the tiles are set to zero."""
    c, m, th, tw, t = tiles.shape[:5]
    tile = t - 2
    rows[:, :, : th * count, tile * tw :] = 0
    s, ts = rows.strides, tiles.strides
    # (m, C, ty, a, tx): where each tile row starts, in the rows and in the tiles
    shape = (m, c, th, count, tw)
    target_strides = (s[0], s[1], count * s[2], s[2], tile * s[3])
    source_strides = (ts[1], ts[0], ts[2], ts[4], ts[3])
    origin = first * ts[4]
    pair = {4: numpy.complex64, 8: numpy.complex128}.get(rows.itemsize)
    cores = _as_rows(xp, rows, tile, shape, target_strides)
    if cores is not None and pair is not None:
        numpy.copyto(cores, numpy.ndarray(shape, dtype=cores.dtype, buffer=tiles,
                                          offset=origin, strides=source_strides))
        # the two shared columns read as one complex number: one add sums both
        edge = numpy.ndarray(shape, dtype=pair, buffer=rows, offset=tile * s[3],
                             strides=target_strides)
        edge += numpy.ndarray(shape, dtype=pair, buffer=tiles, offset=origin + tile * ts[5],
                              strides=source_strides)
        return
    view = xp.lib.stride_tricks.as_strided
    part = tiles[:, :, :, :, first : first + count].transpose(1, 0, 2, 4, 3, 5)
    core = view(rows, shape=(*shape, tile), strides=(*target_strides, s[3]))
    core[...] = part[..., :tile]
    edge = view(rows[:, :, :, tile:], shape=(*shape, 2), strides=(*target_strides, s[3]))
    edge += part[..., tile:]


def _move_tiles(xp: Any, tiles: Array, image: Array, tile: int, to_image: bool) -> None:
    """Copy between output tiles ``(O, m, th, tw, tile*tile)`` and the whole-tile image
    ``(m, O, th*tile, tw*tile)``, in the direction ``to_image`` says."""
    o, m, th, tw = tiles.shape[:4]
    s = image.strides
    # (m, O, ty, i, tx) with tile rows of `tile` values as single elements
    shape, strides = (m, o, th, tile, tw), (s[0], s[1], tile * s[2], s[2], tile * s[3])
    image_rows = _as_rows(xp, image, tile, shape, strides)
    if image_rows is not None:
        tile_rows = tiles.view(image_rows.dtype).reshape(o, m, th, tw, tile)
        if to_image:
            numpy.copyto(image_rows, tile_rows.transpose(1, 0, 2, 4, 3))
        else:
            numpy.copyto(tile_rows, image_rows.transpose(1, 0, 2, 4, 3))
        return
    image6 = image.reshape(m, o, th, tile, tw, tile)
    tiles6 = tiles.reshape(o, m, th, tw, tile, tile)
    if to_image:
        image6[...] = tiles6.transpose(1, 0, 2, 4, 3, 5)
    else:
        tiles6[...] = image6.transpose(1, 0, 2, 4, 3, 5)


class Kept:
    """What one convolution's Winograd kernels keep for its weight gradient: the
    transformed input tiles of the forward pass, or the transformed output-gradient tiles
    of the input gradient, one array per chunk of the batch (``tile`` and ``size``, the
    samples per chunk, say which plan they belong to)."""

    def __init__(self, tile: int, size: int) -> None:
        self.tile, self.size = tile, size
        self.chunks: list[Array] = []

    def fits(self, plan: _Winograd) -> bool:
        """Whether these arrays are the ones ``plan`` would compute."""
        return (self.tile, self.size) == (plan.tile, plan.size) and len(self.chunks) == len(
            list(plan.chunks()))


def forward(xp: Any, source: Source, weight: Array, groups: int, tile: int,
            keep: dict[str, Kept] | None = None) -> Array:
    """Winograd's forward pass; with ``keep``, the transformed input tiles are kept there
    under ``"input"`` for :func:`grad_weight`."""
    n, c, h, w = source.shape
    o, cg = weight.shape[:2]
    og = o // groups
    out_hw = (out_size(h, 3, 1, 1, "conv2d"), out_size(w, 3, 1, 1, "conv2d"))
    plan = _Winograd(xp, n, c, o, out_hw, tile, source.dtype)
    source = plan.extend(source)
    u = _winograd_weights(xp, weight, plan.kg, groups)
    out = xp.empty((n, o, *out_hw), dtype=source.dtype)
    kept = None
    if keep is not None:
        kept = keep["input"] = Kept(tile, plan.size)
    for start, stop in plan.chunks():
        v = plan.transformed_input(source, start, stop, None if kept is None else kept.chunks)
        p = v.shape[2]
        m = plan.products(o, p)
        xp.matmul(u, v.reshape(plan.t2, groups, cg, p), out=m.reshape(plan.t2, groups, og, p))
        plan.scatter_outputs(m, out[start:stop])
    return out


def grad_input(
    xp: Any, grad_out: Array, weight: Array, input_size: Pair, groups: int, tile: int,
    pad: Pad4 = NO_PAD, keep: dict[str, Kept] | None = None,
) -> Array:
    """The adjoint of :func:`forward` in the input: output-gradient tiles
    transformed by ``A``, one GEMM per tile position with ``U^T``, and the input tiles
    transformed back by ``B`` and summed where they overlap; ``input_size`` is the size
    before ``pad``. With ``keep``, the transformed output-gradient tiles are kept there
    under ``"grad"`` for :func:`grad_weight`."""
    n, o, oh, ow = grad_out.shape
    cg = weight.shape[1]
    c, og = cg * groups, o // groups
    plan = _Winograd(xp, n, c, o, (oh, ow), tile, grad_out.dtype)
    u = _winograd_weights(xp, weight, plan.kg, groups).transpose(0, 1, 3, 2)
    # every position of the input is written when the windows reach all of it
    reach = (oh + 2 - pad[0], ow + 2 - pad[2])
    covered = reach[0] >= input_size[0] and reach[1] >= input_size[1]
    grad_in = (xp.empty if covered else xp.zeros)((n, c, *input_size), dtype=grad_out.dtype)
    kept = None
    if keep is not None:
        kept = keep["grad"] = Kept(tile, plan.size)
    for start, stop in plan.chunks():
        dm = plan.gathered_grad(grad_out[start:stop], None if kept is None else kept.chunks)
        p = dm.shape[2]
        dv = plan.scratch.view("transformed", (plan.t2, c, p))
        xp.matmul(u, dm.reshape(plan.t2, groups, og, p), out=dv.reshape(plan.t2, groups, cg, p))
        plan.scatter_input_grad(dv, grad_in[start:stop], pad)
    return grad_in


def grad_weight(
    xp: Any, grad_out: Array, source: Source, groups: int, tile: int,
    kept: dict[str, Kept] | None = None,
) -> Array:
    """The adjoint of :func:`forward` in the weight: with ``M = U * V`` per tile
    position and ``Y = AT M A``, ``dU = sum over tiles of (A dY AT) * V`` (one GEMM per tile
    position, the batch summed inside it) and ``dW = G^T dU G``. The transformed tiles
    that :func:`forward` and :func:`grad_input` kept in ``kept`` are used instead of being
    computed again."""
    n, c = source.shape[:2]
    o, oh, ow = grad_out.shape[1:]
    cg, og = c // groups, o // groups
    plan = _Winograd(xp, n, c, o, (oh, ow), tile, source.dtype)
    source = plan.extend(source)
    inputs = grads = None
    if kept is not None:
        inputs, grads = kept.get("input"), kept.get("grad")
        inputs = inputs if inputs is not None and inputs.fits(plan) else None
        grads = grads if grads is not None and grads.fits(plan) else None
    total: Array = None
    for k, (start, stop) in enumerate(plan.chunks()):
        v = inputs.chunks[k] if inputs else plan.transformed_input(source, start, stop)
        dm = grads.chunks[k] if grads else plan.gathered_grad(grad_out[start:stop])
        p = v.shape[2]
        part = xp.matmul(
            dm.reshape(plan.t2, groups, og, p),
            v.reshape(plan.t2, groups, cg, p).transpose(0, 1, 3, 2),
        )
        if total is None:
            total = part
        else:
            total += part
    # dW = KG^T dU: the adjoint of U = KG w
    kg = xp.asarray(plan.kg, dtype=total.dtype)
    grad = kg.T @ total.reshape(plan.t2, o * cg)
    return xp.ascontiguousarray(grad.T).reshape(o, cg, 3, 3)
