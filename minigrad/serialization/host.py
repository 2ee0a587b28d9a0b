"""Turning host arrays read from a checkpoint into tensors, without needless copies."""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.tensor import Tensor

__all__ = ["to_tensor"]


def to_tensor(host: numpy.ndarray[Any, Any], backend: Any) -> Tensor:
    """A tensor on ``backend`` holding ``host``'s values.

    A writable array that the reader made for this tensor alone (nothing else refers to
    its memory) is adopted as it is when the backend holds NumPy arrays; anything else,
    a read-only view of a file's bytes or a GPU backend, is copied by ``backend.asarray``.
    """
    if isinstance(host, backend.array_type) and host.flags.writeable:
        return Tensor.from_array(host, backend)
    return Tensor.from_array(backend.asarray(host), backend)
