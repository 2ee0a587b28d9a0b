"""Dropout: zero elements (or whole channels) at random while training."""

from __future__ import annotations

import math

from minigrad.functional.inplace import apply_in_place
from minigrad.functional.operands import constant
from minigrad.optable import S, op
from minigrad.tensor import Tensor


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mask(input: Tensor, p: float, shape: tuple[int, ...]) -> Tensor:
    """Kept positions hold ``1 / (1 - p)``, dropped ones 0 (all 0 when ``p == 1``)."""
    keep = input.backend.rand(shape, input.dtype) >= p
    return constant(input, keep * (0.0 if p == 1.0 else 1.0 / (1.0 - p)))


@op("dropout", functional=True, samples=[S((3, 4), 0.0), S((3, 4), 0.5, False)],
    reference=lambda a, p=0.5, training=True, inplace=False: a)
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
            ) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Does nothing unless ``training``.
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    if inplace:
        return apply_in_place(input, dropout, p, training)
    return input * _mask(input, p, input.shape)


@op("dropout2d", functional=True, samples=[S((2, 3, 4, 4), 0.0), S((3, 2, 2), 0.3, False)],
    reference=lambda a, p=0.5, training=True, inplace=False: a)
def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
              ) -> Tensor:
    """Zero whole channels of an ``(N, C, H, W)`` or ``(C, H, W)`` input with probability
    ``p``, scaling the kept ones by ``1 / (1 - p)``."""
    _check_p(p)
    if input.ndim not in (3, 4):
        raise ValueError(
            f"dropout2d expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
            f"{input.shape}"
        )
    if not training or p == 0.0:
        return input
    if inplace:
        return apply_in_place(input, dropout2d, p, training)
    return input * _mask(input, p, input.shape[:-2] + (1, 1))


def _check_channels_input(input: Tensor, name: str, spatial: int) -> None:
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(
            f"{name}: expected a {spatial + 1}-D or {spatial + 2}-D input (channels, "
            f"{spatial} spatial dimension{'s' if spatial > 1 else ''} and an optional batch "
            f"dimension), got shape {input.shape}"
        )


@op("dropout1d", functional=True, samples=[S((2, 3, 5), 0.0), S((3, 4), 0.4, False)],
    reference=lambda a, p=0.5, training=True, inplace=False: a)
def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
              ) -> Tensor:
    """Zero whole channels of an ``(N, C, L)`` or ``(C, L)`` input with probability ``p``,
    scaling the kept ones by ``1 / (1 - p)``.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]`` or the input is not 2-D or 3-D.
    """
    _check_p(p)
    _check_channels_input(input, "dropout1d", 1)
    if not training or p == 0.0:
        return input
    if inplace:
        return apply_in_place(input, dropout1d, p, training)
    return input * _mask(input, p, input.shape[:-1] + (1,))


@op("dropout3d", functional=True, samples=[S((2, 3, 2, 2, 2), 0.0), S((3, 2, 2, 2), 0.4, False)],
    reference=lambda a, p=0.5, training=True, inplace=False: a)
def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
              ) -> Tensor:
    """Zero whole channels of an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with
    probability ``p``, scaling the kept ones by ``1 / (1 - p)``.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]`` or the input is not 4-D or 5-D.
    """
    _check_p(p)
    _check_channels_input(input, "dropout3d", 3)
    if not training or p == 0.0:
        return input
    if inplace:
        return apply_in_place(input, dropout3d, p, training)
    return input * _mask(input, p, input.shape[:-3] + (1, 1, 1))


# the negative saturation value of SELU, -scale * alpha, where alpha dropout sets a unit
_SELU_FLOOR = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717


def _alpha_dropped(input: Tensor, p: float, shape: tuple[int, ...]) -> Tensor:
    """Dropped units at SELU's floor, then an affine map that restores the mean and
    variance of zero-mean, unit-variance inputs."""
    if p == 1.0:
        return input * 0
    keep = constant(input, input.backend.rand(shape, input.dtype) >= p)
    a = 1.0 / math.sqrt((_SELU_FLOOR ** 2 * p + 1) * (1 - p))
    b = -a * _SELU_FLOOR * p
    return (input * keep + (1 - keep) * _SELU_FLOOR) * a + b


@op("alpha_dropout", torch=True, functional=True,
    samples=[S((3, 4), 0.0, True), S((3, 4), 0.5), S((2, 3), 0.3, False, transposed=True)],
    reference=lambda a, p=0.5, training=False, inplace=False: a)
def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
                  ) -> Tensor:
    """Dropout for self-normalising networks (SELU): in training each unit is set to
    SELU's negative saturation value with probability ``p``, then the result is scaled and
    shifted so that zero-mean, unit-variance inputs keep their mean and variance.

    Does nothing unless ``training`` (whose default is ``False`` here, as in PyTorch).

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.
    """
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if inplace:
        return apply_in_place(input, alpha_dropout, p, training)
    return _alpha_dropped(input, p, input.shape)


@op("feature_alpha_dropout", torch=True, functional=True,
    samples=[S((2, 3, 4), 0.0, True), S((2, 3, 2, 2), 0.5)],
    reference=lambda a, p=0.5, training=False, inplace=False: a)
def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """:func:`alpha_dropout` of whole channels: every element of a dropped channel of an
    ``(N, C, *)`` input takes SELU's saturation value.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``, or the input has fewer than 2 dimensions.
    """
    _check_p(p)
    if input.ndim < 2:
        raise ValueError(f"feature_alpha_dropout: expected an input with a batch and a channel "
                         f"dimension, got shape {input.shape}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if inplace:
        return apply_in_place(input, feature_alpha_dropout, p, training)
    return _alpha_dropped(input, p, input.shape[:2] + (1,) * (input.ndim - 2))
