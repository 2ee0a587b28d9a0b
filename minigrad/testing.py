"""Checking gradients against finite differences, and comparing tensors.

Examples
--------
>>> import minigrad
>>> from minigrad.testing import gradcheck, gradgradcheck
>>> x = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)
>>> gradcheck(lambda t: (t * t).tanh(), [x])
True
>>> gradgradcheck(lambda t: (t * t).tanh(), [x])
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy

from minigrad.autograd import enable_grad, grad
from minigrad.backends import Backend
from minigrad.tensor import Tensor

__all__ = ["GradcheckError", "assert_close", "gradcheck", "gradgradcheck", "second_backend"]


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with finite differences."""


def _host(t: Tensor) -> numpy.ndarray[Any, Any]:
    return t.detach().numpy()


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _weights(outputs: Sequence[Any]) -> list[Tensor | None]:
    """Fixed random projections, one per output, so any output shape reduces to a scalar."""
    rng = numpy.random.default_rng(1234)
    weights: list[Tensor | None] = []
    for out in outputs:
        if isinstance(out, Tensor) and out.dtype.kind == "f":
            host = rng.standard_normal(out.shape).astype(out.dtype)
            weights.append(Tensor.from_array(out.backend.asarray(host), out.backend))
        else:
            weights.append(None)
    return weights


def _projection(outputs: Sequence[Any], weights: Sequence[Tensor | None]) -> Tensor | None:
    total = None
    for out, w in zip(outputs, weights):
        if w is not None and out.requires_grad:
            term = (out * w).sum()
            total = term if total is None else total + term
    return total


def _numeric_value(outputs: Sequence[Any], weights: Sequence[Tensor | None]) -> float:
    total = 0.0
    for out, w in zip(outputs, weights):
        if w is not None:
            total += float((_host(out).astype(numpy.float64) * _host(w)).sum())
    return total


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare the gradients of ``fn`` at ``inputs`` with central finite differences.

    Each output is projected onto a fixed random tensor, and the gradient of the sum with
    respect to every input with ``requires_grad`` is checked element by element.

    Parameters
    ----------
    fn : callable
        Takes the ``inputs`` and returns a tensor or a tuple of tensors.
    inputs : sequence
        Arguments of ``fn``; tensors that require grad must be float64.
    eps, atol, rtol : float
        Step of the differences and tolerances of the comparison.
    raise_exception : bool
        Raise :class:`GradcheckError` on a mismatch instead of returning False.

    Returns
    -------
    bool
        True when every gradient matches.
    """
    inputs = tuple(inputs)
    checked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    for t in checked:
        if t.dtype != numpy.float64:
            raise ValueError(f"gradcheck needs float64 inputs for accuracy, got {t.dtype}")
    with enable_grad():
        outputs = _as_tuple(fn(*inputs))
        weights = _weights(outputs)
        total = _projection(outputs, weights)
        if total is None:
            analytic: list[Any] = [None] * len(checked)
        else:
            analytic = list(grad(total, checked, allow_unused=True))

    for n, (t, a) in enumerate(zip(checked, analytic)):
        expected = numpy.zeros(t.shape)
        array = t.array
        for index in numpy.ndindex(*t.shape):
            original = array[index].item()
            array[index] = original + eps
            with enable_grad():
                plus = _numeric_value(_as_tuple(fn(*inputs)), weights)
            array[index] = original - eps
            with enable_grad():
                minus = _numeric_value(_as_tuple(fn(*inputs)), weights)
            array[index] = original
            expected[index] = (plus - minus) / (2 * eps)
        got = numpy.zeros(t.shape) if a is None else _host(a).astype(numpy.float64)
        if got.shape != expected.shape or not numpy.allclose(got, expected, rtol, atol):
            if not raise_exception:
                return False
            worst = numpy.unravel_index(numpy.argmax(abs(got - expected)), expected.shape)
            raise GradcheckError(
                f"gradient of input {n} (shape {t.shape}) does not match finite differences; "
                f"largest difference at {tuple(int(i) for i in worst)}: analytic "
                f"{got[worst]:.6g} vs numeric {expected[worst]:.6g}\n"
                f"analytic:\n{got}\nnumeric:\n{expected}"
            )
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: :func:`gradcheck` of the gradient of ``fn``.

    The gradient is computed with ``create_graph=True`` and checked, as a function of the
    inputs, against finite differences.

    Parameters
    ----------
    fn, inputs, eps, atol, rtol, raise_exception
        As for :func:`gradcheck`.
    """
    inputs = tuple(inputs)
    with enable_grad():
        weights = _weights(_as_tuple(fn(*inputs)))

    def first_gradient(*args: Any) -> tuple[Tensor, ...]:
        checked = [t for t in args if isinstance(t, Tensor) and t.requires_grad]
        total = _projection(_as_tuple(fn(*args)), weights)
        if total is None:
            return tuple(t.detach() * 0 for t in checked)
        grads = grad(total, checked, create_graph=True, allow_unused=True)
        return tuple(t.detach() * 0 if g is None else g for t, g in zip(checked, grads))

    return gradcheck(
        first_gradient, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception
    )


