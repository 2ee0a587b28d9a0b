"""Triangles and diagonals of matrices: tril, triu, diag, trace.

All are compositions: ``tril``/``triu`` keep elements with ``where`` and a constant mask,
``diag`` reads a diagonal with an index (or writes one into zeros with the index's
adjoint), ``trace`` sums ``diag``.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.functional.arithmetic import where
from minigrad.functional.indexing import GetItem, IndexAdd
from minigrad.functional.operands import constant
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor


def _triangle(name: str, input: Tensor, diagonal: int, lower: bool) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got shape "
                           f"{input.shape}")
    xp = input.backend.xp
    rows, cols = input.shape[-2:]
    below = xp.tri(rows, cols, diagonal if lower else diagonal - 1, dtype=bool)
    keep = constant(input, below if lower else ~below, bool)
    return where(keep, input, constant(input, 0))


_TRIANGLES = [S((3, 4)), S((4, 3), 1), S((2, 3, 3), -1), S((3, 3), 5),
              S(Arg((3, 3), "int", high=9), note="ints"), S((3, 4), -1, transposed=True)]


@op("tril", method=True, inplace="tril_", torch=True, samples=_TRIANGLES,
    reference=lambda a, diagonal=0: numpy.tril(a, diagonal))
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the matrices (last two dimensions), other elements zero:
    ``diagonal=0`` keeps the main diagonal, ``k > 0`` also ``k`` diagonals above it,
    ``k < 0`` drops ``-k`` below it."""
    return _triangle("tril", input, diagonal, lower=True)


@op("triu", method=True, inplace="triu_", torch=True, samples=_TRIANGLES,
    reference=lambda a, diagonal=0: numpy.triu(a, diagonal))
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the matrices (last two dimensions), other elements zero:
    ``diagonal=0`` keeps the main diagonal, ``k > 0`` drops ``k`` diagonals above it,
    ``k < 0`` also keeps ``-k`` below it."""
    return _triangle("triu", input, diagonal, lower=False)


def _diagonal_index(xp: Any, rows: int, cols: int, offset: int) -> tuple[Any, Any]:
    length = max(min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols), 0)
    steps = xp.arange(length)
    return (steps, steps + offset) if offset >= 0 else (steps - offset, steps)


@op("diag", method=True, torch=True,
    samples=[S((3,)), S((3,), 1), S((2,), -2), S((3, 4)), S((3, 4), 1), S((4, 3), -2),
             S((2, 3), 5, note="beyond the matrix"), S(Arg((3,), "int", high=5), note="ints")],
    reference=lambda a, diagonal=0: numpy.diag(a, diagonal))
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """For a vector, the square matrix with it on diagonal ``diagonal`` (0 the main one,
    positive above, negative below) and zeros elsewhere; for a matrix, that diagonal as a
    vector (a copy).

    Raises
    ------
    RuntimeError
        If ``input`` is not 1-D or 2-D.
    """
    xp = input.backend.xp
    if input.ndim == 1:
        n = input.shape[0] + abs(diagonal)
        index = _diagonal_index(xp, n, n, diagonal)
        return IndexAdd.apply(input, shape=(n, n), index=index)
    if input.ndim == 2:
        n_rows, n_cols = input.shape
        rows, cols = _diagonal_index(xp, n_rows, n_cols, diagonal)
        if rows.shape[0] == 0:
            return input.reshape(-1)[:0]
        if input.dtype == numpy.dtype(bool):
            return GetItem.apply(input, index=(rows, cols))
        # the diagonal's row sums of the masked matrix: no index arrays (ONNX-friendly)
        on_diagonal = constant(input, xp.eye(n_rows, n_cols, diagonal, dtype=bool), bool)
        first = int(rows[0])
        kept = where(on_diagonal, input, constant(input, 0)).sum(1)
        return kept[first:first + rows.shape[0]].to(input.dtype)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D (shape "
                       f"{input.shape})")


@op("trace", method=True, torch=True,
    samples=[S((3, 3)), S((2, 4)), S(Arg((3, 2), "int", high=5), note="ints")],
    reference=lambda a: numpy.trace(a))
def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix (int64 for integer matrices)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim} "
                           f"(shape {input.shape})")
    return diag(input).sum()
