"""Schedules stepped once per batch that cycle the learning rate (and momentum):
``CyclicLR``, ``OneCycleLR`` and ``CosineAnnealingWarmRestarts``.

Imported from :mod:`minigrad.optim.lr_scheduler`, as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from minigrad.optim.lr_base import LRScheduler, per_group, set_momentum, uses_betas
from minigrad.optim.optimizer import Optimizer

__all__ = ["CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"]


class CyclicLR(LRScheduler):
    """Cycle the learning rate between ``base_lr`` and ``max_lr`` (and the momentum the
    opposite way), rising for ``step_size_up`` steps and falling for ``step_size_down``.

    Step it after every batch.

    Parameters
    ----------
    optimizer : Optimizer
        Whose learning rates are scheduled.
    base_lr, max_lr : float or list of float
        Bottom and top of the cycle (per group when a list).
    step_size_up : int
        Steps from bottom to top.
    step_size_down : int, optional
        Steps from top to bottom; ``step_size_up`` by default.
    mode : {"triangular", "triangular2", "exp_range"}
        Amplitude per cycle: constant, halved each cycle, or scaled by ``gamma ** step``.
        Ignored when ``scale_fn`` is given.
    gamma : float
        Base of the ``exp_range`` scaling.
    scale_fn : callable, optional
        Custom amplitude scaling, called with the cycle number or the step.
    scale_mode : {"cycle", "iterations"}
        What ``scale_fn`` is called with.
    cycle_momentum : bool
        Also cycle ``momentum`` (or Adam's ``betas[0]``) between ``max_momentum`` and
        ``base_momentum``.
    base_momentum, max_momentum : float or list of float
        Bottom and top of the momentum cycle.
    last_epoch : int
        Index of the last step; -1 starts afresh.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, momentum=0.9)
    >>> sched = optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2)
    >>> lrs = []
    >>> for _ in range(4):
    ...     opt.step()
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 3))
    >>> lrs
    [0.055, 0.1, 0.055, 0.01]
    """

    def __init__(
        self, optimizer: Optimizer, base_lr: float | Sequence[float],
        max_lr: float | Sequence[float], step_size_up: int = 2000,
        step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
        cycle_momentum: bool = True, base_momentum: float | Sequence[float] = 0.8,
        max_momentum: float | Sequence[float] = 0.9, last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode {mode!r} is invalid and scale_fn is None "
                             "(expected 'triangular', 'triangular2' or 'exp_range')")
        base_lrs = per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        # the built-in modes fix what the scaling is called with
        self.scale_mode = scale_mode if scale_fn is not None else (
            "iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = uses_betas(optimizer, "CyclicLR")
            self.base_momentums = per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for top, group in zip(self.max_momentums, optimizer.param_groups):
                    set_momentum(group, top, self.use_beta1)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        """The amplitude multiplier at cycle (or step) ``x``."""
        if self._scale_fn_custom is not None:
            return float(self._scale_fn_custom(x))
        if self.mode == "triangular2":
            return float(0.5 ** (x - 1))
        if self.mode == "exp_range":
            return float(self.gamma**x)
        return 1.0

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle  # position in the cycle, [0, 1)
        rise = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums,
                                        self.max_momentums):
                set_momentum(group, high - (high - low) * rise * scale, self.use_beta1)
        return [low + (high - low) * rise * scale
                for low, high in zip(self.base_lrs, self.max_lrs)]


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm the learning rate up from ``max_lr / div_factor`` to
    ``max_lr``, then anneal it far below the start, over ``total_steps`` steps, while the
    momentum moves the opposite way.

    Step it after every batch; stepping more than ``total_steps`` times raises.

    Parameters
    ----------
    optimizer : Optimizer
        Whose learning rates are scheduled.
    max_lr : float or list of float
        Peak learning rate (per group when a list).
    total_steps : int, optional
        Length of the cycle; otherwise ``epochs * steps_per_epoch``.
    epochs, steps_per_epoch : int, optional
        Give both instead of ``total_steps``.
    pct_start : float
        Fraction of the cycle spent warming up.
    anneal_strategy : {"cos", "linear"}
        Shape of each phase.
    cycle_momentum : bool
        Also cycle ``momentum`` (or Adam's ``betas[0]``), from ``max_momentum`` down to
        ``base_momentum`` at the peak and back.
    base_momentum, max_momentum : float or list of float
        Bottom and top of the momentum cycle.
    div_factor : float
        Initial learning rate is ``max_lr / div_factor``.
    final_div_factor : float
        Final learning rate is the initial one divided by this.
    three_phase : bool
        Come back down to the initial rate symmetrically before the final annealing,
        instead of annealing straight from the peak.
    last_epoch : int
        Index of the last step; -1 starts afresh.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, momentum=0.9)
    >>> sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> round(sched.get_last_lr()[0], 6)  # starts at max_lr / div_factor
    0.04
    """

    def __init__(
        self, optimizer: Optimizer, max_lr: float | Sequence[float],
        total_steps: int | None = None, epochs: int | None = None,
        steps_per_epoch: int | None = None, pct_start: float = 0.3,
        anneal_strategy: str = "cos", cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95, div_factor: float = 25.0,
        final_div_factor: float = 1e4, three_phase: bool = False, last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.total_steps = _cycle_length(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: expected float between 0 and 1 pct_start, but got "
                             f"{pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        warm = pct_start * self.total_steps
        # (last step of the phase, group keys of its start and end lr, and of its momentum)
        self.phases: list[tuple[float, str, str, str, str]] = [
            (warm - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum")]
        if three_phase:
            self.phases += [(2 * warm - 2, "max_lr", "initial_lr", "base_momentum",
                             "max_momentum"),
                            (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum",
                             "max_momentum")]
        else:
            self.phases.append((self.total_steps - 1, "max_lr", "min_lr", "base_momentum",
                                "max_momentum"))
        if last_epoch == -1:
            for peak, group in zip(per_group("max_lr", optimizer, max_lr),
                                   optimizer.param_groups):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = uses_betas(optimizer, "OneCycleLR")
            if last_epoch == -1:
                for high, low, group in zip(per_group("max_momentum", optimizer, max_momentum),
                                            per_group("base_momentum", optimizer,
                                                      base_momentum),
                                            optimizer.param_groups):
                    set_momentum(group, high, self.use_beta1)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return start + (end - start) * pct

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the specified number "
                             f"of total steps is {self.total_steps}")
        # the first phase not yet over (the last one runs to the end)
        index = next((i for i, phase in enumerate(self.phases) if step <= phase[0]),
                     len(self.phases) - 1)
        end, lr_from, lr_to, m_from, m_to = self.phases[index]
        start = self.phases[index - 1][0] if index > 0 else 0.0
        pct = (step - start) / (end - start)
        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
            if self.cycle_momentum:
                set_momentum(group, self._anneal(group[m_from], group[m_to], pct),
                             self.use_beta1)
        return lrs


def _cycle_length(total_steps: int | None, epochs: int | None,
                  steps_per_epoch: int | None) -> int:
    if total_steps is not None:
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"OneCycleLR: expected positive integer total_steps, but got "
                             f"{total_steps}")
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("OneCycleLR: you must define either total_steps OR "
                         "(epochs AND steps_per_epoch)")
    for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"OneCycleLR: expected positive integer {name}, but got {value}")
    return epochs * steps_per_epoch


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing from the initial rate to ``eta_min`` that restarts every ``T_i``
    epochs, the period starting at ``T_0`` and multiplied by ``T_mult`` after each restart
    (SGDR).

    ``step(epoch)`` accepts fractional epochs, so it can be stepped once per batch with
    ``epoch + batch / batches_per_epoch``.

    Parameters
    ----------
    optimizer : Optimizer
        Whose learning rates are scheduled.
    T_0 : int
        Epochs until the first restart.
    T_mult : int
        Growth factor of the period after each restart (an integer ``>= 1``).
    eta_min : float
        Lowest learning rate.
    last_epoch : int
        Index of the last epoch; -1 starts afresh.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.SGD(nn.Linear(2, 2).parameters(), lr=1.0)
    >>> sched = optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
    >>> lrs = []
    >>> for epoch in range(4):
    ...     opt.step()
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 3))
    >>> lrs
    [0.5, 1.0, 0.5, 1.0]
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected positive integer T_0, "
                             f"but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected integer T_mult >= 1, "
                             f"but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"CosineAnnealingWarmRestarts: expected float or int eta_min, "
                             f"but got {eta_min} of type {type(eta_min).__name__}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to ``epoch`` (which may be fractional)."""
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected non-negative epoch, "
                             f"but got {epoch}")
        else:
            self._go_to(epoch)
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def _go_to(self, epoch: float) -> None:
        if epoch < self.T_0:
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            # restarts so far: the largest n with T_0 * (T_mult**n - 1) / (T_mult - 1) <= epoch
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult**n
