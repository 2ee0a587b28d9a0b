"""Every conv and pooling function documents its output shape, and the formula each
docstring gives, read from the docstring and evaluated, is the size the function returns."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.functional import adaptive_pooling, conv, fold, pooling, pooling1d

FUNCTIONS = [conv.conv2d, conv.conv1d, conv.conv_transpose2d, fold.unfold, fold.fold,
             pooling.max_pool2d, pooling.min_pool2d, pooling.avg_pool2d, pooling.lp_pool2d,
             pooling.max_unpool2d, adaptive_pooling.adaptive_avg_pool2d,
             adaptive_pooling.adaptive_max_pool2d, pooling.max_pool2d_with_indices,
             adaptive_pooling.adaptive_max_pool2d_with_indices, pooling1d.max_pool1d,
             pooling1d.max_pool1d_with_indices, pooling1d.avg_pool1d,
             pooling1d.adaptive_avg_pool1d, pooling1d.adaptive_max_pool1d,
             pooling1d.adaptive_max_pool1d_with_indices]


def test_every_conv_and_pool_function_is_listed() -> None:
    """A new public function in these modules must be added above (and documented)."""
    found = {fn for module in (conv, fold, pooling, adaptive_pooling, pooling1d)
             for fn in vars(module).values()
             if callable(fn) and getattr(fn, "__module__", None) == module.__name__
             and not isinstance(fn, type) and not fn.__name__.startswith("_")
             and fn.__name__ != "batched"}
    assert found == set(FUNCTIONS)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_function_docstring_has_a_shape_section(fn: Callable[..., Any]) -> None:
    doc = fn.__doc__ or ""
    assert "\n    Shape\n    -----\n" in doc, f"{fn.__name__} documents no output shape"
    section = doc.split("\n    Shape\n    -----\n")[1].split("\n    Examples\n")[0]
    assert ("input" in section and "output" in section) or "becomes" in section


def formula(fn: Callable[..., Any], name: str, ceil_mode: bool = False) -> Callable[..., int]:
    """The documented ``name = ...`` expression of ``fn`` as a function of keywords
    (rounding up instead of down with ``ceil_mode``, as the docstrings say)."""
    doc = (fn.__doc__ or "").split("\n    Shape\n    -----\n")[1]
    match = re.search(rf"``{name} = (.+?)``", doc, re.S)
    assert match, f"{fn.__name__}: no ``{name} = ...`` in its Shape section"
    text = " ".join(match[1].split())

    def evaluate(**values: Any) -> int:
        rounding = math.ceil if ceil_mode else math.floor
        return int(eval(text, {"floor": rounding, "ceil": math.ceil}, values))

    return evaluate


def pair(v: int) -> tuple[int, int]:
    return (v, v)


GEOMETRIES = [  # n, kernel, stride, padding, dilation
    (13, 3, 2, 1, 2), (28, 5, 1, 0, 1), (10, 4, 3, 2, 1), (9, 2, 2, 1, 3), (7, 3, 1, 1, 1),
]


@pytest.mark.parametrize(("n", "k", "s", "p", "d"), GEOMETRIES)
def test_convolution_formulas(n: int, k: int, s: int, p: int, d: int) -> None:
    x = minigrad.randn(1, 2, n, n + 1)
    w = minigrad.randn(3, 2, k, k + 1)
    out = F.conv2d(x, w, stride=s, padding=p, dilation=d)
    h_out = formula(conv.conv2d, "H_out")
    geometry = {"padding": pair(p), "dilation": pair(d), "stride": pair(s)}
    assert out.shape == (1, 3, h_out(H=n, kernel_size=(k, k), **geometry),
                         h_out(H=n + 1, kernel_size=(k + 1, k + 1), **geometry))
    full = F.conv2d(x, w[:, :, :, :k], padding="full", dilation=d)
    assert full.shape[2] == n + d * (k - 1)
    assert F.conv2d(x, w, padding="same", dilation=d).shape[2:] == (n, n + 1)

    l_out = formula(conv.conv1d, "L_out")
    assert F.conv1d(minigrad.randn(2, n), minigrad.randn(4, 2, k), stride=s, padding=p,
                    dilation=d).shape == (4, l_out(L=n, kernel_size=k, stride=s, padding=p,
                                                   dilation=d))

    out_pad = 1 if s > 1 else 0
    wt = minigrad.randn(2, 5, k, k)
    ht = formula(conv.conv_transpose2d, "H_out")
    assert F.conv_transpose2d(x, wt, stride=s, padding=p, output_padding=out_pad,
                              dilation=d).shape[2] == ht(
        H=n, kernel_size=(k, k), output_padding=pair(out_pad), **geometry)


@pytest.mark.parametrize(("n", "k", "s", "p", "d"), GEOMETRIES)
def test_unfold_and_fold_formulas(n: int, k: int, s: int, p: int, d: int) -> None:
    x = minigrad.randn(2, 3, n, n + 2)
    geometry = {"padding": pair(p), "dilation": pair(d), "stride": pair(s),
                "kernel_size": pair(k)}
    blocks = formula(fold.unfold, "H_blocks")
    cols = F.unfold(x, k, dilation=d, padding=p, stride=s)
    assert cols.shape == (2, 3 * k * k, blocks(H=n, **geometry) * blocks(H=n + 2, **geometry))
    fold_blocks = formula(fold.fold, "H_blocks")
    assert fold_blocks(output_size=(n, n + 2), **geometry) == blocks(H=n, **geometry)
    back = F.fold(cols, (n, n + 2), k, dilation=d, padding=p, stride=s)
    assert back.shape == (2, 3, n, n + 2)


@pytest.mark.parametrize(("n", "k", "s", "p", "d"), GEOMETRIES)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pooling_formulas(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> None:
    p = min(p, k // 2)  # pooling allows at most half the window as padding
    x = minigrad.randn(1, 2, n, n + 1)

    def documented(fn: Callable[..., Any], **values: Any) -> int:
        size = formula(fn, "H_out", ceil_mode)(**values)
        # with ceil_mode, a last window that would start in the bottom padding is dropped
        start = (size - 1) * values["stride"][0]
        return size - 1 if ceil_mode and start >= n + values.get("padding", (0, 0))[0] else size

    geometry = {"padding": pair(p), "dilation": pair(d), "stride": pair(s),
                "kernel_size": pair(k), "H": n}
    for fn in (pooling.max_pool2d, pooling.min_pool2d):
        got = fn(x, k, s, p, d, ceil_mode=ceil_mode).shape[2]
        assert got == documented(fn, **geometry), fn.__name__
    del geometry["dilation"]
    got = F.avg_pool2d(x, k, s, p, ceil_mode=ceil_mode).shape[2]
    assert got == documented(pooling.avg_pool2d, **geometry)
    del geometry["padding"]
    got = F.lp_pool2d(x.abs(), 2.0, k, s, ceil_mode=ceil_mode).shape[2]
    assert got == documented(pooling.lp_pool2d, **geometry)


def test_stride_defaults_to_the_kernel() -> None:
    x = minigrad.randn(1, 1, 11, 11)
    size = formula(pooling.max_pool2d, "H_out")
    assert F.max_pool2d(x, 3).shape[2] == size(H=11, padding=(0, 0), dilation=(1, 1),
                                               kernel_size=(3, 3), stride=(3, 3))
    assert F.avg_pool2d(x, 3).shape[2] == F.lp_pool2d(x.abs(), 2, 3).shape[2] == 3


@pytest.mark.parametrize(("k", "s", "p"), [(2, 2, 0), (3, 2, 1), (3, 1, 1), (4, 3, 1)])
def test_max_unpool_formula(k: int, s: int, p: int) -> None:
    size = formula(pooling.max_unpool2d, "H_out")
    geometry = {"stride": pair(s), "padding": pair(p), "kernel_size": pair(k)}
    h, w = size(H_in=4, **geometry), size(H_in=3, **geometry)  # planes pooling maps to 4 x 3
    values, indices = F.max_pool2d(minigrad.randn(1, 2, h, w), k, s, p, return_indices=True)
    assert values.shape[2:] == (4, 3)
    assert F.max_unpool2d(values, indices, k, s, p).shape == (1, 2, h, w)
    bigger = (h + 1, w + 2)
    assert F.max_unpool2d(values, indices, k, s, p, output_size=bigger).shape[2:] == bigger


@pytest.mark.parametrize("fn", [F.adaptive_avg_pool2d, F.adaptive_max_pool2d])
@pytest.mark.parametrize(("size", "expected"), [(3, (3, 3)), ((5, None), (5, 20)),
                                                ((None, 7), (13, 7)), (1, (1, 1))])
def test_adaptive_pooling_sizes(fn: Callable[..., Any], size: Any,
                                expected: tuple[int, int]) -> None:
    x = minigrad.randn(2, 3, 13, 20)
    assert fn(x, size).shape == (2, 3, *expected)
    assert fn(x[0], size).shape == (3, *expected)


def test_adaptive_windows_are_the_documented_ones() -> None:
    """Cell ``i`` covers ``floor(i * n / out)`` to ``ceil((i + 1) * n / out) - 1``."""
    n, out = 7, 3
    x = minigrad.arange(float(n)).reshape(1, 1, 1, n)
    means = F.adaptive_avg_pool2d(x, (1, out)).tolist()[0][0][0]
    maxima = F.adaptive_max_pool2d(x, (1, out)).tolist()[0][0][0]
    for i in range(out):
        lo, hi = math.floor(i * n / out), math.ceil((i + 1) * n / out) - 1
        assert means[i] == pytest.approx((lo + hi) / 2)
        assert maxima[i] == hi


@pytest.mark.parametrize(("n", "k", "s", "p", "d"), GEOMETRIES)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_one_dimensional_pooling_formulas(n: int, k: int, s: int, p: int, d: int,
                                          ceil_mode: bool) -> None:
    p = min(p, k // 2)
    x = minigrad.randn(2, 3, n)

    def documented(fn: Callable[..., Any], **values: Any) -> int:
        size = formula(fn, "L_out", ceil_mode)(**values)
        start = (size - 1) * values["stride"]
        return size - 1 if ceil_mode and start >= n + values["padding"] else size

    geometry = {"L_in": n, "kernel_size": k, "stride": s, "padding": p, "dilation": d}
    got = F.max_pool1d(x, k, s, p, d, ceil_mode=ceil_mode).shape[-1]
    assert got == documented(pooling1d.max_pool1d, **geometry)
    del geometry["dilation"]
    got = F.avg_pool1d(x, k, s, p, ceil_mode=ceil_mode).shape[-1]
    assert got == documented(pooling1d.avg_pool1d, **geometry)
    assert F.adaptive_avg_pool1d(x, 4).shape == F.adaptive_max_pool1d(x, 4).shape == (2, 3, 4)
