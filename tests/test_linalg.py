"""minigrad.linalg against torch.linalg: values, gradients, second derivatives, errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy
import pytest

import minigrad
from minigrad import linalg
from minigrad.testing import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = numpy.random.default_rng(0)
INF = math.inf


def well_conditioned(*shape: int) -> numpy.ndarray[Any, Any]:
    n = shape[-1]
    return RNG.standard_normal(shape) + 3 * numpy.eye(n)


def compare(ours: Callable[..., Any], theirs: Callable[..., Any],
            *arrays: numpy.ndarray[Any, Any]) -> None:
    """Same value and same gradient (of the sum of the outputs) in both frameworks."""
    ms = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    mo, to = ours(*ms), theirs(*ts)
    mo = mo if isinstance(mo, tuple) else (mo,)
    to = to if isinstance(to, tuple) else (to,)
    for m, t in zip(mo, to, strict=True):
        numpy.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-10,
                                      atol=1e-12)
    differentiable = [(m, t) for m, t in zip(mo, to) if t.requires_grad]
    sum(m.sum() for m, _ in differentiable).backward()
    sum(t.sum() for _, t in differentiable).backward()
    for m, t in zip(ms, ts):
        expected = numpy.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = numpy.zeros(m.shape) if m.grad is None else m.grad.numpy()
        numpy.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def check_second_order(fn: Callable[..., Any], *arrays: numpy.ndarray[Any, Any]) -> None:
    ins = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(fn, ins)
    assert gradgradcheck(fn, ins)


@pytest.mark.parametrize("kwargs", [
    {}, {"ord": 1}, {"ord": 3.5}, {"ord": INF}, {"ord": -INF}, {"ord": 0.5},
    {"ord": 2, "dim": 1}, {"ord": 1, "dim": (0, 2), "keepdim": True}, {"dim": -1},
    {"ord": -1, "dim": 0},
])
def test_vector_norm(kwargs: dict[str, Any]) -> None:
    x = RNG.standard_normal((3, 4, 2))
    compare(lambda t: linalg.vector_norm(t, **kwargs),
            lambda t: torch.linalg.vector_norm(t, **kwargs), x)
    if kwargs.get("ord") not in (INF, -INF):  # max/min: a kink at ties only
        check_second_order(lambda t: linalg.vector_norm(t, **kwargs), x)


def test_vector_norm_zero_vector_has_zero_gradient_and_dtype_converts() -> None:
    compare(lambda t: linalg.vector_norm(t, dim=1),
            lambda t: torch.linalg.vector_norm(t, dim=1), numpy.zeros((2, 3)))
    x = minigrad.tensor([3.0, 4.0], dtype=minigrad.float32)
    out = linalg.vector_norm(x, dtype=minigrad.float64)
    assert out.dtype == minigrad.float64 and float(out) == 5.0


@pytest.mark.parametrize("kwargs", [
    {}, {"ord": "fro", "keepdim": True}, {"ord": 1}, {"ord": -1}, {"ord": INF}, {"ord": -INF},
    {"ord": 1, "dim": (0, 2)}, {"ord": INF, "dim": (2, 1), "keepdim": True},
    {"ord": -1, "dim": (-1, 0)},
])
def test_matrix_norm(kwargs: dict[str, Any]) -> None:
    a = RNG.standard_normal((2, 3, 4))
    compare(lambda t: linalg.matrix_norm(t, **kwargs),
            lambda t: torch.linalg.matrix_norm(t, **kwargs), a)


def test_matrix_norm_second_order() -> None:
    a = RNG.standard_normal((2, 3, 4))
    check_second_order(lambda t: linalg.matrix_norm(t), a)
    check_second_order(lambda t: linalg.matrix_norm(t, 1), a + 5)  # no sign changes


@pytest.mark.parametrize("args", [
    ((3, 4), {}), ((3, 4), {"ord": 1}), ((3, 4), {"ord": -INF}), ((4,), {"ord": 3}),
    ((4,), {"ord": INF}), ((2, 3, 4), {}), ((2, 3, 4), {"dim": 1, "ord": 1}),
    ((2, 3, 4), {"dim": (0, 1), "ord": INF}), ((2, 3, 4), {"dim": [2], "keepdim": True}),
    ((2, 3, 4), {"dim": (2, 0)}),
])
def test_norm_dispatches_as_pytorch(args: tuple[tuple[int, ...], dict[str, Any]]) -> None:
    shape, kwargs = args
    compare(lambda t: linalg.norm(t, **kwargs), lambda t: torch.linalg.norm(t, **kwargs),
            RNG.standard_normal(shape))


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # log(0) of a singular one
def test_det_inv_slogdet_match_torch() -> None:
    a = well_conditioned(2, 3, 3)
    compare(linalg.det, torch.linalg.det, a)
    compare(linalg.inv, torch.linalg.inv, a)
    compare(lambda t: tuple(linalg.slogdet(t)), lambda t: tuple(torch.linalg.slogdet(t)),
            a * numpy.array([[[1.0]], [[-1.0]]]))
    check_second_order(lambda t: linalg.slogdet(t).logabsdet, a)
    result = linalg.slogdet(minigrad.zeros(2, 2))
    assert float(result.sign) == 0 and float(result.logabsdet) == -INF


@pytest.mark.parametrize("shapes", [
    ((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3)), ((2, 3, 3), (3,)),
    ((2, 3, 3), (3, 4)), ((3, 3), (2, 3, 1)),
])
def test_solve(shapes: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    a_shape, b_shape = shapes
    a, b = well_conditioned(*a_shape), RNG.standard_normal(b_shape)
    compare(linalg.solve, torch.linalg.solve, a, b)
    check_second_order(linalg.solve, a, b)


def test_solve_from_the_right() -> None:
    a, b = well_conditioned(3, 3), RNG.standard_normal((2, 3))
    compare(lambda x, y: linalg.solve(x, y, left=False),
            lambda x, y: torch.linalg.solve(x, y, left=False), a, b)


def test_matmul_cross_vecdot_multi_dot() -> None:
    compare(linalg.matmul, torch.linalg.matmul, RNG.standard_normal((2, 3, 4)),
            RNG.standard_normal((4, 2)))
    compare(linalg.cross, torch.linalg.cross, RNG.standard_normal((3, 3)),
            RNG.standard_normal((3, 3)))  # the last dimension, not the first
    compare(lambda x, y: linalg.cross(x, y, dim=0), lambda x, y: torch.linalg.cross(x, y, dim=0),
            RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2)))
    compare(linalg.vecdot, torch.linalg.vecdot, RNG.standard_normal((2, 4)),
            RNG.standard_normal((4,)))
    compare(lambda *ts: linalg.multi_dot(ts), lambda *ts: torch.linalg.multi_dot(ts),
            RNG.standard_normal(3), RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2)),
            RNG.standard_normal(2))


ERRORS: list[tuple[str, Callable[[Any], Any], str]] = [
    ("matrix_norm of a vector", lambda L: L.matrix_norm(_x(L, (3,))), "at least 2 dimensions"),
    ("matrix_norm ord 3", lambda L: L.matrix_norm(_x(L, (3, 3)), 3), "Order 3 not supported"),
    ("matrix_norm one dim", lambda L: L.matrix_norm(_x(L, (3, 3)), dim=(1,)),
     "dim must be a 2-tuple"),
    ("matrix_norm equal dims", lambda L: L.matrix_norm(_x(L, (3, 3)), dim=(1, 1)),
     "dims must be different"),
    ("vector_norm of ints", lambda L: L.vector_norm(_x(L, (3,)).long()),
     "floating point or complex tensor as input. Got Long"),
    ("norm ord without dim on 3-D", lambda L: L.norm(_x(L, (2, 2, 2)), 2),
     "must be 1D or 2D. Got 3D"),
    ("inv of a non-square matrix", lambda L: L.inv(_x(L, (2, 3))), "square matrices"),
    ("det of a non-square matrix", lambda L: L.det(_x(L, (2, 3))), "square matrices"),
    ("solve with mismatched shapes", lambda L: L.solve(_x(L, (3, 3)), _x(L, (4, 1))),
     "Incompatible shapes of A and B"),
    ("solve with mixed dtypes", lambda L: L.solve(_x(L, (3, 3)), _x(L, (3,)).float()),
     "A of type Double and B of type Float"),
    ("cross of 4-vectors", lambda L: L.cross(_x(L, (4,)), _x(L, (4,))), "must have length 3"),
]


def _x(lib: Any, shape: tuple[int, ...]) -> Any:
    return (torch if lib is torch.linalg else minigrad).ones(shape, dtype=(
        torch.float64 if lib is torch.linalg else minigrad.float64))


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_say_what_pytorch_says(case: tuple[str, Callable[[Any], Any], str]) -> None:
    _, call, words = case
    with pytest.raises(RuntimeError, match=words):
        call(torch.linalg)
    with pytest.raises(RuntimeError, match=words):
        call(linalg)


def test_singular_matrices_raise_linalg_error() -> None:
    with pytest.raises(linalg.LinAlgError, match="singular"):
        linalg.solve(minigrad.zeros(2, 2), minigrad.ones(2))
    with pytest.raises(linalg.LinAlgError, match="singular"):
        linalg.inv(minigrad.zeros(2, 2))


def test_norms_that_need_singular_values_are_refused_by_name() -> None:
    for ord in ("nuc", 2, -2):
        with pytest.raises(RuntimeError, match="singular values"):
            linalg.matrix_norm(minigrad.ones(2, 2), ord)
    with pytest.raises(TypeError, match="matrix_norm"):
        linalg.vector_norm(minigrad.ones(2), "fro")  # type: ignore[arg-type]


def test_decompositions_are_unknown_names() -> None:
    for name in ("svd", "svdvals", "eigh", "qr"):
        with pytest.raises(AttributeError, match=f"torch.linalg.{name} is not implemented"):
            getattr(linalg, name)
