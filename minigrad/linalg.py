"""``minigrad.linalg``: PyTorch's ``torch.linalg`` functions that CNN code reaches for.

Every function is a composition of minigrad's ops (``norm``, ``det``, ``inverse``,
``matmul``, ``cross``, reductions), so each is differentiable to any order through them.
Decompositions (``svd``, ``eigh``, ``qr``...) and what depends on them (the nuclear and
spectral matrix norms) are not implemented: asking for them is an error that says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from minigrad.functional.linalg import matmul as _matmul
from minigrad.functional.matrices import cross as _cross
from minigrad.functional.matrices import det as _det
from minigrad.functional.matrices import inverse as _inverse
from minigrad.functional.operands import axis as _axis
from minigrad.functional.reduce import norm as _norm
from minigrad.tensor import Tensor

__all__ = [
    "LinAlgError",
    "cross",
    "det",
    "inv",
    "matmul",
    "matrix_norm",
    "multi_dot",
    "norm",
    "slogdet",
    "solve",
    "vecdot",
    "vector_norm",
]

Dims = int | Sequence[int] | None


class LinAlgError(RuntimeError):
    """A matrix that the computation needs invertible is singular (as
    ``torch.linalg.LinAlgError``, a ``RuntimeError``)."""


class SlogdetResult(NamedTuple):
    """What :func:`slogdet` returns: ``sign`` and ``logabsdet``."""

    sign: Tensor
    logabsdet: Tensor


_TORCH_TYPE_NAMES = {"float64": "Double", "float32": "Float", "float16": "Half",
                     "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                     "uint8": "Byte", "bool": "Bool"}


def _dtype_name(t: Tensor) -> str:
    """The dtype as PyTorch's messages name it (``Double``, ``Long``)."""
    name = str(t.dtype).rsplit(".", 1)[-1]
    return _TORCH_TYPE_NAMES.get(name, name)


def _floating(name: str, t: Tensor) -> None:
    if t.dtype.kind != "f":
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as "
                           f"input. Got {_dtype_name(t)}")


