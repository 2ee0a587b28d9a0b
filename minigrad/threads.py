"""How many threads the BLAS library under NumPy may use: set_num_threads, get_num_threads.

minigrad's heavy array work (the GEMMs of convolutions and linear layers) runs in the BLAS
library NumPy was built with, usually OpenBLAS, which starts one thread per core. minigrad
cuts its work into cache-sized GEMMs, which gain little from more threads, and on a machine
that other programs keep busy the extra threads wait for each other: a LeNet-5 run on a
shared two-core machine took 215 s with two BLAS threads and 31 s with one. So, when
imported, minigrad sets the BLAS to **one thread**, unless the environment already says
how many to use:

* ``MINIGRAD_NUM_THREADS=n`` sets ``n`` threads;
* ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``,
  ``BLIS_NUM_THREADS`` or ``VECLIB_MAXIMUM_THREADS`` (read by the BLAS library itself)
  leave the library as that variable configured it.

The setting is process-wide: it also applies to NumPy code outside minigrad. The thread
pools are found and set with `threadpoolctl <https://github.com/joblib/threadpoolctl>`_.
"""

from __future__ import annotations

import operator
import os
from typing import Any

__all__ = ["get_num_threads", "set_num_threads"]

ENV_VAR = "MINIGRAD_NUM_THREADS"
BLAS_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

_controller: Any = None


def _blas() -> Any:
    """The BLAS thread pools loaded in this process (found once, on first use)."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.select(user_api="blas")


def _positive_int(n: Any, what: str) -> int:
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise RuntimeError(f"{what} expects an int, but got {type(n).__name__}")
    value = operator.index(n)
    if value < 1:
        raise RuntimeError(f"{what} expects a positive integer, got {value}")
    return value


def set_num_threads(n: int) -> None:
    """Set the number of threads the BLAS library under NumPy uses, as
    ``torch.set_num_threads``.

    Parameters
    ----------
    n : int
        At least 1. It applies to the whole process, NumPy code outside minigrad included.

    Raises
    ------
    RuntimeError
        If ``n`` is not a positive int (PyTorch's errors).

    Examples
    --------
    >>> import minigrad
    >>> minigrad.set_num_threads(1)
    >>> minigrad.get_num_threads()
    1
    """
    value = _positive_int(n, "set_num_threads")
    _blas().limit(limits=value)


def get_num_threads() -> int:
    """The number of threads the BLAS library under NumPy uses, as ``torch.get_num_threads``.

    Returns
    -------
    int
        The largest thread count among the BLAS libraries loaded (NumPy links one); 1
        when none is found.
    """
    counts = [info["num_threads"] for info in _blas().info()]
    return max(counts, default=1)


def apply_default() -> None:
    """Set the thread count minigrad starts with (see the module docstring); called once
    when minigrad is imported."""
    value = os.environ.get(ENV_VAR, "").strip()
    if value:
        try:
            count = int(value)
        except ValueError:
            count = 0
        if count < 1:
            raise RuntimeError(f"{ENV_VAR} must be a positive integer, got {value!r}")
        set_num_threads(count)
    elif not any(os.environ.get(name, "").strip() for name in BLAS_ENV_VARS):
        set_num_threads(1)
