"""Dropout: zero elements (or whole channels) at random while training."""

from __future__ import annotations

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