def assert_close(
    actual: Any, expected: Any, *, rtol: float | None = None, atol: float | None = None,
    equal_nan: bool = False, check_dtype: bool = True, msg: str = "",
) -> None:
    """Assert that two tensors (or arrays, or numbers) are equal within tolerances.

    Defaults follow PyTorch: ``rtol=1.3e-6, atol=1e-5`` for float32 and ``rtol=1e-7,
    atol=1e-7`` for float64; other dtypes must match exactly. When both arguments are
    tensors their dtypes must match too (``check_dtype``); a tensor may be compared with
    plain numbers or nested lists, whose dtype is not checked.

    Raises
    ------
    AssertionError
        Naming the shapes or dtypes when they differ, else the largest difference and
        where it is.
    """
    a = _host(actual) if isinstance(actual, Tensor) else numpy.asarray(actual)
    e = _host(expected) if isinstance(expected, Tensor) else numpy.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(f"{msg}shapes differ: {a.shape} (actual) vs {e.shape} (expected)")
    both_tensors = isinstance(actual, Tensor) and isinstance(expected, Tensor)
    if check_dtype and both_tensors and a.dtype != e.dtype:
        raise AssertionError(f"{msg}dtypes differ: {a.dtype} (actual) vs {e.dtype} (expected)")
    if rtol is None or atol is None:
        low = numpy.float32 if numpy.float32 in (a.dtype, e.dtype) else a.dtype
        default = {numpy.dtype(numpy.float32): (1.3e-6, 1e-5),
                   numpy.dtype(numpy.float16): (1e-3, 1e-5)}.get(
            numpy.dtype(low), (1e-7, 1e-7) if a.dtype.kind == "f" else (0.0, 0.0))
        rtol = default[0] if rtol is None else rtol
        atol = default[1] if atol is None else atol
    a64, e64 = a.astype(numpy.float64), e.astype(numpy.float64)
    close = numpy.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not close.all():
        diff = numpy.where(close, 0, abs(a64 - e64))
        worst = numpy.unravel_index(numpy.argmax(diff), diff.shape)
        raise AssertionError(
            f"{msg}{int((~close).sum())} of {close.size} elements differ (rtol={rtol}, "
            f"atol={atol}); worst at {tuple(int(i) for i in worst)}: {a64[worst]!r} vs "
            f"{e64[worst]!r}"
        )


class _SecondBackend(Backend):
    """A NumPy backend under another name: moving a tensor to it is a real backend move."""

    xp = numpy
    name = "numpy (second)"


_second: list[Backend] = []


def second_backend() -> Backend:
    """A second CPU backend (NumPy under another name), for testing moves between backends
    on a machine with only one."""
    if not _second:
        _second.append(_SecondBackend())
    return _second[0]
