"""The tensor ops of issue 11 against PyTorch: values, dtypes, shapes and errors.

Each case is one call written once for both frameworks (``t`` is the module, ``minigrad``
or ``torch``); the results must agree in shape, dtype and values. The gradients are
checked by the op table's generic tests (tests/test_optable.py); here, a few gradients
PyTorch defines in a particular way (ties, zeros) are compared too.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy
import pytest

import minigrad

torch = pytest.importorskip("torch")

RNG = numpy.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype(numpy.float32)  # distinct values: no ties
X3 = RNG.standard_normal((2, 3, 4)).astype(numpy.float32)
V = RNG.standard_normal(5).astype(numpy.float32)
INTS = RNG.integers(0, 5, (3, 4))  # int64
B = RNG.random((3, 4)) > 0.5
TIES = numpy.array([[3.0, 1.0, 3.0, 2.0, 1.0], [0.0, 0.0, 1.0, 1.0, 0.0]], numpy.float32)
SPECIAL = numpy.array([numpy.nan, numpy.inf, -numpy.inf, 1.5, -0.0], numpy.float32)
WIDE = RNG.standard_normal((40, 6)).astype(numpy.float32)
SQUARE = numpy.array([[2.0, 0.5, 0.1], [0.3, 1.5, -0.2], [0.0, 0.4, 1.0]], numpy.float32)


def convert(lib: Any, value: Any) -> Any:
    if isinstance(value, numpy.ndarray):
        return lib.tensor(value)
    if isinstance(value, list) and value and isinstance(value[0], numpy.ndarray):
        return [lib.tensor(v) for v in value]
    return value


def dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")


def assert_same(ours: Any, theirs: Any, where: str = "") -> None:
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, minigrad.Tensor), f"{where}: got {type(ours).__name__}"
        assert tuple(ours.shape) == tuple(theirs.shape), (
            f"{where}: shape {tuple(ours.shape)} vs PyTorch's {tuple(theirs.shape)}")
        assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), (
            f"{where}: dtype {ours.dtype} vs PyTorch's {theirs.dtype}")
        numpy.testing.assert_allclose(ours.detach().numpy().astype(numpy.float64),
                                      theirs.detach().numpy().astype(numpy.float64),
                                      rtol=2e-5, atol=1e-6, equal_nan=True, err_msg=where)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), where
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, f"{where}[{i}]")
        if hasattr(theirs, "_fields") and hasattr(theirs, "values"):  # named tuples
            assert_same(ours.values, theirs.values, f"{where}.values")
            assert_same(ours.indices, theirs.indices, f"{where}.indices")
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{where}: {ours!r} vs {theirs!r}"


Case = tuple[str, Callable[..., Any], tuple[Any, ...]]

CASES: list[Case] = [
    # sorting and searching
    ("topk", lambda t, x: t.topk(x, 2), (X,)),
    ("topk dim 0 smallest", lambda t, x: x.topk(2, 0, largest=False), (X,)),
    ("topk k=0", lambda t, x: t.topk(x, 0), (X,)),
    ("topk 3-d", lambda t, x: x.topk(3, dim=-2), (X3,)),
    ("topk values", lambda t, x: t.topk(x, 3).values, (TIES,)),
    ("sort", lambda t, x: t.sort(x), (X,)),
    ("sort descending dim 0", lambda t, x: x.sort(0, descending=True), (X,)),
    ("sort stable ties", lambda t, x: t.sort(x, stable=True), (TIES,)),
    ("sort stable ties descending", lambda t, x: x.sort(descending=True, stable=True),
     (TIES,)),
    ("sort nan", lambda t, x: t.sort(x), (SPECIAL,)),
    ("sort nan descending", lambda t, x: t.sort(x, descending=True, stable=True), (SPECIAL,)),
    ("sort ints", lambda t, x: t.sort(x, stable=True), (INTS,)),
    ("sort bools", lambda t, x: t.sort(x, stable=True), (B,)),
    ("sort 0-d", lambda t, x: t.sort(x), (numpy.array(2.0, numpy.float32),)),
    ("argsort", lambda t, x: t.argsort(x, 0), (X,)),
    ("argsort stable descending", lambda t, x: x.argsort(descending=True, stable=True),
     (TIES,)),
    ("median", lambda t, x: t.median(x), (X,)),
    ("median even", lambda t, x: t.median(x), (numpy.array([4.0, 1.0, 3.0, 2.0]),)),
    ("median dim", lambda t, x: x.median(1), (X,)),
    ("median dim keepdim", lambda t, x: t.median(x, 0, keepdim=True), (X,)),
    ("median ties", lambda t, x: t.median(x, 1), (numpy.array([[1.0, 2.0, 2.0, 2.0, 3.0]]),)),
    ("median nan", lambda t, x: t.median(x), (SPECIAL,)),
    ("median nan dim", lambda t, x: t.median(x, 0), (SPECIAL,)),
    ("median empty", lambda t, x: t.median(x), (numpy.zeros(0, numpy.float32),)),
    ("median empty rows", lambda t, x: t.median(x, 0), (numpy.zeros((3, 0), numpy.float32),)),
    ("median ints", lambda t, x: t.median(x, 1), (INTS,)),
    ("unique", lambda t, x: t.unique(x), (INTS,)),
    ("unique all", lambda t, x: t.unique(x, return_inverse=True, return_counts=True), (INTS,)),
    ("unique method", lambda t, x: x.unique(sorted=True, return_counts=True), (INTS,)),
    ("unique dim", lambda t, x: t.unique(x, dim=0, return_inverse=True),
     (numpy.array([[1, 2], [1, 2], [0, 1]]),)),
    ("unique floats", lambda t, x: t.unique(x), (TIES,)),
    ("unique columns", lambda t, x: t.unique(x, dim=1, return_counts=True),
     (numpy.array([[1, 0, 1], [2, 5, 2]]),)),
    ("topk unsorted values", lambda t, x: t.sort(x.topk(3, sorted=False).values).values, (X,)),
    ("searchsorted", lambda t, s, v: t.searchsorted(s, v),
     (numpy.array([1.0, 2.0, 2.0, 4.0]), numpy.array([[2.0, 0.0], [5.0, 4.0]]))),
    ("searchsorted right", lambda t, s, v: t.searchsorted(s, v, right=True),
     (numpy.array([1.0, 2.0, 2.0, 4.0]), numpy.array([2.0, 0.0, 5.0]))),
    ("searchsorted side int32", lambda t, s, v: t.searchsorted(s, v, side="right",
                                                                out_int32=True),
     (numpy.array([1, 3, 5]), numpy.array([3, 6]))),
    ("searchsorted batched", lambda t, s, v: t.searchsorted(s, v),
     (numpy.array([[0.0, 1.0, 2.0], [-1.0, 0.0, 5.0]]), numpy.array([[1.0, 3.0], [0.0, -2.0]]))),
    ("searchsorted scalar", lambda t, s: t.searchsorted(s, 2.5), (numpy.array([1.0, 2.0, 3.0]),)),
    ("searchsorted sorter", lambda t, s, o, v: t.searchsorted(s, v, sorter=o),
     (numpy.array([3.0, 1.0, 2.0]), numpy.array([1, 2, 0]), numpy.array([2.5, 0.0]))),
    ("bucketize", lambda t, x, b: t.bucketize(x, b), (X, numpy.array([-1.0, 0.0, 1.0],
                                                                    numpy.float32))),
    ("bucketize right", lambda t, x, b: t.bucketize(x, b, right=True),
     (numpy.array([1, 2, 3, 9]), numpy.array([1, 3, 5]))),
    ("histc", lambda t, x: t.histc(x, bins=4), (X,)),
    ("histc range", lambda t, x: x.histc(5, min=-1, max=1), (X,)),
    ("histc constant", lambda t, x: t.histc(x, 4), (numpy.full(3, 2.0, numpy.float32),)),
    # running totals
    ("cumsum", lambda t, x: t.cumsum(x, 1), (X,)),
    ("cumsum ints", lambda t, x: x.cumsum(0), (INTS.astype(numpy.int32),)),
    ("cumsum bools", lambda t, x: t.cumsum(x, -1), (B,)),
    ("cumsum dtype", lambda t, x: t.cumsum(x, 0, dtype=t.float64), (INTS,)),
    ("cumsum 0-d", lambda t, x: t.cumsum(x, 0), (numpy.ones((), numpy.float32),)),
    ("cumprod", lambda t, x: t.cumprod(x, 0), (X,)),
    ("cumprod ints", lambda t, x: x.cumprod(-1), (INTS,)),
    ("diff", lambda t, x: t.diff(x), (X,)),
    ("diff n dim", lambda t, x: x.diff(2, 0), (X,)),
    ("diff prepend append", lambda t, x, p, a: t.diff(x, 1, -1, p, a),
     (X, numpy.zeros((3, 1), numpy.float32), numpy.ones((3, 2), numpy.float32))),
    ("diff bools", lambda t, x: t.diff(x), (B,)),
    ("diff too far", lambda t, x: t.diff(x, n=5), (X,)),
    # reordering and slicing
    ("flip", lambda t, x: t.flip(x, [0, 1]), (X,)),
    ("flip method", lambda t, x: x.flip(-1), (X3,)),
    ("fliplr", lambda t, x: t.fliplr(x), (X,)),
    ("flipud", lambda t, x: x.flipud(), (V,)),
    ("roll", lambda t, x: t.roll(x, 1), (X,)),
    ("roll dims", lambda t, x: t.roll(x, (1, -1), (0, 1)), (X,)),
    ("roll large", lambda t, x: x.roll(-7, 1), (X,)),
    ("movedim", lambda t, x: t.movedim(x, 0, -1), (X3,)),
    ("movedim several", lambda t, x: x.movedim((0, 1), (2, 0)), (X3,)),
    ("moveaxis", lambda t, x: t.moveaxis(x, 1, 0), (X3,)),
    ("tile", lambda t, x: t.tile(x, (2,)), (X,)),
    ("tile more", lambda t, x: x.tile((2, 1, 3)), (X,)),
    ("repeat_interleave", lambda t, x: t.repeat_interleave(x, 2), (X,)),
    ("repeat_interleave dim", lambda t, x: x.repeat_interleave(3, dim=1), (X,)),
    ("repeat_interleave tensor", lambda t, x, r: t.repeat_interleave(x, r, 0),
     (X, numpy.array([1, 0, 2]))),
    ("repeat_interleave counts", lambda t, r: t.repeat_interleave(r), (numpy.array([2, 0, 1]),)),
    ("broadcast_to", lambda t, x: t.broadcast_to(x, (2, 3, 4)), (X,)),
    ("broadcast_tensors", lambda t, a, b: t.broadcast_tensors(a, b),
     (numpy.ones((3, 1), numpy.float32), V[:4])),
    ("narrow", lambda t, x: t.narrow(x, 1, 1, 2), (X,)),
    ("narrow negative", lambda t, x: x.narrow(0, -2, 2), (X,)),
    ("narrow tensor start", lambda t, x: t.narrow(x, 1, t.tensor(1), 2), (X,)),
    ("select", lambda t, x: t.select(x, 1, -1), (X,)),
    ("unbind", lambda t, x: t.unbind(x, 1), (X,)),
    ("unbind method", lambda t, x: x.unbind(), (X3,)),
    # triangles and diagonals
    ("tril", lambda t, x: t.tril(x), (X,)),
    ("tril -1", lambda t, x: x.tril(-1), (X,)),
    ("triu 1", lambda t, x: t.triu(x, 1), (X3,)),
    ("triu ints", lambda t, x: t.triu(x), (INTS,)),
    ("diag vector", lambda t, v: t.diag(v), (V,)),
    ("diag vector above", lambda t, v: t.diag(v, 2), (V,)),
    ("diag matrix below", lambda t, x: x.diag(-1), (X,)),
    ("diag matrix beyond", lambda t, x: t.diag(x, 7), (X,)),
    ("trace", lambda t, x: t.trace(x), (X,)),
    ("trace ints", lambda t, x: x.trace(), (INTS,)),
    # scatter, gather-like and masks
    ("scatter", lambda t, x, i, s: t.scatter(x, 1, i, s),
     (X, numpy.array([[0, 2], [1, 3], [3, 0]]), numpy.ones((3, 2), numpy.float32))),
    ("scatter value", lambda t, x, i: x.scatter(0, i, 2.5), (X, numpy.array([[2, 0, 1, 1]]))),
    ("scatter larger src", lambda t, x, i, s: t.scatter(x, 0, i, s),
     (X, numpy.array([[2, 0, 1, 1]]), RNG.standard_normal((2, 5)).astype(numpy.float32))),
    ("scatter int32 index", lambda t, x, i: t.scatter(x, 1, i, 1.0),
     (X, numpy.array([[0, 1]], numpy.int32))),
    ("scatter_ reduce add", lambda t, x, i, s: x.clone().scatter_(1, i, s, reduce="add"),
     (X, numpy.array([[0, 0]]), numpy.ones((1, 2), numpy.float32))),
    ("scatter reduce add", lambda t, x, i, s: x.scatter(1, i, s, reduce="add"),
     (X, numpy.array([[0, 0]]), numpy.ones((1, 2), numpy.float32))),
    ("scatter reduce multiply", lambda t, x, i, s: x.scatter(0, i, s, reduce="multiply"),
     (X, numpy.array([[1, 1, 0, 2]]), numpy.full((1, 4), 3.0, numpy.float32))),
    ("scatter ints value", lambda t, x, i: x.scatter(1, i, 2.7), (INTS, numpy.array([[0]]))),
    ("scatter_add", lambda t, x, i, s: t.scatter_add(x, 1, i, s),
     (X, numpy.array([[0, 0], [1, 3], [3, 3]]), numpy.ones((3, 2), numpy.float32))),
    ("index_select", lambda t, x, i: t.index_select(x, 1, i), (X, numpy.array([0, 2, 2]))),
    ("index_select int32 0-d", lambda t, x, i: x.index_select(0, i),
     (X, numpy.array(1, numpy.int32))),
    ("index_add", lambda t, x, i, s: t.index_add(x, 1, i, s),
     (X, numpy.array([0, 0, 2]), numpy.ones((3, 3), numpy.float32))),
    ("index_add alpha", lambda t, x, i, s: x.index_add(0, i, s, alpha=2),
     (X, numpy.array([2, 1]), numpy.ones((2, 4), numpy.float32))),
    ("masked_fill", lambda t, x, m: t.masked_fill(x, m, 0.5), (X, B)),
    ("masked_fill broadcast", lambda t, x, m: x.masked_fill(m, -1.0), (X, B[0])),
    ("masked_fill grows", lambda t, x, m: x.masked_fill(m, 1.0), (X[:, :1], B)),
    ("masked_fill tensor value", lambda t, x, m, v: x.masked_fill(m, v),
     (X, B, numpy.array(2, numpy.int64))),
    ("masked_fill ints", lambda t, x, m: x.masked_fill(m, 0.5), (INTS, B)),
    ("masked_select", lambda t, x, m: t.masked_select(x, m), (X, B)),
    ("masked_select broadcast", lambda t, x, m: x.masked_select(m), (V[:4], B)),
    ("take", lambda t, x, i: t.take(x, i), (X, numpy.array([[0, -1], [11, 5]]))),
    ("nonzero", lambda t, x: t.nonzero(x), (INTS,)),
    ("nonzero as_tuple", lambda t, x: x.nonzero(as_tuple=True), (INTS,)),
    ("nonzero 0-d", lambda t, x: t.nonzero(x), (numpy.array(3.0),)),
    ("nonzero 0-d zero", lambda t, x: t.nonzero(x), (numpy.array(0.0),)),
    ("nonzero 0-d as_tuple", lambda t, x: t.nonzero(x, as_tuple=True), (numpy.array(3.0),)),
    ("argwhere", lambda t, x: t.argwhere(x), (B,)),
    ("count_nonzero", lambda t, x: t.count_nonzero(x), (INTS,)),
    ("count_nonzero dims", lambda t, x: x.count_nonzero((0, 1)), (INTS,)),
    ("count_nonzero dim", lambda t, x: t.count_nonzero(x, 1), (INTS,)),
    # elementwise
    ("lerp", lambda t, a, b: t.lerp(a, b, 0.3), (X, X[::-1].copy())),
    ("lerp tensor weight", lambda t, a, b, w: a.lerp(b, w),
     (X, V[:4], numpy.array([[0.2], [0.5], [0.9]], numpy.float32))),
    ("addcmul", lambda t, a, b, c: t.addcmul(a, b, c, value=2), (X, X, V[:4])),
    ("addcmul ints", lambda t, a, b, c: t.addcmul(a, b, c), (INTS, INTS, INTS)),
    ("addcmul promotes", lambda t, a, b, c: a.addcmul(b, c), (X, X.astype(numpy.float64), X)),
    ("addcdiv", lambda t, a, b, c: t.addcdiv(a, b, c, value=-0.5), (X, X, numpy.abs(X) + 1)),
    ("nan_to_num", lambda t, x: t.nan_to_num(x), (SPECIAL,)),
    ("nan_to_num float64", lambda t, x: x.nan_to_num(posinf=5.0),
     (SPECIAL.astype(numpy.float64),)),
    ("nan_to_num values", lambda t, x: t.nan_to_num(x, 1.0, 2.0, -3.0), (SPECIAL,)),
    ("nan_to_num ints", lambda t, x: t.nan_to_num(x), (INTS,)),
    ("erf", lambda t, x: t.erf(x), (X,)),
    ("erf ints", lambda t, x: t.erf(x), (INTS,)),
    ("erfinv", lambda t, x: t.erfinv(x),
     (numpy.array([-1.0, -0.999, -0.3, 0.0, 0.5, 0.99999, 1.0, 1.5], numpy.float32),)),
    ("erfinv float64", lambda t, x: x.erfinv(),
     (numpy.array([-0.9999999, -0.5, 0.1, 0.75, 0.999999999]),)),
    ("erfinv ints", lambda t, x: t.erfinv(x), (numpy.array([0, 1, -1, 2]),)),
    ("atan2", lambda t, a, b: t.atan2(a, b), (X, X[::-1].copy())),
    ("arctan2 broadcast", lambda t, a, b: t.arctan2(a, b), (X, V[:4])),
    ("atan2 ints", lambda t, a, b: t.atan2(a, b), (INTS, INTS[::-1].copy())),
    ("hypot", lambda t, a, b: t.hypot(a, b), (X, V[:4])),
    ("fmod", lambda t, a, b: t.fmod(a, b), (X, numpy.abs(X[::-1]) + 0.5)),
    ("fmod scalar", lambda t, a: a.fmod(-0.7), (X,)),
    ("fmod ints", lambda t, a: t.fmod(a, 3), (numpy.array([5, -7, 3, -2]),)),
    ("fmod ints by float", lambda t, a: t.fmod(a, 2.5), (numpy.array([5, -7]),)),
    ("fmod by zero", lambda t, a: t.fmod(a, 0.0), (X,)),
    ("frac", lambda t, x: t.frac(x), (X * 3,)),
    ("sgn", lambda t, x: t.sgn(x), (X,)),
    ("sgn ints", lambda t, x: x.sgn(), (INTS - 2,)),
    ("logical_and", lambda t, a, b: t.logical_and(a, b), (INTS, X)),
    ("logical_or", lambda t, a, b: a.logical_or(b), (B, B[::-1].copy())),
    ("logical_xor", lambda t, a, b: t.logical_xor(a, b), (INTS, B)),
    # products, distances, determinants
    ("addmm", lambda t, a, b, c: t.addmm(a, b, c), (V[:3], X.T.copy()[:, :3] @ SQUARE, SQUARE)),
    ("addmm beta alpha", lambda t, a, b, c: a.addmm(b, c, beta=0.5, alpha=2),
     (X, X[:, :3], SQUARE @ X)),
    ("addmm beta 0", lambda t, a, b, c: t.addmm(a, b, c, beta=0),
     (numpy.full((1,), numpy.nan, numpy.float32), X, X.T.copy())),
    ("baddbmm", lambda t, a, b, c: t.baddbmm(a, b, c),
     (V[:4], X3, RNG.standard_normal((2, 4, 4)).astype(numpy.float32))),
    ("einsum matmul", lambda t, a, b: t.einsum("ij,jk->ik", a, b), (X, X.T.copy())),
    ("einsum implicit", lambda t, a, b: t.einsum("bA,Ac", a, b), (X, X.T.copy())),
    ("einsum trace", lambda t, a: t.einsum("ii", a), (SQUARE,)),
    ("einsum diagonal", lambda t, a: t.einsum("ii->i", a), (SQUARE,)),
    ("einsum batch", lambda t, a, b: t.einsum("bij,bkj->bik", a, b), (X3, X3)),
    ("einsum ellipsis", lambda t, a, b: t.einsum("...ij,...jk", a, b),
     (X3.reshape(2, 1, 3, 4), RNG.standard_normal((5, 4, 2)).astype(numpy.float32))),
    ("einsum ellipsis summed", lambda t, a: t.einsum("ij...->ij", a), (X3.transpose(1, 2, 0),)),
    ("einsum size 1", lambda t, a, b: t.einsum("ij,jk->ik", a, b),
     (X, numpy.ones((1, 2), numpy.float32))),
    ("einsum three", lambda t, a, b, c: t.einsum("ij,j,jk->ik", a, b, c), (X, V[:4], X.T.copy())),
    ("einsum list", lambda t, a, b: t.einsum("ij,jk", [a, b]), (X, X.T.copy())),
    ("einsum sublists", lambda t, a, b: t.einsum(a, [0, 1], b, [1, 2], [0, 2]), (X, X.T.copy())),
    ("einsum outer", lambda t, a, b: t.einsum("i,j", a, b), (V, V[:3])),
    ("einsum ints", lambda t, a, b: t.einsum("ij,j->i", a, b), (INTS, INTS[0])),
    ("einsum spaces", lambda t, a: t.einsum("i j -> j i", a), (X,)),
    ("kron", lambda t, a, b: t.kron(a, b), (X[:2, :2], X)),
    ("kron mixed", lambda t, a, b: a.kron(b), (numpy.arange(3), numpy.ones(2, numpy.float32))),
    ("cross", lambda t, a, b: t.cross(a, b, dim=1), (X[:, :3], X[::-1, 1:].copy())),
    ("cross default dim", lambda t, a, b: a.cross(b), (SQUARE, SQUARE.T.copy())),
    ("cross broadcast", lambda t, a, b: t.cross(a, b, dim=-1), (X[:, :3], X[:1, 1:])),
    ("dist", lambda t, a, b: t.dist(a, b), (X, X[::-1].copy())),
    ("dist p", lambda t, a, b: a.dist(b, 3), (X, V[:4])),
    ("dist inf", lambda t, a, b: t.dist(a, b, math.inf), (X, V[:4])),
    ("dist 0", lambda t, a, b: t.dist(a, b, 0), (X, numpy.where(B, X, 0).astype(numpy.float32))),
    ("cdist", lambda t, a, b: t.cdist(a, b), (X, X3[0])),
    ("cdist batched p1", lambda t, a, b: t.cdist(a, b, p=1.0), (X3, X3[:, :2])),
    ("cdist broadcast inf", lambda t, a, b: t.cdist(a, b, p=math.inf), (X3[:1], X)),
    ("cdist by matmul", lambda t, a, b: t.cdist(a, b), (WIDE, WIDE[:7] + 0.5)),
    ("cdist compute_mode", lambda t, a, b: t.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
     (X, X3[0])),
    ("topk large", lambda t, x: t.topk(x, 5, 0), (WIDE,)),
    ("topk large smallest", lambda t, x: x.topk(4, 1, largest=False), (WIDE.T.copy(),)),
    ("det", lambda t, a: t.det(a), (SQUARE,)),
    ("det batch", lambda t, a: a.det(), (numpy.stack([SQUARE, SQUARE.T]),)),
    ("inverse", lambda t, a: t.inverse(a), (SQUARE,)),
    ("inverse batch", lambda t, a: a.inverse(), (numpy.stack([SQUARE, SQUARE.T]),)),
    # properties and new tensors
    ("new_zeros", lambda t, x: x.new_zeros(2, 3), (X,)),
    ("new_zeros tuple dtype", lambda t, x: x.new_zeros((2,), dtype=t.int64), (X,)),
    ("new_ones", lambda t, x: x.new_ones([3]), (INTS,)),
    ("new_full", lambda t, x: x.new_full((2, 2), 7), (X,)),
    ("new_full ints", lambda t, x: x.new_full((2,), 2.5), (INTS,)),
    ("new_empty shape", lambda t, x: tuple(x.new_empty((2, 5)).shape), (X,)),
    ("new_empty dtype", lambda t, x: str(x.new_empty(2).dtype).replace("torch.", ""), (INTS,)),
    ("new_tensor", lambda t, x: x.new_tensor([[1, 2], [3, 4]]), (X,)),
    ("new_tensor ints", lambda t, x: x.new_tensor([1.7, 2.2]), (INTS,)),
    ("numel", lambda t, x: t.numel(x), (X3,)),
    ("nelement", lambda t, x: x.nelement(), (X3,)),
    ("ndimension", lambda t, x: x.ndimension(), (X3,)),
    ("is_floating_point", lambda t, x, i: (t.is_floating_point(x), i.is_floating_point()),
     (X, INTS)),
    ("is_tensor", lambda t, x: (t.is_tensor(x), t.is_tensor([1.0]), t.is_tensor(X)), (X,)),
    ("stride", lambda t, x: x.stride(), (X3,)),
    ("stride transposed", lambda t, x: (x.t().stride(), x.t().stride(0)), (X,)),
    ("stride expanded", lambda t, x: x[:1].expand(3, 4).stride(), (X,)),
    ("stride step", lambda t, x: x[::2].stride(), (X,)),
    ("stride empty", lambda t, x: t.zeros(3, 0).stride(), (X,)),
    ("is_contiguous", lambda t, x: (x.is_contiguous(), x.t().is_contiguous(),
                                    x.t().contiguous().is_contiguous(),
                                    x.t().contiguous().stride()), (X,)),
    ("contiguous values", lambda t, x: x.t().contiguous(), (X,)),
    # creation
    ("logspace", lambda t: t.logspace(0, 2, 3), ()),
    ("logspace base", lambda t: t.logspace(-1, 2, 4, base=2.0, dtype=t.float64), ()),
    ("logspace one step", lambda t: t.logspace(0, 1, 1), ()),
    ("randperm dtype", lambda t: (dtype_name(t.randperm(4).dtype), t.randperm(0).shape[0]),
     ()),
    ("randperm float", lambda t: str(t.randperm(3, dtype=t.float32).dtype), ()),
]


@pytest.mark.parametrize(("case", "fn", "arrays"), [pytest.param(*c, id=c[0]) for c in CASES])
def test_matches_pytorch(case: str, fn: Callable[..., Any], arrays: tuple[Any, ...]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's deprecation warnings (cross, scatter)
        theirs = fn(torch, *[convert(torch, a) for a in arrays])
    ours = fn(minigrad, *[convert(minigrad, a) for a in arrays])
    if isinstance(theirs, str):
        ours = ours.replace("minigrad.", "")
        theirs = theirs.replace("torch.", "")
    assert_same(ours, theirs, case)


def test_named_tuples_unpack_like_pytorchs() -> None:
    x = minigrad.tensor(X)
    values, indices = x.topk(2)
    assert (values == x.topk(2).values).all() and (indices == x.topk(2)[1]).all()
    result = x.sort(1)
    assert (result.values == values.new_tensor(numpy.sort(X, 1))).all()
    assert result.indices.dtype == minigrad.int64
    median = x.median(0)
    assert median.values.shape == median.indices.shape == (4,)


ERRORS: list[tuple[str, Callable[..., Any], tuple[Any, ...], type[Exception], str]] = [
    ("topk k too large", lambda t, x: t.topk(x, 5), (X,), RuntimeError, "topk"),
    ("topk bad dim", lambda t, x: t.topk(x, 1, dim=2), (X,), IndexError, "dim"),
    ("sort bad dim", lambda t, x: t.sort(x, 3), (X,), IndexError, "dim"),
    ("median empty dim", lambda t, x: t.median(x, 0), (numpy.zeros((0, 3), numpy.float32),),
     IndexError, "non-zero size"),
    ("cumsum bad dim", lambda t, x: t.cumsum(x, 2), (X,), IndexError, "dim"),
    ("diff 0-d", lambda t, x: t.diff(x), (numpy.ones((), numpy.float32),), RuntimeError,
     "diff"),
    ("histc ints", lambda t, x: t.histc(x), (INTS,), RuntimeError, "histc"),
    ("searchsorted leading dims", lambda t, s, v: t.searchsorted(s, v),
     (numpy.ones((2, 3)), numpy.ones((3, 2))), RuntimeError, "searchsorted"),
    ("bucketize 2-d", lambda t, x, b: t.bucketize(x, b), (X, X), RuntimeError, "bucketize"),
    ("flip repeated", lambda t, x: t.flip(x, (0, 0)), (X,), RuntimeError, "appears multiple"),
    ("fliplr 1-d", lambda t, x: t.fliplr(x), (V,), RuntimeError, "fliplr"),
    ("roll misaligned", lambda t, x: t.roll(x, (1, 2), 0), (X,), RuntimeError, "align"),
    ("movedim repeated", lambda t, x: t.movedim(x, (0, 0), (1, 0)), (X3,), RuntimeError,
     "repeated dim"),
    ("repeat_interleave sizes", lambda t, x, r: t.repeat_interleave(x, r, 0),
     (X, numpy.array([1, 2])), RuntimeError, "repeats must have the same size"),
    ("repeat_interleave negative", lambda t, x: t.repeat_interleave(x, -1), (X,), RuntimeError,
     "non-negative"),
    ("broadcast_to", lambda t, x: t.broadcast_to(x, (3, 3)), (X,), RuntimeError, "expand"),
    ("broadcast_tensors", lambda t, a, b: t.broadcast_tensors(a, b), (X, X3[0, :2]),
     RuntimeError, "broadcast"),
    ("narrow too long", lambda t, x: x.narrow(1, 2, 3), (X,), RuntimeError, "exceeds"),
    ("narrow 0-d", lambda t, x: t.narrow(x, 0, 0, 1), (numpy.ones((), numpy.float32),),
     RuntimeError, "0-dim"),
    ("select out of range", lambda t, x: x.select(1, 4), (X,), IndexError, "out of range"),
    ("tril 1-d", lambda t, x: t.tril(x), (V,), RuntimeError, "at least 2 dimensions"),
    ("diag 3-d", lambda t, x: t.diag(x), (X3,), RuntimeError, "1D or 2D"),
    ("trace 3-d", lambda t, x: t.trace(x), (X3,), RuntimeError, "expected a matrix"),
    ("scatter index dims", lambda t, x, i: x.scatter(1, i, 1.0), (X, numpy.array([0, 1])),
     RuntimeError, "same number of dimensions"),
    ("scatter index range", lambda t, x, i: x.scatter(1, i, 1.0), (X, numpy.array([[0, 4]])),
     RuntimeError, "out of bounds"),
    ("scatter negative index", lambda t, x, i: x.scatter(1, i, 1.0), (X, numpy.array([[-1]])),
     RuntimeError, "out of bounds"),
    ("scatter float index", lambda t, x, i: x.scatter(1, i, 1.0), (X, numpy.array([[0.0]])),
     RuntimeError, "int32/int64"),
    ("scatter small src", lambda t, x, i, s: x.scatter(1, i, s),
     (X, numpy.array([[0, 1]]), numpy.ones((1, 1), numpy.float32)), RuntimeError,
     "no larger"),
    ("scatter dtypes", lambda t, x, i, s: x.scatter(1, i, s),
     (X, numpy.array([[0, 1]]), numpy.ones((1, 2))), RuntimeError, "dtype"),
    ("scatter reduce", lambda t, x, i, s: x.scatter(1, i, s, reduce="mean"),
     (X, numpy.array([[0, 1]]), numpy.ones((1, 2), numpy.float32)), RuntimeError,
     "add or multiply"),
    ("scatter_add dtypes", lambda t, x, i, s: x.scatter_add(1, i, s),
     (X, numpy.array([[0, 1]]), numpy.ones((1, 2))), RuntimeError, "dtype"),
    ("index_select 2-d index", lambda t, x, i: x.index_select(1, i), (X, numpy.array([[0]])),
     IndexError, "vector"),
    ("index_select float index", lambda t, x, i: x.index_select(1, i), (X, numpy.array([0.0])),
     RuntimeError, "int32"),
    ("index_add dtypes", lambda t, x, i, s: x.index_add(1, i, s),
     (X, numpy.array([0, 1]), numpy.ones((3, 2))), RuntimeError, "same scalar type"),
    ("index_add sizes", lambda t, x, i, s: x.index_add(1, i, s),
     (X, numpy.array([0, 1]), numpy.ones((3, 3), numpy.float32)), RuntimeError, "index_add"),
    ("index_add range", lambda t, x, i, s: x.index_add(1, i, s),
     (X, numpy.array([0, 5]), numpy.ones((3, 2), numpy.float32)), RuntimeError,
     "out of bounds"),
    ("masked_fill int mask", lambda t, x, m: x.masked_fill(m, 0.0), (X, INTS), RuntimeError,
     "boolean masks"),
    ("masked_fill 1-d value", lambda t, x, m, v: x.masked_fill(m, v),
     (X, B, numpy.ones(1, numpy.float32)), RuntimeError, "0-dimensional value"),
    ("masked_select int mask", lambda t, x, m: x.masked_select(m), (X, INTS), RuntimeError,
     "BoolTensor"),
    ("masked_select shapes", lambda t, x, m: x.masked_select(m), (X, B[:, :2]), RuntimeError,
     "masked_select"),
    ("take range", lambda t, x, i: t.take(x, i), (X, numpy.array([12])), IndexError,
     "out of range"),
    ("take int32", lambda t, x, i: t.take(x, i), (X, numpy.array([1], numpy.int32)),
     RuntimeError, "long tensor"),
    ("lerp dtypes", lambda t, a, b: t.lerp(a, b, 0.5), (X, X.astype(numpy.float64)),
     RuntimeError, "expected dtype"),
    ("addcdiv ints", lambda t, a, b: t.addcdiv(a, b, b), (X, INTS), RuntimeError,
     "Integer division"),
    ("fmod int zero", lambda t, a: t.fmod(a, 0), (INTS,), RuntimeError, "ZeroDivisionError"),
    ("frac ints", lambda t, a: t.frac(a), (INTS,), (RuntimeError, NotImplementedError), "frac"),
    ("hypot ints", lambda t, a: t.hypot(a, a), (INTS,), (RuntimeError, NotImplementedError),
     "hypot"),
    ("addmm shapes", lambda t, a, b, c: t.addmm(a, b, c), (X, X, X), RuntimeError,
     "cannot be multiplied"),
    ("addmm dtypes", lambda t, a, b, c: t.addmm(a, b, c), (X, X, X.T.astype(numpy.float64)),
     RuntimeError, "same dtype"),
    ("baddbmm batch", lambda t, a, b, c: t.baddbmm(a, b, c),
     (V[:3], X3, numpy.ones((3, 4, 3), numpy.float32)), RuntimeError, "Expected size"),
    ("einsum subscripts", lambda t, a: t.einsum("ij", a), (X3,), RuntimeError,
     "number of subscripts"),
    ("einsum too many operands", lambda t, a: t.einsum("ij", a, a), (X,), RuntimeError,
     "more operands"),
    ("einsum too few operands", lambda t, a: t.einsum("ij,jk", a), (X,), RuntimeError,
     "fewer operands"),
    ("einsum repeated output", lambda t, a: t.einsum("ij->ii", a), (X,), RuntimeError,
     "more than once"),
    ("einsum unknown output", lambda t, a: t.einsum("ij->k", a), (X,), RuntimeError,
     "does not appear"),
    ("einsum invalid", lambda t, a: t.einsum("i1", a), (X,), RuntimeError,
     "invalid subscript"),
    ("einsum sizes", lambda t, a, b: t.einsum("ij,jk", a, b), (X, X), RuntimeError,
     "broadcast"),
    ("einsum diagonal sizes", lambda t, a: t.einsum("ii->i", a), (X,), RuntimeError,
     "repeated"),
    ("einsum dtypes", lambda t, a, b: t.einsum("ij,jk", a, b), (X, X.T.astype(numpy.float64)),
     RuntimeError, "scalar type"),
    ("cross no 3", lambda t, a: t.cross(a, a), (X[:2, :2],), RuntimeError, "no dimension"),
    ("cross dims", lambda t, a, b: t.cross(a, b), (X[:, :3], V[:3]), RuntimeError,
     "same number of dimensions"),
    ("cross dim size", lambda t, a: t.cross(a, a, dim=1), (X,), RuntimeError, "length 3"),
    ("cdist 1-d", lambda t, a: t.cdist(a, a), (V,), RuntimeError, "at least 2D"),
    ("cdist columns", lambda t, a, b: t.cdist(a, b), (X, X[:, :2]), RuntimeError,
     "same number of columns"),
    ("cdist ints", lambda t, a: t.cdist(a, a), (INTS,), RuntimeError, "floating"),
    ("det not square", lambda t, a: t.det(a), (X,), RuntimeError, "square"),
    ("det ints", lambda t, a: t.det(a), (INTS[:3, :3],), RuntimeError, "floating point"),
    ("inverse singular", lambda t, a: t.inverse(a), (numpy.zeros((2, 2), numpy.float32),),
     RuntimeError, "singular"),
    ("multinomial negative", lambda t, p: t.multinomial(p, 1), (numpy.array([-1.0, 1.0]),),
     RuntimeError, "element < 0"),
    ("multinomial zero sum", lambda t, p: t.multinomial(p, 1), (numpy.zeros(2),),
     RuntimeError, "sum of probabilities"),
    ("multinomial too many", lambda t, p: t.multinomial(p, 3), (numpy.ones(2),), RuntimeError,
     "without replacement"),
    ("multinomial none", lambda t, p: t.multinomial(p, 0), (numpy.ones(2),), RuntimeError,
     "n_sample <= 0"),
    ("multinomial 3-d", lambda t, p: t.multinomial(p, 1), (numpy.ones((2, 2, 2)),),
     RuntimeError, "1 or 2 dim"),
    ("multinomial ints", lambda t, p: t.multinomial(p, 1), (numpy.ones(2, numpy.int64),),
     RuntimeError, "floating"),
    ("bernoulli p", lambda t, p: t.bernoulli(p), (numpy.array([1.5]),), RuntimeError, "p_in"),
    ("bernoulli_ p", lambda t, x: x.bernoulli_(1.5), (X,), RuntimeError, "expects p"),
    ("exponential_ lambda", lambda t, x: x.exponential_(0), (X,), RuntimeError,
     "lambda > 0"),
    ("exponential_ ints", lambda t, x: x.exponential_(), (INTS,), RuntimeError, "floating point"),
    ("random_ bounds", lambda t, x: x.random_(5, 2), (X,), RuntimeError, "less than"),
    ("randperm negative", lambda t: t.randperm(-1), (), RuntimeError, "negative dimension"),
]


@pytest.mark.parametrize(("case", "fn", "arrays", "error", "match"),
                         [pytest.param(*c, id=c[0]) for c in ERRORS])
def test_errors_match_pytorch(case: str, fn: Callable[..., Any], arrays: tuple[Any, ...],
                              error: Any, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error):
            fn(torch, *[convert(torch, a) for a in arrays])
    with pytest.raises(error, match=match):
        fn(minigrad, *[convert(minigrad, a) for a in arrays])


# --- gradients PyTorch defines in a particular way -----------------------------------------
def _grads(lib: Any, fn: Callable[..., Any], arrays: tuple[Any, ...]) -> list[Any]:
    inputs = [lib.tensor(a.astype(numpy.float64), requires_grad=True) for a in arrays]
    out = fn(lib, *inputs)
    out = out[0] if isinstance(out, tuple) else out
    weights = numpy.random.default_rng(1).standard_normal(tuple(out.shape))
    (out * lib.tensor(weights)).sum().backward()
    return [t.grad.numpy() if t.grad is not None else None for t in inputs]


GRADS: list[Case] = [
    ("cumprod with zeros", lambda t, x: t.cumprod(x, 1),
     (numpy.array([[2.0, 0.0, 3.0, 1.5], [0.0, 1.0, 0.0, 2.0]]),)),
    ("sort", lambda t, x: t.sort(x, 1), (X,)),
    ("topk", lambda t, x: t.topk(x, 2, 0), (X,)),
    ("median dim", lambda t, x: t.median(x, 1), (X,)),
    ("median", lambda t, x: t.median(x), (X,)),
    ("scatter", lambda t, x, s: t.scatter(x, 1, t.tensor([[0, 2], [1, 3], [3, 0]]), s),
     (X, numpy.ones((3, 2)))),
    ("scatter_add", lambda t, x, s: t.scatter_add(x, 1, t.tensor([[0, 0], [1, 3], [3, 3]]), s),
     (X, numpy.ones((3, 2)))),
    ("index_add", lambda t, x, s: t.index_add(x, 0, t.tensor([2, 2]), s), (X, X[:2])),
    ("masked_fill value", lambda t, x, v: x.masked_fill(t.tensor(B), v),
     (X, numpy.array(2.0))),
    ("nan_to_num", lambda t, x: t.nan_to_num(x), (SPECIAL,)),
    ("cdist zero distance", lambda t, a, b: t.cdist(a, b), (SQUARE, SQUARE[:2])),
    ("det singular", lambda t, a: t.det(a),
     (numpy.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, -1.0, 2.0]]),)),
    ("fmod", lambda t, a, b: t.fmod(a, b), (X * 4, numpy.abs(X[::-1]) + 0.5)),
    ("einsum diagonal and sum", lambda t, a, b: t.einsum("iij,jk->k", a, b),
     (numpy.stack([SQUARE] * 3, -1), SQUARE)),
    ("roll", lambda t, x: t.roll(x, (1, -1), (0, 1)), (X,)),
    ("repeat_interleave", lambda t, x: t.repeat_interleave(x, t.tensor([1, 0, 2]), 0), (X,)),
]


@pytest.mark.parametrize(("case", "fn", "arrays"), [pytest.param(*c, id=c[0]) for c in GRADS])
def test_gradients_match_pytorch(case: str, fn: Callable[..., Any],
                                 arrays: tuple[Any, ...]) -> None:
    ours, theirs = _grads(minigrad, fn, arrays), _grads(torch, fn, arrays)
    for o, t in zip(ours, theirs, strict=True):
        numpy.testing.assert_allclose(o, t, rtol=1e-6, atol=1e-9, err_msg=case)