def vector_norm(x: Tensor, ord: float = 2, dim: Dims = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (every element when None).

    Parameters
    ----------
    x : Tensor
        Floating point input of any shape.
    ord : float
        ``2`` (Euclidean), any other real number (``sum(|x|**ord)**(1/ord)``), ``inf`` /
        ``-inf`` (largest / smallest magnitude) or ``0`` (the number of non-zero elements).
    dim : int or sequence of int, optional
        The dimensions reduced; all of them when None (the input is read flattened).
    keepdim : bool
        Keep the reduced dimensions with size 1.
    dtype : dtype, optional
        Convert ``x`` to this dtype before computing.

    Returns
    -------
    Tensor
        The norms; the gradient of a zero norm is zero, as in PyTorch.

    Raises
    ------
    TypeError
        If ``ord`` is not a number (``"fro"`` belongs to :func:`matrix_norm`).
    RuntimeError
        If ``x`` is not floating point.

    Examples
    --------
    >>> import minigrad
    >>> float(minigrad.linalg.vector_norm(minigrad.tensor([3.0, -4.0])))
    5.0
    """
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg.vector_norm: argument 'ord' must be a number, not "
                        f"{type(ord).__name__} ({ord!r}); use linalg.matrix_norm for "
                        "'fro' and 'nuc'")
    if dtype is not None:
        x = x.to(dtype)
    _floating("vector_norm", x)
    if isinstance(dim, Sequence) and len(dim) == 0:
        dim = None  # PyTorch reads an empty dim as every dimension
    return _norm(x, float(ord), dim, keepdim)


_UNSUPPORTED_MATRIX_ORDS = ("nuc", 2, -2)


def matrix_norm(A: Tensor, ord: float | str = "fro", dim: tuple[int, int] = (-2, -1),
                keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The matrix norm of ``A`` (or of each matrix in a batch) over the two ``dim``.

    Parameters
    ----------
    A : Tensor
        Floating point, at least 2-D.
    ord : {"fro", 1, -1, inf, -inf}
        ``"fro"``: the Frobenius norm; ``1`` / ``-1``: the largest / smallest column sum
        of magnitudes; ``inf`` / ``-inf``: the largest / smallest row sum.
        ``"nuc"``, ``2`` and ``-2`` need singular values, which minigrad does not compute:
        they raise.
    dim : tuple of two ints
        The row and column dimensions.
    keepdim : bool
        Keep them with size 1.
    dtype : dtype, optional
        Convert ``A`` to this dtype before computing.

    Raises
    ------
    RuntimeError
        If ``A`` has fewer than 2 dimensions or is not floating point, ``dim`` is not two
        different dimensions, or ``ord`` is not one of the above.

    Examples
    --------
    >>> import minigrad
    >>> A = minigrad.tensor([[1.0, -2.0], [3.0, 4.0]])
    >>> float(minigrad.linalg.matrix_norm(A, ord=1))
    6.0
    """
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if isinstance(dim, int) or len(dim) != 2:
        count = 1 if isinstance(dim, int) else len(dim)
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {count}")
    rows, cols = (_axis(d, A.ndim) for d in dim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got "
                           f"({dim[0]}, {dim[1]})")
    if dtype is not None:
        A = A.to(dtype)
    _floating("matrix_norm", A)
    if ord == "fro":
        return _norm(A, 2.0, (rows, cols), keepdim)
    if isinstance(ord, str) or ord in _UNSUPPORTED_MATRIX_ORDS:
        if ord in _UNSUPPORTED_MATRIX_ORDS:
            raise RuntimeError(f"linalg.matrix_norm: ord={ord!r} needs the singular values "
                               "of A, which minigrad does not compute (no linalg.svd); "
                               "use 'fro', 1, -1, inf or -inf")
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    # 1-norms sum each column (over the rows) and pick among columns; inf-norms the reverse
    summed, picked = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = A.abs().sum(summed, keepdim=True)
    out = sums.amax(picked, keepdim=True) if ord > 0 else sums.amin(picked, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


def norm(A: Tensor, ord: float | str | None = None, dim: Dims = None, keepdim: bool = False,
         *, dtype: Any = None) -> Tensor:
    """A vector or matrix norm, chosen as ``torch.linalg.norm`` chooses.

    With ``dim`` an int (or one dimension) it is :func:`vector_norm` (``ord`` defaults to
    2); with two dimensions :func:`matrix_norm` (``ord`` defaults to ``"fro"``). Without
    ``dim``: with ``ord`` given, ``A`` must be 1-D (a vector norm) or 2-D (a matrix norm);
    with neither, the 2-norm of every element.

    Raises
    ------
    RuntimeError
        If ``ord`` is given without ``dim`` for an input that is not 1-D or 2-D, or for the
        reasons of :func:`vector_norm` / :func:`matrix_norm`.

    Examples
    --------
    >>> import minigrad
    >>> A = minigrad.ones(2, 2)
    >>> float(minigrad.linalg.norm(A)), float(minigrad.linalg.norm(A, float("inf")))
    (2.0, 2.0)
    """
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else _number("norm", ord), dims, keepdim,
                               dtype=dtype)
        if len(dims) != 2:
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or "
                               f"2. Got {list(dims)}")
        return matrix_norm(A, "fro" if ord is None else ord, (dims[0], dims[1]), keepdim,
                           dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, _number("norm", ord), None, keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                       f"1D or 2D. Got {A.ndim}D.")


def _number(name: str, ord: float | str) -> float:
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.{name}: ord={ord!r} is a matrix norm, which needs two "
                           "dimensions; a vector norm takes a number")
    return ord


def det(A: Tensor) -> Tensor:
    """The determinant of a square matrix, or of each in a batch ``(..., n, n)``.

    Raises
    ------
    RuntimeError
        If the matrices are not square or not floating point.

    Examples
    --------
    >>> import minigrad
    >>> float(minigrad.linalg.det(minigrad.tensor([[2.0, 1.0], [1.0, 3.0]])))
    5.0
    """
    return _det(A)


def inv(A: Tensor) -> Tensor:
    """The inverse of a square matrix, or of each in a batch ``(..., n, n)``.

    Raises
    ------
    RuntimeError
        If the matrices are not square or not floating point.
    LinAlgError
        If a matrix is singular.
    """
    try:
        return _inverse(A)
    except RuntimeError as exc:
        if "singular" in str(exc):
            raise LinAlgError(str(exc)) from None
        raise


