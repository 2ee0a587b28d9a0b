"""``GradScaler``: loss scaling with PyTorch's dynamic schedule.

Mixed-precision training multiplies the loss by a large *scale* before ``backward`` so
that small float16 gradients do not flush to zero, divides the gradients by it again
before the optimizer step, and skips any step whose gradients hold an inf or a NaN (the
scale was too large), halving the scale; after ``growth_interval`` clean steps in a row
it doubles the scale again. minigrad's scaler keeps the scale as a float32 number and
follows PyTorch's arithmetic step for step, on any backend.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Iterable
from typing import Any

import numpy

__all__ = ["GradScaler"]


class _Stage(enum.Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _cuda_available() -> bool:
    from minigrad import cuda

    return cuda.is_available()


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with inf/NaN gradients.

    The usual loop::

        scaler = minigrad.amp.GradScaler("cpu")
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(optimizer)     # unscales, then steps unless a gradient is inf/NaN
            scaler.update()            # backs off after a skipped step, grows after 2000 clean ones

    As in PyTorch, ``device="cuda"`` on a machine where CUDA is not available (here: no
    GPU backend can run) warns and disables the scaler, so every method passes through.

    Parameters
    ----------
    device : str, default "cuda"
        ``"cuda"`` or ``"cpu"``; the arithmetic is the same on every minigrad backend.
    init_scale : float, default 2.0**16
        The first scale.
    growth_factor : float, default 2.0
        Multiplies the scale after ``growth_interval`` steps without inf/NaN (must be > 1).
    backoff_factor : float, default 0.5
        Multiplies the scale after a step with inf/NaN gradients (must be < 1).
    growth_interval : int, default 2000
        Clean steps in a row before the scale grows.
    enabled : bool, default True
        False makes every method pass through: :meth:`scale` returns its input,
        :meth:`step` calls ``optimizer.step()``, :meth:`get_scale` is 1.0.

    Raises
    ------
    AssertionError
        For ``growth_factor <= 1`` or ``backoff_factor >= 1`` (as PyTorch).
    ValueError
        For a device other than ``"cpu"`` and ``"cuda"``.

    Examples
    --------
    >>> import minigrad
    >>> scaler = minigrad.amp.GradScaler("cpu", init_scale=8.0)
    >>> scaler.scale(minigrad.tensor(1.5))
    tensor(12.)
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        device = str(device)
        if device not in ("cpu", "cuda"):
            raise ValueError(f"GradScaler: device must be 'cpu' or 'cuda', got {device!r}")
        self._device = device
        self._enabled = enabled
        if enabled and device == "cuda" and not _cuda_available():
            warnings.warn("GradScaler is enabled, but CUDA is not available.  Disabling.",
                          stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = init_scale
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._init_growth_tracker = 0
        self._scale: numpy.float32 | None = None  # made on the first scale(), as PyTorch
        self._growth_tracker = 0
        self._stages: dict[int, _Stage] = {}
        self._found_inf: dict[int, bool] = {}

    # --- the three calls of a training step -----------------------------------------
    def scale(self, outputs: Any) -> Any:
        """Multiply a tensor, or every tensor in a (nested) list or tuple, by the scale.

        Parameters
        ----------
        outputs : Tensor or iterable of Tensors
            Usually the loss.

        Returns
        -------
        Tensor or iterable of Tensors
            The scaled outputs (the same container type); ``outputs`` itself when disabled.

        Raises
        ------
        ValueError
            If ``outputs`` holds something other than tensors.
        """
        if not self._enabled:
            return outputs
        from minigrad.tensor import Tensor

        if self._scale is None:
            self._scale = numpy.float32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker
        scale = self._scale

        def apply(value: Any) -> Any:
            if isinstance(value, Tensor):
                return value * Tensor.from_array(value.backend.asarray(scale), value.backend)
            if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
                scaled = map(apply, value)
                return type(value)(scaled) if isinstance(value, (list, tuple)) else scaled
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply(outputs)

    def unscale_(self, optimizer: Any) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place.

        Call it between ``backward`` and :meth:`step` to clip or inspect the true
        gradients; :meth:`step` then does not unscale again. It also records whether any
        gradient holds an inf or a NaN.

        Raises
        ------
        RuntimeError
            If called twice for one optimizer before :meth:`update`, or after :meth:`step`.
        ValueError
            If a gradient is float16 (as PyTorch: unscaling in float16 loses the gradient;
            keep float32 master parameters).
        AssertionError
            If :meth:`scale` was never called.
        """
        if not self._enabled:
            return
        scale = self._check_scale("unscale_")
        stage = self._stages.get(id(optimizer), _Stage.READY)
        if stage is _Stage.UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update().")
        if stage is _Stage.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inverse = numpy.float32(1.0 / numpy.float64(scale))  # as PyTorch: in double, then float
        found_inf = False
        from minigrad.autograd import no_grad
        from minigrad.tensor import Tensor

        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = p.grad
                    if grad.dtype == numpy.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    if not bool(grad.isfinite().all()):
                        found_inf = True
                    grad.mul_(Tensor.from_array(grad.backend.asarray(inverse), grad.backend))
        self._found_inf[id(optimizer)] = found_inf
        self._stages[id(optimizer)] = _Stage.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale the gradients (unless :meth:`unscale_` did) and call
        ``optimizer.step(*args, **kwargs)``, unless a gradient holds an inf or a NaN.

        Returns
        -------
        object
            What ``optimizer.step`` returned, or None when the step was skipped.

        Raises
        ------
        RuntimeError
            If called twice for one optimizer before :meth:`update`, or with a
            ``closure`` keyword (as PyTorch: not supported while scaling).
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError(
                "Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale("step")
        stage = self._stages.get(id(optimizer), _Stage.READY)
        if stage is _Stage.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if stage is _Stage.READY:
            self.unscale_(optimizer)
        result = None
        if not self._found_inf[id(optimizer)]:
            result = optimizer.step(*args, **kwargs)
        self._stages[id(optimizer)] = _Stage.STEPPED
        return result

    def update(self, new_scale: Any = None) -> None:
        """End the iteration: set the next scale.

        Without ``new_scale``, PyTorch's schedule: after any skipped step this iteration
        the scale is multiplied by ``backoff_factor`` and the count of clean steps is
        reset; otherwise the count grows, and when it reaches ``growth_interval`` the
        scale is multiplied by ``growth_factor`` (kept only if finite) and the count
        reset.

        Parameters
        ----------
        new_scale : float or Tensor, optional
            Set the scale to this instead (a one-element tensor without
            ``requires_grad``).

        Raises
        ------
        AssertionError
            If no optimizer was unscaled or stepped since the last update, or
            ``new_scale`` is not a number or a one-element tensor without requires_grad.
        """
        if not self._enabled:
            return
        scale = self._check_scale("update")
        if new_scale is not None:
            self._scale = numpy.float32(self._new_scale_value(new_scale))
        else:
            if not self._found_inf:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(self._found_inf.values()):
                self._scale = numpy.float32(scale * numpy.float32(self._backoff_factor))
                self._growth_tracker = 0
            else:
                successful = self._growth_tracker + 1
                if successful == self._growth_interval:
                    grown = numpy.float32(scale * numpy.float32(self._growth_factor))
                    if numpy.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
                else:
                    self._growth_tracker = successful
        self._stages.clear()
        self._found_inf.clear()

    @staticmethod
    def _new_scale_value(new_scale: Any) -> float:
        from minigrad.tensor import Tensor

        if isinstance(new_scale, (int, float)) and not isinstance(new_scale, bool):
            return float(new_scale)
        reason = ("new_scale should be a float or a 1-element FloatTensor with "
                  "requires_grad=False.")
        if (not isinstance(new_scale, Tensor) or new_scale.numel() != 1
                or new_scale.requires_grad):
            raise AssertionError(reason)
        return float(new_scale.item())

    def _check_scale(self, caller: str) -> numpy.float32:
        if self._scale is None:
            raise AssertionError(
                f"Attempted {caller} but _scale is None.  This may indicate your script did "
                "not use scaler.scale(loss or outputs) earlier in the iteration.")
        return self._scale

    # --- queries and settings --------------------------------------------------------
    def get_scale(self) -> float:
        """The current scale (``init_scale`` before the first :meth:`scale`; 1.0 when
        disabled)."""
        if not self._enabled:
            return 1.0
        return float(self._init_scale if self._scale is None else self._scale)

    def get_growth_factor(self) -> float:
        """The factor the scale grows by."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the factor the scale grows by."""
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        """The factor the scale shrinks by after a skipped step."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the factor the scale shrinks by after a skipped step."""
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        """How many clean steps in a row make the scale grow."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set how many clean steps in a row make the scale grow."""
        self._growth_interval = new_interval

    def is_enabled(self) -> bool:
        """Whether the scaler scales (False when made with ``enabled=False``, or for
        ``"cuda"`` without CUDA)."""
        return self._enabled

    # --- checkpoints -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The scale, the factors, the interval and the count of clean steps, as
        PyTorch's keys (``{}`` when disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker if self._scale is not None
                else self._init_growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (ignored when disabled).

        Raises
        ------
        RuntimeError
            If ``state_dict`` is empty (saved from a disabled scaler).
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._scale is not None:
            self._scale = numpy.float32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker
