"""``ReduceOp``: how :func:`~minigrad.distributed.all_reduce` combines the ranks' values."""

from __future__ import annotations

import enum

__all__ = ["ReduceOp"]


class ReduceOp(enum.Enum):
    """Reduction of an all-reduce, as ``torch.distributed.ReduceOp``.

    ``SUM``, ``PRODUCT``, ``MAX`` and ``MIN`` are elementwise over the ranks; ``AVG`` is
    the sum divided by the world size (floating-point tensors only). On bool tensors
    ``SUM`` and ``MAX`` are a logical or, ``PRODUCT`` and ``MIN`` a logical and.
    """

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MAX = "max"
    MIN = "min"
