"""Function forms of the tensor ops (``minigrad.exp(x)`` is ``x.exp()``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.ops import elementwise, linalg, shape
from minigrad.tensor import Scalar, Tensor

__all__ = [
    "abs", "amax", "amin", "argmax", "argmin", "cat", "chunk", "clamp", "cos", "exp",
    "flatten", "gather", "log", "log_softmax", "logsumexp", "matmul", "max", "maximum",
    "mean", "min", "minimum", "permute", "prod", "relu", "reshape", "sigmoid", "sin",
    "softmax", "split", "sqrt", "squeeze", "stack", "std", "sum", "tanh", "transpose",
    "unsqueeze", "var", "where",
]

Dims = int | Sequence[int] | None

cat = shape.cat
stack = shape.stack
where = elementwise.where
clamp = elementwise.clamp
matmul = linalg.matmul


def abs(input: Tensor) -> Tensor:
    """Elementwise absolute value."""
    return input.abs()


def exp(input: Tensor) -> Tensor:
    """Elementwise exponential."""
    return input.exp()


def log(input: Tensor) -> Tensor:
    """Elementwise natural logarithm."""
    return input.log()


def sqrt(input: Tensor) -> Tensor:
    """Elementwise square root."""
    return input.sqrt()


def sin(input: Tensor) -> Tensor:
    """Elementwise sine."""
    return input.sin()


def cos(input: Tensor) -> Tensor:
    """Elementwise cosine."""
    return input.cos()


def tanh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic tangent."""
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:
    """Elementwise logistic function."""
    return input.sigmoid()


def relu(input: Tensor) -> Tensor:
    """Elementwise ``max(x, 0)``."""
    return input.relu()


def maximum(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise maximum of two tensors (broadcast)."""
    return input.maximum(other)


def minimum(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise minimum of two tensors (broadcast)."""
    return input.minimum(other)


def sum(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Sum over ``dim`` (all dimensions when None)."""
    return input.sum(dim, keepdim)


def mean(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim`` (all dimensions when None)."""
    return input.mean(dim, keepdim)


def var(input: Tensor, dim: Dims = None, correction: int = 1, keepdim: bool = False) -> Tensor:
    """Variance over ``dim`` with ``N - correction`` in the denominator."""
    return input.var(dim, correction, keepdim)


def std(input: Tensor, dim: Dims = None, correction: int = 1, keepdim: bool = False) -> Tensor:
    """Standard deviation over ``dim``."""
    return input.std(dim, correction, keepdim)


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Product over ``dim`` (all elements when None)."""
    return input.prod(dim, keepdim)


def amax(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Maximum over ``dim``."""
    return input.amax(dim, keepdim)


def amin(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Minimum over ``dim``."""
    return input.amin(dim, keepdim)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Maximum; ``(values, indices)`` along an int ``dim``; elementwise with a tensor."""
    return input.max(dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Minimum; ``(values, indices)`` along an int ``dim``; elementwise with a tensor."""
    return input.min(dim, keepdim)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Indices of the maxima."""
    return input.argmax(dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Indices of the minima."""
    return input.argmin(dim, keepdim)


def logsumexp(input: Tensor, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, without overflow."""
    return input.logsumexp(dim, keepdim)


def softmax(input: Tensor, dim: int) -> Tensor:
    """Softmax along ``dim``."""
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """Log-softmax along ``dim``."""
    return input.log_softmax(dim)


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:
    """``input`` with a new shape."""
    return input.reshape(tuple(shape))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim``."""
    return input.flatten(start_dim, end_dim)


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop size-1 dimensions."""
    return input.squeeze(dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension."""
    return input.unsqueeze(dim)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    return input.transpose(dim0, dim1)


def permute(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Reorder dimensions."""
    return input.permute(*dims)


def split(input: Tensor, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split into pieces along ``dim``."""
    return input.split(split_size, dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces along ``dim``."""
    return input.chunk(chunks, dim)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Values along ``dim`` at ``index``."""
    return input.gather(dim, index)
