"""The op registry: every differentiable op is declared here once, with sample inputs.

``test_ops.py`` runs gradcheck and gradgradcheck over every sample on every backend, and
checks that every ``Function`` subclass in minigrad is exercised by some sample, so a new
op cannot land unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy

import minigrad
from minigrad import Tensor


def rand(*shape: int, positive: bool = False, transposed: bool = False) -> Tensor:
    """A float64 leaf requiring grad; ``transposed`` makes its array non-contiguous."""
    if transposed:
        base = minigrad.randn(*reversed(shape), dtype=minigrad.float64).T
    else:
        base = minigrad.randn(*shape, dtype=minigrad.float64)
    if positive:
        base = base.abs() + 0.5
    return base.detach().requires_grad_()


@dataclass
class Sample:
    """One call: ``fn(*inputs)`` with the inputs made fresh by ``make``."""

    make: Callable[[], list[Any]]
    note: str = ""


@dataclass
class OpInfo:
    name: str
    fn: Callable[..., Any]
    samples: list[Sample]
    second_order: bool = True
    covers: list[str] = field(default_factory=list)  # Function class names it exercises
    tolerances: dict[str, float] = field(default_factory=dict)  # for gradcheck


def S(*shapes: Any, **kw: Any) -> Sample:
    """Sample of fresh random inputs of the given shapes."""
    return Sample(lambda: [rand(*s, **kw) if isinstance(s, tuple) else s for s in shapes],
                  note=str(shapes))


def idx(*values: Any) -> Tensor:
    """An int64 index tensor on the current backend."""
    return minigrad.tensor(numpy.array(values, dtype=numpy.int64))


OPS: list[OpInfo] = [
    OpInfo("add", lambda a, b: a + b, [S((3, 4), (3, 4)), S((3, 1), (4,)),
                                       S((2, 3), (1, 3), transposed=True)]),
    OpInfo("radd_scalar", lambda a: 2.5 + a, [S((3,))]),
    OpInfo("sub", lambda a, b: a - b, [S((3, 4), (4,)), S((2, 1, 3), (4, 1))]),
    OpInfo("rsub_scalar", lambda a: 1 - a, [S((3,))]),
    OpInfo("mul", lambda a, b: a * b, [S((3, 4), (3, 4)), S((1,), (2, 3)), S((2, 3), (2, 3),
                                                                          transposed=True)]),
    OpInfo("div", lambda a, b: a / b, [S((3, 4), (3, 4), positive=True), S((2, 3), (3,),
                                                                          positive=True)]),
    OpInfo("rdiv_scalar", lambda a: 2 / a, [S((4,), positive=True)]),
    OpInfo("pow_scalar", lambda a: a**3, [S((3, 2))]),
    OpInfo("pow_tensor", lambda a, b: a**b, [S((3, 2), (3, 2), positive=True)]),
    OpInfo("rpow", lambda a: 2**a, [S((4,))]),
    OpInfo("neg", lambda a: -a, [S((3,))]),
    OpInfo("abs", lambda a: a.abs(), [S((3, 4))]),
    OpInfo("exp", lambda a: a.exp(), [S((3, 4))]),
    OpInfo("log", lambda a: a.log(), [S((3, 4), positive=True)]),
    OpInfo("sqrt", lambda a: a.sqrt(), [S((3, 4), positive=True)]),
    OpInfo("sin", lambda a: a.sin(), [S((5,))]),
    OpInfo("cos", lambda a: a.cos(), [S((5,))]),
    OpInfo("tanh", lambda a: a.tanh(), [S((2, 3), transposed=True)]),
    OpInfo("sigmoid", lambda a: a.sigmoid(), [S((6,))]),
    OpInfo("relu", lambda a: a.relu(), [S((3, 4))]),
    OpInfo("maximum", lambda a, b: minigrad.maximum(a, b), [S((3, 4), (4,))]),
    OpInfo("minimum", lambda a, b: minigrad.minimum(a, b), [S((3, 4), (3, 1))]),
    OpInfo("clamp", lambda a: a.clamp(-0.5, 0.5), [S((4, 3))]),
    OpInfo("clamp_min", lambda a: a.clamp(min=0.1), [S((5,))]),
    OpInfo("where", lambda a, b: minigrad.where(a > 0, a, b), [S((3, 4), (4,))]),
    OpInfo("matmul_2d", lambda a, b: a @ b, [S((3, 4), (4, 2)), S((3, 4), (4, 2),
                                                                  transposed=True)]),
    OpInfo("matmul_1d", lambda a, b: a @ b, [S((4,), (4,)), S((4,), (4, 3)), S((3, 4), (4,))]),
    OpInfo("matmul_batched", lambda a, b: a @ b, [S((2, 3, 4), (2, 4, 2)),
                                                  S((2, 1, 3, 4), (3, 4, 2)), S((2, 3, 4), (4,))]),
    OpInfo("sum", lambda a: a.sum(), [S((3, 4))]),
    OpInfo("sum_dim", lambda a: a.sum(dim=1), [S((3, 4, 2))]),
    OpInfo("sum_dims_keepdim", lambda a: a.sum(dim=(0, -1), keepdim=True), [S((3, 4, 2))]),
    OpInfo("mean", lambda a: a.mean(-1), [S((3, 4))]),
    OpInfo("var", lambda a: a.var(0), [S((4, 3))]),
    OpInfo("var_biased_keepdim", lambda a: a.var((0, 1), correction=0, keepdim=True),
           [S((3, 4))]),
    OpInfo("std", lambda a: a.std(), [S((3, 4))]),
    OpInfo("amax", lambda a: a.amax(1), [S((3, 4))]),
    OpInfo("max_all", lambda a: a.max(), [S((3, 4))]),
    OpInfo("max_dim", lambda a: a.max(dim=-1).values, [S((3, 4))], covers=["Gather"]),
    OpInfo("min_dim_keepdim", lambda a: a.min(0, keepdim=True)[0], [S((3, 4))]),
    OpInfo("min_all", lambda a: a.amin(), [S((3, 4))]),
    OpInfo("prod", lambda a: a.prod(1), [S((3, 4))]),
    OpInfo("prod_all", lambda a: a.prod(), [S((2, 3))]),
    OpInfo("prod_with_zero", lambda a: (a * minigrad.tensor([1.0, 0.0, 1.0],
                                                            dtype=minigrad.float64)).prod(),
           [S((3,))]),
    OpInfo("softmax", lambda a: a.softmax(-1), [S((3, 4))]),
    OpInfo("log_softmax", lambda a: a.log_softmax(0), [S((3, 4))]),
    OpInfo("logsumexp", lambda a: a.logsumexp((0, 1)), [S((3, 4))]),
    OpInfo("reshape", lambda a: a.reshape(4, -1), [S((2, 6)), S((3, 4), transposed=True)]),
    OpInfo("view", lambda a: a.view(6, 2), [S((3, 4))]),
    OpInfo("flatten", lambda a: a.flatten(1), [S((2, 3, 2))]),
    OpInfo("squeeze", lambda a: a.squeeze(1), [S((3, 1, 2))]),
    OpInfo("unsqueeze", lambda a: a.unsqueeze(-1), [S((3, 2))]),
    OpInfo("transpose", lambda a: a.transpose(0, 2), [S((2, 3, 4))]),
    OpInfo("T", lambda a: a.T, [S((2, 3))]),
    OpInfo("permute", lambda a: a.permute(2, 0, 1), [S((2, 3, 4))]),
    OpInfo("expand", lambda a: a.expand(2, 3, 4), [S((3, 1))]),
    OpInfo("repeat", lambda a: a.repeat(2, 3), [S((2, 2))]),
    OpInfo("getitem_int_slice", lambda a: a[1, ::2], [S((3, 5))]),
    OpInfo("getitem_none_ellipsis", lambda a: a[None, ..., 1:], [S((2, 3))]),
    OpInfo("getitem_negative_step", lambda a: a[::-1, 1], [S((4, 3))]),
    OpInfo("getitem_mask", lambda a: a[a > 0], [S((3, 4))]),
    OpInfo("getitem_int_array_repeats", lambda a: a[idx(0, 2, 0, 0)], [S((3, 2))],
           covers=["IndexAdd"]),
    OpInfo("getitem_2_arrays", lambda a: a[idx(0, 1, 1), idx(2, 0, 2)], [S((2, 3))]),
    OpInfo("gather", lambda a: a.gather(1, idx([0, 1], [2, 2], [1, 0])), [S((3, 3))],
           covers=["ScatterAdd"]),
    OpInfo("setitem", lambda a, b: _setitem(a, b), [S((3, 4), (4,))], covers=["IndexPut"]),
    OpInfo("cat", lambda a, b: minigrad.cat([a, b], dim=1), [S((2, 3), (2, 1))]),
    OpInfo("stack", lambda a, b: minigrad.stack([a, b], dim=-1), [S((2, 3), (2, 3))]),
    OpInfo("split", lambda a: a.split([1, 3], dim=1)[1], [S((2, 4))]),
    OpInfo("chunk", lambda a: a.chunk(2)[0] * a.chunk(2)[1], [S((4, 3))]),
    OpInfo("pad", lambda a: minigrad.nn.functional.pad(a, (1, 2, 0, 1), value=3.0),
           [S((2, 3))]),
    OpInfo("cast_float32_roundtrip", lambda a: a.float().double() * a, [S((3,))],
           covers=["Cast"], tolerances={"eps": 1e-3, "atol": 1e-3}),
    OpInfo("clone", lambda a: a.clone(), [S((3,))]),
    OpInfo("iadd_recorded", lambda a, b: _iadd(a, b), [S((3,), (3,))]),
]


def _setitem(a: Tensor, b: Tensor) -> Tensor:
    out = a * 1
    out[1] = b
    return out


def _iadd(a: Tensor, b: Tensor) -> Tensor:
    out = a * 2
    out += b
    return out


# Function classes whose checks live elsewhere (with the reason).
CHECKED_ELSEWHERE = {
    "Move": "needs two backends: tests/test_backends.py",
}
