"""The base class of the learning-rate schedulers and the helpers they share.

The schedulers themselves are imported from :mod:`minigrad.optim.lr_scheduler`, as in
PyTorch; this module exists so that the scheduler modules can share the base class without
importing each other.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from minigrad.optim.optimizer import Optimizer

__all__ = ["LRScheduler", "per_group", "set_momentum", "uses_betas"]

_EPOCH_WARNING = (
    "passing an epoch to scheduler.step() is deprecated, as in PyTorch: call step() without "
    "arguments; meanwhile the epoch's rate comes from the schedule's closed form where it has "
    "one"
)


class LRScheduler:
    """Base class: sets ``group["lr"]`` of every parameter group at each :meth:`step`.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose learning rates are scheduled.
    last_epoch : int
        Index of the last epoch; -1 starts from the initial learning rates.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        "resuming a scheduler with last_epoch != -1"
                    )
        self.base_lrs: list[float] = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        # the constructor's step: schedulers that scale the current rate keep it unchanged
        # here, so resuming with last_epoch=k does not move the rate one epoch ahead
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for epoch ``self.last_epoch`` (override)."""
        return [g["lr"] for g in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last :meth:`step`."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set the new learning rates.

        Parameters
        ----------
        epoch : int, optional
            Deprecated, as in PyTorch: jump to this epoch instead (with a warning).
        """
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None) -> None:
        """Move to the next epoch (``None``) or jump to ``epoch``, where a schedule with a
        closed form computes the rate from the epoch alone."""
        if epoch is None:
            self.last_epoch += 1
            lrs = self.get_lr()
        else:
            self.last_epoch = epoch
            lrs = self._closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        """The rates at ``self.last_epoch`` computed from the epoch alone, where the schedule
        has such a form (the default asks :meth:`get_lr`)."""
        return self.get_lr()

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state (everything but the optimizer and any functions)."""
        return {k: v for k, v in self.__dict__.items()
                if k != "optimizer" and not callable(v) and k != "lr_lambdas"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state from :meth:`state_dict`."""
        self.__dict__.update(state_dict)


def per_group(name: str, optimizer: Optimizer, value: float | Sequence[float]) -> list[float]:
    """``value`` once per parameter group: a list is checked for length, a number repeated."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups: "
                             f"{name} has {len(value)} values, param_groups has {n}")
        return [float(v) for v in value]
    return [float(value)] * n  # type: ignore[arg-type]


def uses_betas(optimizer: Optimizer, scheduler: str) -> bool:
    """Whether momentum is cycled through ``betas[0]`` (Adam-like) rather than
    ``momentum`` (SGD-like); raises if the optimizer has neither."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"{scheduler}: optimizer must support momentum or beta1 with "
                         "`cycle_momentum` option enabled")
    return "betas" in optimizer.defaults


def set_momentum(group: dict[str, Any], value: float, betas: bool) -> None:
    """Set the group's momentum, or the first of its betas."""
    if betas:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value
