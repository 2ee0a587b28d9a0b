"""Piecewise activations: linear pieces (one quadratic piece for hardswish) joined at kinks.

The rest of the ReLU family of ``torch.nn.functional`` (threshold, the shrinkage
functions, the "hard" sigmoid and swish of MobileNetV3, learnable and randomized leaky
slopes) and the in-place ``_`` forms (``relu_``, ``leaky_relu_``, ``hardtanh_``,
``threshold_``, ``rrelu_``). Each is a composite of ``where``, ``clamp`` and arithmetic, so
its gradients, to any order, are those ops' gradients. The comparisons are PyTorch's
(``x <= threshold`` picks ``value``...), so a NaN input comes out as PyTorch's does.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.functional.activation import hardtanh, leaky_relu, relu
from minigrad.functional.arithmetic import where
from minigrad.functional.inplace import apply_in_place
from minigrad.functional.operands import constant
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor

_SLOPES = Arg((3,), "positive", requires_grad=True)


def on_a_copy(fn: Any, input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """Call an in-place op on a copy of a sample's input (a leaf can't change in place)."""
    return fn(input * 1, *args, **kwargs)


# --- thresholds and shrinkage ---------------------------------------------------------------
@op("threshold", torch=True, functional=True,
    samples=[S((3, 4), 0.1, 20.0), S((2, 5), -0.5, -2.0, transposed=True)],
    reference=lambda a, threshold, value, inplace=False: numpy.where(a <= threshold, value, a))
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``.

    Parameters
    ----------
    input : Tensor
        Any shape.
    threshold : float
        Elements at or below it are replaced.
    value : float
        What replaces them (their gradient is zero).
    inplace : bool
        Overwrite ``input``.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.threshold(minigrad.tensor([-1.0, 0.5, 2.0]), 1.0, 0.0).tolist()
    [0.0, 0.0, 2.0]
    """
    if inplace:
        return apply_in_place(input, _threshold, threshold, value)
    return _threshold(input, threshold, value)


def _threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    return where(input <= threshold, value, input)


@op("threshold_", torch=True, functional=True,
    samples=[S((3, 4), 0.1, 20.0, call=on_a_copy)],
    reference=lambda a, threshold, value: numpy.where(a <= threshold, value, a))
