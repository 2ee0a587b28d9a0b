"""The array functions the core may use: the whole of what a backend's namespace must offer.

Every op and kernel of minigrad computes through ``backend.xp``; this ``Protocol`` lists
each function, type and constant it touches (``mypy`` checks the core against it, so the
list cannot silently grow). NumPy and CuPy satisfy it as modules; a plugin whose array
library differs can pass an adapter object with these attributes.

Arrays themselves are used through NumPy's array methods and operators (``a.reshape``,
``a.sum(axis=...)``, ``a[index]``, ``a + b``...).
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["ArrayNamespace"]


class ArrayNamespace(Protocol):
    """The NumPy-compatible namespace of a backend (``numpy``, ``cupy``...).

    The members are typed ``Any``: NumPy's own stubs type its ufuncs precisely, and the
    point here is which names exist, not their signatures.
    """

    # types and constants
    ndarray: Any
    int64: Any
    int32: Any
    uint8: Any

    # creation
    array: Any
    asarray: Any
    from_dlpack: Any
    ascontiguousarray: Any
    empty: Any
    zeros: Any
    zeros_like: Any
    empty_like: Any
    ones: Any
    full: Any
    full_like: Any
    arange: Any
    linspace: Any
    eye: Any

    # shape and joining
    broadcast_to: Any
    concatenate: Any
    stack: Any
    expand_dims: Any
    pad: Any
    take_along_axis: Any
    take: Any  # gathering along one axis (faster than an index array on the last axis)
    nonzero: Any
    unique: Any
    bincount: Any
    may_share_memory: Any

    # math (elementwise ufuncs)
    abs: Any
    exp: Any
    expm1: Any
    log: Any
    log1p: Any
    logaddexp: Any
    sqrt: Any
    sin: Any
    cos: Any
    tanh: Any
    sign: Any
    floor: Any
    ceil: Any
    round: Any
    trunc: Any
    maximum: Any
    minimum: Any
    clip: Any
    where: Any
    add: Any  # add.at: scatter-add with repeated indices accumulating
    subtract: Any
    multiply: Any  # multiply.at: scatter with reduce="multiply"
    divide: Any
    negative: Any

    # comparisons, tests and logic (no gradient)
    equal: Any
    not_equal: Any
    less: Any
    less_equal: Any
    greater: Any
    greater_equal: Any
    isnan: Any
    isinf: Any
    isfinite: Any
    invert: Any
    logical_not: Any
    bitwise_and: Any
    bitwise_or: Any
    bitwise_xor: Any
    floor_divide: Any
    remainder: Any
    fmod: Any

    # reductions and products
    max: Any
    min: Any
    argmax: Any
    argmin: Any
    any: Any
    all: Any
    matmul: Any
    einsum: Any  # per-channel dot products ("abcd,abcd->b"), one pass without a temporary

    # random numbers
    random: Any  # random.default_rng(seed), when the library has one

    # sorting, scans, scatters and linear algebra (the tensor ops of issue 11)
    argsort: Any
    flip: Any
    cumsum: Any
    cumprod: Any
    searchsorted: Any
    histogram: Any
    tri: Any
    hypot: Any
    arctan2: Any
    logical_and: Any
    logical_or: Any
    logical_xor: Any
    linalg: Any  # linalg.det, linalg.inv
    finfo: Any
    iinfo: Any
    argpartition: Any
    sort: Any
