"""PyTorch's compiler and numerics switches, for a framework that runs eagerly.

- :func:`compile` returns what it is given: minigrad runs every op as it is called, so a
  compiled model gives the same results, without PyTorch's speed-up.
- :func:`set_float32_matmul_precision` records the setting and validates it as PyTorch
  does; minigrad always multiplies float32 matrices at full float32 precision (no TF32,
  no bfloat16 passes), which is what ``"highest"`` means.
- :func:`use_deterministic_algorithms` records the mode: minigrad's kernels give the same
  bits on every run already (no atomics, no algorithm search), so there is nothing to
  switch.

Examples
--------
>>> import minigrad
>>> model = minigrad.nn.Linear(2, 2)
>>> minigrad.compile(model) is model
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

__all__ = [
    "are_deterministic_algorithms_enabled",
    "compile",
    "get_float32_matmul_precision",
    "is_deterministic_algorithms_warn_only_enabled",
    "set_float32_matmul_precision",
    "use_deterministic_algorithms",
]

_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
_PRECISIONS = ("highest", "high", "medium")
_state: dict[str, Any] = {"precision": "highest", "deterministic": False, "warn_only": False}


def compile(model: Callable[..., Any] | None = None, *, fullgraph: bool = False,
            dynamic: bool | None = None, backend: str | Callable[..., Any] | None = "inductor",
            mode: str | None = None, options: dict[str, Any] | None = None,
            name: str | None = None, disable: bool = False, **kwargs: Any) -> Any:
    """PyTorch's ``torch.compile``: returns ``model`` itself (minigrad runs eagerly).

    The results are those of ``model``, computed op by op as always; there is no
    speed-up. The keyword arguments are PyTorch's and are accepted (``mode`` is checked as
    PyTorch checks it); none of them changes what is computed.

    Parameters
    ----------
    model : Module or callable, optional
        What to "compile". Without it, a decorator is returned (``@minigrad.compile()``).
    fullgraph, dynamic, backend, options, name, disable, **kwargs
        PyTorch's compiler options, accepted and unused.
    mode : str, optional
        One of PyTorch's modes: ``"default"``, ``"lite"``, ``"reduce-overhead"``,
        ``"max-autotune-no-cudagraphs"``, ``"max-autotune"``.

    Returns
    -------
    Module or callable
        ``model`` unchanged, or a decorator that returns its argument unchanged.

    Raises
    ------
    RuntimeError
        For an unknown ``mode``, or both ``mode`` and ``options`` (as PyTorch).
    """
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if model is None:
        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            return fn

        return decorate
    if not callable(model):
        raise RuntimeError(f"compile: model must be callable, got {type(model).__name__}")
    return model


def set_float32_matmul_precision(precision: str) -> None:
    """Record PyTorch's float32 matrix-multiplication precision setting.

    minigrad always computes float32 products at full precision, so the setting changes
    no result; an unknown value warns and is ignored, as in PyTorch.

    Parameters
    ----------
    precision : {"highest", "high", "medium"}
        PyTorch's precision levels.

    Raises
    ------
    TypeError
        If ``precision`` is not a string.
    """
    if not isinstance(precision, str):
        raise TypeError("set_float32_matmul_precision(): argument 'precision' must be str, "
                        f"not {type(precision).__name__}")
    if precision not in _PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", stacklevel=2)
        return
    _state["precision"] = precision


def get_float32_matmul_precision() -> str:
    """The value last given to :func:`set_float32_matmul_precision` (``"highest"`` at
    start; minigrad computes at full precision whatever it is)."""
    return str(_state["precision"])


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record PyTorch's determinism switch; minigrad's kernels are deterministic anyway.

    Parameters
    ----------
    mode : bool
        Whether deterministic algorithms are asked for.
    warn_only : bool, default False
        PyTorch's "warn instead of raising" flag, recorded.

    Raises
    ------
    TypeError
        If ``mode`` or ``warn_only`` is not a bool (as PyTorch).
    """
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(f"use_deterministic_algorithms(): argument {name!r} must be bool, "
                            f"not {type(value).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """The mode last given to :func:`use_deterministic_algorithms` (False at start)."""
    return bool(_state["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` flag last given to :func:`use_deterministic_algorithms`."""
    return bool(_state["warn_only"])
