"""minigrad.autograd.functional against torch.autograd.functional on small functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy
import pytest

import minigrad
from minigrad.autograd import functional as AF

torch = pytest.importorskip("torch")
TF = torch.autograd.functional
# torch's own vectorize=True path scripts a helper with a deprecated API
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")

RNG = numpy.random.default_rng(1)


def arrays(*shapes: tuple[int, ...]) -> list[numpy.ndarray[Any, Any]]:
    return [RNG.standard_normal(s) for s in shapes]


def wrap(values: list[numpy.ndarray[Any, Any]], lib: Any, as_tuple: bool) -> Any:
    ts = tuple(lib.tensor(v) for v in values)
    return ts if as_tuple else ts[0]


def assert_same(ours: Any, theirs: Any) -> None:
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert_same(o, t)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    numpy.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10,
                                  atol=1e-12)


# (name, function written once for both libraries, input shapes, inputs as a tuple)
FUNCTIONS: list[tuple[str, Callable[..., Any], list[tuple[int, ...]], bool]] = [
    ("elementwise", lambda x: x.exp() * x, [(3,)], False),
    ("matrix to vector", lambda x: (x @ x.T).sum(1), [(2, 3)], False),
    ("two inputs", lambda x, y: x * y.sin() + x.sum(), [(3,), (3,)], True),
    ("two outputs", lambda x: (x.tanh(), (x * x).sum()), [(2, 2)], False),
    ("tuple to tuple", lambda x, y: (x @ y, y.exp().sum(0)), [(2, 3), (3, 2)], True),
    ("single input in a tuple", lambda x: x ** 3, [(2,)], True),
]
SCALARS: list[tuple[str, Callable[..., Any], list[tuple[int, ...]], bool]] = [
    ("cube", lambda x: (x ** 3).sum(), [(3,)], False),
    ("matrix", lambda x: (x.sin() @ x.T).sum(), [(2, 3)], False),
    ("two inputs", lambda x, y: (x.exp() * y * y).sum(), [(2,), (2,)], True),
]


def ids(cases: list[Any]) -> list[str]:
    return [c[0] for c in cases]


@pytest.mark.parametrize("case", FUNCTIONS, ids=ids(FUNCTIONS))
def test_jacobian(case: Any) -> None:
    _, fn, shapes, as_tuple = case
    values = arrays(*shapes)
    for kwargs in ({}, {"vectorize": True}):
        assert_same(AF.jacobian(fn, wrap(values, minigrad, as_tuple), **kwargs),
                    TF.jacobian(fn, wrap(values, torch, as_tuple), **kwargs))


@pytest.mark.parametrize("case", FUNCTIONS, ids=ids(FUNCTIONS))
def test_vjp_and_jvp(case: Any) -> None:
    _, fn, shapes, as_tuple = case
    values = arrays(*shapes)
    outputs = fn(*wrap(values, torch, True))
    out_values = [o.detach().numpy() * 0 + RNG.standard_normal(o.shape)
                  for o in (outputs if isinstance(outputs, tuple) else (outputs,))]
    out_tuple = isinstance(outputs, tuple)
    assert_same(AF.vjp(fn, wrap(values, minigrad, as_tuple), wrap(out_values, minigrad,
                                                                  out_tuple)),
                TF.vjp(fn, wrap(values, torch, as_tuple), wrap(out_values, torch, out_tuple)))
    v = arrays(*shapes)
    assert_same(AF.jvp(fn, wrap(values, minigrad, as_tuple), wrap(v, minigrad, as_tuple)),
                TF.jvp(fn, wrap(values, torch, as_tuple), wrap(v, torch, as_tuple)))


@pytest.mark.parametrize("case", SCALARS, ids=ids(SCALARS))
def test_hessian_hvp_vhp(case: Any) -> None:
    _, fn, shapes, as_tuple = case
    values, v = arrays(*shapes), arrays(*shapes)
    assert_same(AF.hessian(fn, wrap(values, minigrad, as_tuple)),
                TF.hessian(fn, wrap(values, torch, as_tuple)))
    for ours, theirs in ((AF.hvp, TF.hvp), (AF.vhp, TF.vhp)):
        assert_same(ours(fn, wrap(values, minigrad, as_tuple), wrap(v, minigrad, as_tuple)),
                    theirs(fn, wrap(values, torch, as_tuple), wrap(v, torch, as_tuple)))


def test_vjp_without_v_for_a_scalar_output() -> None:
    fn = lambda x: (x * x).sum()  # noqa: E731
    x = numpy.array([1.0, -2.0])
    assert_same(AF.vjp(fn, minigrad.tensor(x)), TF.vjp(fn, torch.tensor(x)))


def test_create_graph_makes_the_result_differentiable() -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    fn = lambda t: t ** 3  # noqa: E731
    AF.jacobian(fn, x, create_graph=True).sum().backward()
    TF.jacobian(fn, tx, create_graph=True).sum().backward()
    assert x.grad is not None and tx.grad is not None
    numpy.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    plain = AF.jacobian(fn, x)
    assert not plain.requires_grad


def test_independent_inputs_give_zeros_or_a_strict_error() -> None:
    fn = lambda x, y: x * 2  # noqa: E731
    values = arrays((2,), (3,))
    assert_same(AF.jacobian(fn, wrap(values, minigrad, True)),
                TF.jacobian(fn, wrap(values, torch, True)))
    for lib, module in ((minigrad, AF), (torch, TF)):
        with pytest.raises(RuntimeError, match="independent of input 1"):
            module.jacobian(fn, wrap(values, lib, True), strict=True)
        with pytest.raises(RuntimeError, match="independent of input 1"):
            module.vjp(fn, wrap(values, lib, True), lib.ones(2), strict=True)


ERRORS: list[tuple[str, Callable[[Any, Any], Any], type[Exception], str]] = [
    ("hessian of a vector function", lambda M, lib: M.hessian(lambda x: x * 2, lib.ones(2)),
     RuntimeError, "should contain a single element"),
    ("v of the wrong size", lambda M, lib: M.vjp(lambda x: x * 2, lib.ones(2), lib.ones(3)),
     RuntimeError, "^v has invalid size"),
    ("v missing for a vector output", lambda M, lib: M.vjp(lambda x: x * 2, lib.ones(2)),
     RuntimeError, "v can only be None"),
    ("input not a tensor", lambda M, lib: M.jacobian(lambda x: x, (lib.ones(2), 3)),
     TypeError, "must be either a Tensor or a tuple of Tensors"),
    ("v of the wrong size in a tuple",
     lambda M, lib: M.jvp(lambda x, y: x * y, (lib.ones(2), lib.ones(2)),
                          (lib.ones(2), lib.ones(3))),
     RuntimeError, "Entry 1 in v has invalid size"),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(case: Any) -> None:
    _, call, error, words = case
    with pytest.raises(error, match=words):
        call(TF, torch)
    with pytest.raises(error, match=words):
        call(AF, minigrad)


def test_forward_mode_needs_vectorize() -> None:
    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        TF.jacobian(lambda x: x, torch.ones(2), strategy="forward-mode")
    with pytest.raises(ValueError, match="only implemented for `vectorize=True`"):
        AF.jacobian(lambda x: x, minigrad.ones(2), strategy="forward-mode")
    x = numpy.array([0.5, 2.0])
    assert_same(AF.jacobian(lambda t: t.exp(), minigrad.tensor(x), vectorize=True,
                            strategy="forward-mode"),
                TF.jacobian(lambda t: t.exp(), torch.tensor(x), vectorize=True,
                            strategy="forward-mode"))