def _square(name: str, A: Tensor) -> None:
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        got = f"{A.shape[-2]} by {A.shape[-1]} matrices" if A.ndim >= 2 else \
            f"a {A.ndim}-D tensor"
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they "
                           f"are {got}")


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """The solution ``X`` of ``A @ X = B`` (or ``X @ A = B`` with ``left=False``).

    ``B`` is a batch of vectors when it is 1-D or has the shape ``A.shape[:-1]``, else a
    batch of matrices; batch dimensions broadcast. Computed as ``inv(A) @ B``, so the
    gradient (to any order) is that of the product of the inverse.

    Raises
    ------
    RuntimeError
        If ``A`` is not (a batch of) square matrices, the dtypes differ or the shapes do
        not fit the equation (both are named).
    LinAlgError
        If a matrix ``A`` is singular.

    Examples
    --------
    >>> import minigrad
    >>> A = minigrad.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> minigrad.linalg.solve(A, minigrad.tensor([2.0, 2.0])).tolist()
    [1.0, 0.5]
    """
    _square("solve", A)
    if A.dtype != B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {_dtype_name(A)} and B of type {_dtype_name(B)} "
                           "instead")
    _floating("solve", A)
    vector = B.ndim == 1 or (left and B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    n = A.shape[-1]
    inner = B.shape[-1] if vector or not left else B.shape[-2]
    if inner != n or B.ndim == 0:
        rhs = f"{B.shape[-1]}x1" if vector else f"{B.shape[-2]}x{B.shape[-1]}"
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{equation} ({n}x{n} and {rhs})")
    try:
        inverse = _inverse(A)
    except RuntimeError as exc:
        if "singular" in str(exc):
            raise LinAlgError("linalg.solve: The solver failed because the input matrix is "
                              f"singular (A of shape {A.shape}).") from None
        raise
    if vector:
        return _matmul(inverse, B.unsqueeze(-1)).squeeze(-1)
    return _matmul(inverse, B) if left else _matmul(B, inverse)


def slogdet(A: Tensor) -> SlogdetResult:
    """The sign and the log of the absolute value of the determinant: ``(sign,
    logabsdet)``, as ``torch.linalg.slogdet``.

    Computed from :func:`det`, so it over- or underflows where the determinant itself
    does (beyond about ``1e308`` in float64, ``1e38`` in float32). A singular matrix has
    sign 0 and logabsdet ``-inf``.

    Raises
    ------
    RuntimeError
        If the matrices are not square or not floating point.
    """
    d = _det(A)
    return SlogdetResult(d.sign(), d.abs().log())


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product, as :func:`minigrad.matmul` (``torch.linalg.matmul``)."""
    return _matmul(input, other)


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the last by default), other
    dimensions broadcast.

    Raises
    ------
    RuntimeError
        If ``dim`` is not of size 3 in both inputs, or the numbers of dimensions differ.

    Examples
    --------
    >>> import minigrad
    >>> x, y = minigrad.tensor([1.0, 0.0, 0.0]), minigrad.tensor([0.0, 1.0, 0.0])
    >>> minigrad.linalg.cross(x, y).tolist()
    [0.0, 0.0, 1.0]
    """
    if input.ndim == other.ndim and input.ndim > 0 and (
            input.shape[dim] != 3 or other.shape[dim] != 3):
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[dim]} and {other.shape[dim]}")
    return _cross(input, other, dim)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot products of the vectors along ``dim`` (the other dimensions broadcast).

    Raises
    ------
    RuntimeError
        If the sizes along ``dim`` differ.
    """
    if x.ndim == 0 or y.ndim == 0 or x.shape[dim] != y.shape[dim]:
        raise RuntimeError(f"linalg.vecdot: the vectors along dim={dim} must have the same "
                           f"length, got shapes {x.shape} and {y.shape}")
    return (x * y).sum(dim)


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of a chain of matrices, left to right; the first may be a 1-D row
    vector and the last a 1-D column vector (their dimension is dropped from the result).

    Raises
    ------
    RuntimeError
        If fewer than two tensors are given, a middle one is not 2-D or the first/last is
        neither 1-D nor 2-D.
    """
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        ends = i in (0, len(tensors) - 1)
        if t.ndim != 2 and not (ends and t.ndim == 1):
            what = "1D or 2D" if ends else "2D"
            raise RuntimeError(f"multi_dot(): tensor {i} must be {what} but got "
                               f"{t.ndim}D")
    out = tensors[0]
    for t in tensors[1:]:
        out = _matmul(out, t)
    return out


if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.linalg")