def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`: ``input`` is overwritten and returned."""
    return apply_in_place(input, _threshold, threshold, value)


@op("hardshrink", method=True, torch=True, functional=True,
    samples=[S((3, 4)), S((5,), 1.0), S((2, 3), -0.2, transposed=True)],
    reference=lambda a, lambd=0.5: numpy.where((a >= -lambd) & (a <= lambd), 0.0, a))
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``0`` where ``-lambd <= x <= lambd``, else ``x``.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.hardshrink(minigrad.tensor([-1.0, 0.25, 0.75])).tolist()
    [-1.0, 0.0, 0.75]
    """
    return where((input >= -lambd) & (input <= lambd), 0.0, input)


@op("softshrink", functional=True, samples=[S((3, 4)), S((5,), 1.0), S((4,), 0.0)],
    reference=lambda a, lambd=0.5: numpy.where(
        a > lambd, a - lambd, numpy.where(a < -lambd, a + lambd, 0.0)))
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """Shrink towards zero by ``lambd``: ``x - lambd`` above ``lambd``, ``x + lambd`` below
    ``-lambd``, else 0.

    Raises
    ------
    RuntimeError
        If ``lambd`` is negative.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.softshrink(minigrad.tensor([-1.0, 0.2, 2.0])).tolist()
    [-0.5, 0.0, 1.5]
    """
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambd must be non-negative, but found {lambd}")
    return where(input > lambd, input - lambd, where(input < -lambd, input + lambd, input * 0))


# --- the "hard" sigmoid and swish of MobileNetV3 --------------------------------------------
def _np_relu6_shifted(a: Any) -> Any:
    return numpy.clip(a + 3.0, 0.0, 6.0)


@op("hardsigmoid", functional=True, samples=[S((3, 4)), S((2, 5), transposed=True)],
    reference=lambda a, inplace=False: _np_relu6_shifted(a) / 6.0)
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, linear between.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.hardsigmoid(minigrad.tensor([-4.0, 0.0, 4.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    if inplace:
        return apply_in_place(input, hardsigmoid)
    return (input + 3.0).clamp(0.0, 6.0) / 6.0


@op("hardswish", functional=True, samples=[S((3, 4)), S((2, 5), transposed=True)],
    reference=lambda a, inplace=False: a * _np_relu6_shifted(a) / 6.0)
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6`` (MobileNetV3's cheap swish).

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.hardswish(minigrad.tensor([-4.0, 0.0, 3.0, 4.0])).tolist()
    [-0.0, 0.0, 3.0, 4.0]
    """
    if inplace:
        return apply_in_place(input, hardswish)
    return input * (input + 3.0).clamp(0.0, 6.0) / 6.0


# --- learned and randomized slopes -----------------------------------------------------------
def _np_prelu(a: Any, w: Any) -> Any:
    shape = [1] * a.ndim
    if a.ndim >= 2 and w.size > 1:
        shape[1] = -1
    return numpy.where(a > 0, a, w.reshape(shape if a.ndim else ()) * a)


@op("prelu", method=True, torch=True, functional=True,
    samples=[S((2, 3, 4), _SLOPES), S((4, 3), Arg((1,), "positive")),
             S((2, 3, 2, 2), _SLOPES, transposed=True), S((), Arg((1,), "positive"))],
    reference=_np_prelu)
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where ``x > 0``, else ``weight * x``, with one learned slope per channel
    (dimension 1) or one for all.

    Parameters
    ----------
    input : Tensor
        ``(N, C, *)``, or any shape when ``weight`` has one element.
    weight : Tensor
        The slopes: one element, or ``C``.

    Raises
    ------
    RuntimeError
        If ``weight`` has neither 1 nor ``C`` elements.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.prelu(minigrad.tensor([[-2.0, 3.0]]), minigrad.tensor([0.25])).tolist()
    [[-0.5, 3.0]]
    """
    count = weight.numel()
    channels = input.shape[1] if input.ndim >= 2 else 1
    if count != 1 and count != channels:
        raise RuntimeError(
            f"prelu: weight has {count} elements but the input of shape {input.shape} has "
            f"{channels} channels (dimension 1); expected 1 or {channels}"
        )
    if count == 1:
        slope = weight.reshape(())
    else:
        slope = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    return where(input > 0, input, slope * input)


def _check_bounds(lower: float, upper: float) -> None:
    if lower > upper:
        raise RuntimeError(
            f"rrelu: the lower bound {lower} must be less than or equal to the upper bound "
            f"{upper}"
        )


@op("rrelu", torch=True, functional=True,
    samples=[S((3, 4)), S((2, 5), 0.1, 0.3, transposed=True),
             S((3, 4), 0.2, 0.2, True, note="training, lower == upper")],
    reference=lambda a, lower=1 / 8, upper=1 / 3, training=False, inplace=False: numpy.where(
        a <= 0, a * (lower if training else (lower + upper) / 2), a))
def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: negative elements are multiplied by a slope drawn uniformly
    from ``[lower, upper]`` for each element in training, and by the mean slope
    ``(lower + upper) / 2`` otherwise.

    Raises
    ------
    RuntimeError
        If ``lower > upper``.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.rrelu(minigrad.tensor([-4.0, 1.0]), 0.125, 0.375).tolist()
    [-1.0, 1.0]
    """
    _check_bounds(lower, upper)
    if inplace:
        return apply_in_place(input, rrelu, lower, upper, training)
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    draw = input.backend.rand(input.shape, input.dtype) * (upper - lower) + lower
    return where(input <= 0, input * constant(input, draw), input)


@op("rrelu_", torch=True, functional=True, samples=[S((3, 4), 0.1, 0.3, call=on_a_copy)],
    reference=lambda a, lower=1 / 8, upper=1 / 3, training=False: numpy.where(
        a <= 0, a * (lower + upper) / 2, a))
def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place :func:`rrelu`: ``input`` is overwritten and returned."""
    return rrelu(input, lower, upper, training, inplace=True)


# --- in-place forms of the core activations --------------------------------------------------
@op("relu_", torch=True, functional=True, samples=[S((3, 4), call=on_a_copy)],
    reference=lambda a: numpy.maximum(a, 0))
def relu_(input: Tensor) -> Tensor:
    """In-place :func:`~minigrad.nn.functional.relu`: ``input`` is overwritten and
    returned."""
    return relu(input, inplace=True)


@op("leaky_relu_", functional=True, samples=[S((3, 4), 0.2, call=on_a_copy)],
    reference=lambda a, slope=0.01: numpy.where(a > 0, a, a * slope))
def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`~minigrad.nn.functional.leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


@op("hardtanh_", functional=True, samples=[S((3, 4), -0.5, 0.5, call=on_a_copy)],
    reference=lambda a, lo=-1.0, hi=1.0: numpy.clip(a, lo, hi))
def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`~minigrad.nn.functional.hardtanh`.

    Raises
    ------
    ValueError
        If ``min_val > max_val``.
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh_: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return hardtanh(input, min_val, max_val, inplace=True)
