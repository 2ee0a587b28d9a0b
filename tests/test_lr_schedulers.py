"""The learning-rate schedulers against PyTorch's: the same schedule on equivalent
optimizers gives the same learning rate (and momentum, where it is cycled) at every step;
state_dict round trips resume a schedule exactly; bad arguments raise PyTorch's errors."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import minigrad
from minigrad import nn, optim
from minigrad.optim import lr_scheduler

MakeOptimizer = Callable[[Any, list[dict[str, Any]]], Any]

# two parameter groups with different rates, so per-group arguments are exercised
GROUPS = [{"lr": 0.1}, {"lr": 0.02}]


def _sgd(lib: Any, groups: list[dict[str, Any]]) -> Any:
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def _adam(lib: Any, groups: list[dict[str, Any]]) -> Any:
    return lib.optim.Adam(groups, lr=0.1, betas=(0.9, 0.999))


def _optimizer(lib: Any, make: MakeOptimizer) -> Any:
    groups = [dict(g, params=[lib.nn.Parameter(lib.zeros(2))]) for g in GROUPS]
    return make(lib, groups)


def _trace(opt: Any, sched: Any, steps: int) -> list[list[float]]:
    """lr, momentum and beta1 of every group after construction and after each step."""
    def snapshot() -> list[float]:
        row = [float(v) for v in sched.get_last_lr()]
        for g in opt.param_groups:
            row += [float(g["lr"]), float(g.get("momentum", 0.0)),
                    float(g.get("betas", (0.0,))[0])]
        return row

    rows = [snapshot()]
    for _ in range(steps):
        opt.step()
        sched.step()
        rows.append(snapshot())
    return rows


def _compare(torch: Any, make_opt: MakeOptimizer, make_sched: Callable[[Any, Any], Any],
             steps: int) -> None:
    mine_opt = _optimizer(minigrad, make_opt)
    theirs_opt = _optimizer(torch, make_opt)
    mine = _trace(mine_opt, make_sched(lr_scheduler, mine_opt), steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's notes about step order and epochs
        theirs = _trace(theirs_opt, make_sched(torch.optim.lr_scheduler, theirs_opt), steps)
    for step, (a, b) in enumerate(zip(mine, theirs)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"differs at step {step}"


# (id, optimizer, scheduler made from a lr_scheduler module and an optimizer, steps)
CASES: list[tuple[str, MakeOptimizer, Callable[[Any, Any], Any], int]] = [
    ("multiplicative", _sgd, lambda m, o: m.MultiplicativeLR(o, lambda e: 0.95), 6),
    ("multiplicative-per-group", _sgd,
     lambda m, o: m.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1.0 - 0.01 * e]), 6),
    ("constant", _sgd, lambda m, o: m.ConstantLR(o), 8),
    ("constant-half", _adam, lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=3), 6),
    ("linear", _sgd, lambda m, o: m.LinearLR(o), 8),
    ("linear-decay", _sgd,
     lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=4), 7),
    ("polynomial", _sgd, lambda m, o: m.PolynomialLR(o), 8),
    ("polynomial-square", _sgd, lambda m, o: m.PolynomialLR(o, total_iters=6, power=2.0), 9),
    ("cyclic-triangular", _sgd,
     lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3), 14),
    ("cyclic-triangular2", _sgd,
     lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2, step_size_down=4,
                             mode="triangular2", base_momentum=0.7, max_momentum=0.95), 20),
    ("cyclic-exp-range", _sgd,
     lambda m, o: m.CyclicLR(o, [0.01, 0.001], [0.1, 0.05], step_size_up=3,
                             mode="exp_range", gamma=0.9), 14),
    ("cyclic-scale-fn-iterations", _sgd,
     lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                             scale_fn=lambda x: 1 / (1 + 0.1 * x), scale_mode="iterations"),
     10),
    ("cyclic-scale-fn-cycle", _sgd,
     lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 0.8**x), 10),
    ("cyclic-adam-betas", _adam,
     lambda m, o: m.CyclicLR(o, 0.001, 0.01, step_size_up=2,
                             base_momentum=[0.8, 0.85], max_momentum=[0.9, 0.95]), 9),
    ("cyclic-no-momentum", _adam,
     lambda m, o: m.CyclicLR(o, 0.001, 0.01, step_size_up=2, cycle_momentum=False), 6),
    ("one-cycle-cos", _sgd, lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=20), 20),
    ("one-cycle-linear-epochs", _sgd,
     lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.5], epochs=4, steps_per_epoch=5,
                               anneal_strategy="linear", pct_start=0.25), 20),
    ("one-cycle-three-phase", _sgd,
     lambda m, o: m.OneCycleLR(o, 0.5, total_steps=17, three_phase=True, div_factor=10.0,
                               final_div_factor=100.0, base_momentum=0.8,
                               max_momentum=[0.9, 0.99]), 17),
    ("one-cycle-adam-betas", _adam, lambda m, o: m.OneCycleLR(o, 0.01, total_steps=12), 12),
    ("one-cycle-no-momentum", _adam,
     lambda m, o: m.OneCycleLR(o, 0.01, total_steps=8, cycle_momentum=False), 8),
    ("warm-restarts", _sgd, lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3), 10),
    ("warm-restarts-mult", _sgd,
     lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2, eta_min=0.001), 16),
    ("sequential-warmup-decay", _sgd,
     lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=3),
                                     m.ExponentialLR(o, gamma=0.8)], milestones=[3]), 9),
    ("sequential-three", _sgd,
     lambda m, o: m.SequentialLR(o, [m.ConstantLR(o, factor=0.5, total_iters=2),
                                     m.StepLR(o, step_size=2, gamma=0.5),
                                     m.CosineAnnealingLR(o, T_max=4)], milestones=[2, 6]),
     12),
    ("sequential-multistep-polynomial", _sgd,
     lambda m, o: m.SequentialLR(o, [m.MultiStepLR(o, [1, 2], gamma=0.5),
                                     m.PolynomialLR(o, total_iters=4)], milestones=[4]), 9),
    ("chained", _sgd,
     lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=2),
                                      m.ExponentialLR(o, gamma=0.9)]), 6),
    ("chained-three-with-optimizer", _sgd,
     lambda m, o: m.ChainedScheduler([m.LinearLR(o, start_factor=0.5, total_iters=3),
                                      m.StepLR(o, step_size=2, gamma=0.5),
                                      m.PolynomialLR(o, total_iters=5)], optimizer=o), 7),
]


@pytest.mark.parametrize(("make_opt", "make_sched", "steps"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_schedule_matches_pytorch(make_opt: MakeOptimizer,
                                  make_sched: Callable[[Any, Any], Any], steps: int) -> None:
    torch = pytest.importorskip("torch")
    _compare(torch, make_opt, make_sched, steps)


def test_warm_restarts_with_fractional_epochs_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    epochs = [0.0, 0.25, 0.5, 1.75, 2.0, 2.5, 3.0, 5.5, 6.0, 7.25, 13.9, 30.0, 1.5]
    for t_mult in (1, 2, 3):
        traces = []
        for lib, module in ((minigrad, lr_scheduler), (torch, torch.optim.lr_scheduler)):
            opt = _optimizer(lib, _sgd)
            sched = module.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=t_mult,
                                                       eta_min=0.005)
            trace: list[float] = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for epoch in epochs:
                    sched.step(epoch)
                    trace += [*sched.get_last_lr(), sched.last_epoch, sched.T_i]
                sched.step()  # and on by one from a fractional epoch
                trace += [*sched.get_last_lr(), sched.last_epoch, sched.T_i]
            traces.append(trace)
        assert traces[0] == pytest.approx(traces[1], rel=1e-12), f"T_mult={t_mult}"


JUMPS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("step", lambda m, o: m.StepLR(o, step_size=3, gamma=0.5)),
    ("multistep", lambda m, o: m.MultiStepLR(o, [2, 5, 5], gamma=0.5)),
    ("exponential", lambda m, o: m.ExponentialLR(o, gamma=0.9)),
    ("cosine", lambda m, o: m.CosineAnnealingLR(o, T_max=6, eta_min=0.001)),
    ("constant", lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=4)),
    ("linear", lambda m, o: m.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=6)),
    ("polynomial", lambda m, o: m.PolynomialLR(o, total_iters=8, power=2.0)),
    ("lambda", lambda m, o: m.LambdaLR(o, lambda e: 1 / (1 + e))),
    ("multiplicative", lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9 + 0.01 * e)),
    ("cyclic", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=3)),
    ("one-cycle", lambda m, o: m.OneCycleLR(o, 1.0, total_steps=12, three_phase=True)),
]


@pytest.mark.parametrize("make_sched", [j[1] for j in JUMPS], ids=[j[0] for j in JUMPS])
def test_step_with_an_epoch_warns_and_matches_pytorch(
        make_sched: Callable[[Any, Any], Any]) -> None:
    torch = pytest.importorskip("torch")
    epochs = [3, 1, 7, 7, 0, 10, 4, 5, 11]
    traces = []
    for lib, module in ((minigrad, lr_scheduler), (torch, torch.optim.lr_scheduler)):
        opt = _optimizer(lib, _sgd)
        sched = make_sched(module, opt)
        trace: list[float] = []
        for epoch in epochs:
            opt.step()
            with pytest.warns(UserWarning, match="deprecated"):
                sched.step(epoch)
            trace += [*sched.get_last_lr(), opt.param_groups[0]["momentum"]]
            opt.step()
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                sched.step()  # and on from there, without a warning
            trace += [*sched.get_last_lr(), sched.last_epoch]
        traces.append(trace)
    assert traces[0] == pytest.approx(traces[1], rel=1e-12)


def test_one_cycle_raises_after_total_steps() -> None:
    opt = _optimizer(minigrad, _sgd)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match=r"tried to step 4 times.*total steps is 3"):
        sched.step()


def _resumed_equals_uninterrupted(make_opt: MakeOptimizer,
                                  make_sched: Callable[[Any, Any], Any], steps: int) -> None:
    whole_opt = _optimizer(minigrad, make_opt)
    whole = _trace(whole_opt, make_sched(lr_scheduler, whole_opt), steps)
    first_opt = _optimizer(minigrad, make_opt)
    first_sched = make_sched(lr_scheduler, first_opt)
    half = steps // 2
    _trace(first_opt, first_sched, half)
    saved_opt, saved_sched = first_opt.state_dict(), first_sched.state_dict()
    assert "optimizer" not in saved_sched
    resumed_opt = _optimizer(minigrad, make_opt)
    resumed_sched = make_sched(lr_scheduler, resumed_opt)  # a fresh one, then the checkpoint
    resumed_opt.load_state_dict(saved_opt)
    resumed_sched.load_state_dict(saved_sched)
    assert resumed_sched.get_last_lr() == first_sched.get_last_lr()
    rest = _trace(resumed_opt, resumed_sched, steps - half)
    for step, (a, b) in enumerate(zip(rest, whole[half:]), start=half):
        assert a == pytest.approx(b, rel=1e-12), f"differs at step {step}"



@pytest.mark.parametrize(("make_opt", "make_sched", "steps"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_state_dict_round_trip_resumes_the_schedule(
        make_opt: MakeOptimizer, make_sched: Callable[[Any, Any], Any], steps: int) -> None:
    _resumed_equals_uninterrupted(make_opt, make_sched, steps)


def test_composite_state_dicts_hold_their_schedulers_states() -> None:
    opt = _optimizer(minigrad, _sgd)
    sched = lr_scheduler.SequentialLR(
        opt, [lr_scheduler.ConstantLR(opt, total_iters=2), lr_scheduler.StepLR(opt, 2)], [2])
    state = sched.state_dict()
    assert [s["total_iters"] for s in state["_schedulers"][:1]] == [2]
    assert state["_schedulers"][1]["step_size"] == 2
    assert "optimizer" not in state and "optimizer" not in state["_schedulers"][0]
    cyclic = lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert "_scale_fn_custom" not in cyclic.state_dict()


def _opt(lib: Any, make: MakeOptimizer = _sgd) -> Any:
    return _optimizer(lib, make)


# (scheduler made from a lr_scheduler module and an optimizer, the substance of the error)
ERRORS: list[tuple[str, Callable[[Any, Any], Any], type[Exception], str]] = [
    ("multiplicative-count", lambda m, o: m.MultiplicativeLR(o, [lambda e: 1.0]),
     ValueError, "Expected 2 lr_lambdas|expected 2 lr_lambdas"),
    ("multiplicative-not-callable", lambda m, o: m.MultiplicativeLR(o, [1.0, 2.0]),
     TypeError, "lr_lambda should be a function, but got float"),
    ("constant-factor", lambda m, o: m.ConstantLR(o, factor=1.5), ValueError,
     "expected to be between 0 and 1"),
    ("linear-start", lambda m, o: m.LinearLR(o, start_factor=0.0), ValueError,
     "greater than 0 and less or equal to 1"),
    ("linear-end", lambda m, o: m.LinearLR(o, end_factor=2.0), ValueError,
     "between 0 and 1"),
    ("cyclic-mode", lambda m, o: m.CyclicLR(o, 0.1, 1.0, mode="square"), ValueError,
     "mode .*invalid and scale_fn is None"),
    ("cyclic-lengths", lambda m, o: m.CyclicLR(o, [0.1], 1.0), ValueError,
     "base_lr must have the same length as optimizer.param_groups"),
    ("cyclic-momentum", lambda m, o: m.CyclicLR(m.optim.Adagrad(
        [m.nn.Parameter(m.zeros(1))]), 0.1, 1.0), ValueError,
     "optimizer must support momentum or beta1"),
    ("cyclic-not-optimizer", lambda m, o: m.CyclicLR(object(), 0.1, 1.0), TypeError,
     "object is not an Optimizer"),
    ("one-cycle-no-length", lambda m, o: m.OneCycleLR(o, 1.0), ValueError,
     "either total_steps OR \\(epochs AND steps_per_epoch\\)"),
    ("one-cycle-epochs-only", lambda m, o: m.OneCycleLR(o, 1.0, epochs=2), ValueError,
     "either total_steps OR \\(epochs AND steps_per_epoch\\)"),
    ("one-cycle-total", lambda m, o: m.OneCycleLR(o, 1.0, total_steps=0), ValueError,
     "[Ee]xpected positive integer total_steps, but got 0"),
    ("one-cycle-epochs", lambda m, o: m.OneCycleLR(o, 1.0, epochs=2.5, steps_per_epoch=3),
     ValueError, "[Ee]xpected positive integer epochs, but got 2.5"),
    ("one-cycle-steps-per-epoch",
     lambda m, o: m.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=-1), ValueError,
     "[Ee]xpected positive integer steps_per_epoch, but got -1"),
    ("one-cycle-pct", lambda m, o: m.OneCycleLR(o, 1.0, total_steps=5, pct_start=1.5),
     ValueError, "[Ee]xpected float between 0 and 1 pct_start, but got 1.5"),
    ("one-cycle-anneal", lambda m, o: m.OneCycleLR(o, 1.0, 5, anneal_strategy="step"),
     ValueError, "anneal_strategy must be one of 'cos' or 'linear'"),
    ("one-cycle-max-lr", lambda m, o: m.OneCycleLR(o, [1.0, 2.0, 3.0], 5), ValueError,
     "max_lr must have the same length"),
    ("one-cycle-momentum", lambda m, o: m.OneCycleLR(m.optim.Adagrad(
        [m.nn.Parameter(m.zeros(1))]), 0.1, 5), ValueError,
     "optimizer must support momentum or beta1"),
    ("warm-restarts-t0", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0), ValueError,
     "[Ee]xpected positive integer T_0, but got 0"),
    ("warm-restarts-tmult", lambda m, o: m.CosineAnnealingWarmRestarts(o, 2, T_mult=0),
     ValueError, "[Ee]xpected integer T_mult >= 1, but got 0"),
    ("warm-restarts-eta", lambda m, o: m.CosineAnnealingWarmRestarts(o, 2, eta_min="0"),
     ValueError, "[Ee]xpected float or int eta_min"),
    ("warm-restarts-epoch",
     lambda m, o: m.CosineAnnealingWarmRestarts(o, 2).step(-1), ValueError,
     "[Ee]xpected non-negative epoch, but got -1"),
    ("sequential-empty", lambda m, o: m.SequentialLR(o, [], []), ValueError,
     "expects at least one scheduler"),
    ("sequential-milestones",
     lambda m, o: m.SequentialLR(o, [m.StepLR(o, 2), m.StepLR(o, 3)], [1, 2]), ValueError,
     "number of schedulers provided to be one more than the number of milestone points"),
    ("sequential-plateau", lambda m, o: m.SequentialLR(o, [m.ReduceLROnPlateau(o)], []),
     ValueError, "does not support `ReduceLROnPlateau`"),
    ("sequential-other-optimizer",
     lambda m, o: m.SequentialLR(o, [m.StepLR(_opt(m.torch_lib), 2)], []), ValueError,
     "expects all schedulers to belong to the same optimizer"),
    ("sequential-not-scheduler", lambda m, o: m.SequentialLR(o, [object()], []), TypeError,
     "should have `optimizer` as its attribute"),
    ("chained-empty", lambda m, o: m.ChainedScheduler([]), ValueError,
     "expects at least one scheduler"),
    ("chained-plateau", lambda m, o: m.ChainedScheduler([m.ReduceLROnPlateau(o)]),
     ValueError, "does not support `ReduceLROnPlateau`"),
    ("chained-other-optimizer",
     lambda m, o: m.ChainedScheduler([m.StepLR(o, 2), m.StepLR(_opt(m.torch_lib), 2)]),
     ValueError, "expects all schedulers to belong to the same optimizer"),
]


class _Module:
    """A lr_scheduler module with its library's optim, nn and zeros at hand."""

    def __init__(self, lib: Any, module: Any) -> None:
        self.torch_lib, self.optim, self.nn, self.zeros = lib, lib.optim, lib.nn, lib.zeros
        self.module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)


@pytest.mark.parametrize(("make", "error", "message"), [e[1:] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_argument_errors_match_pytorch(make: Callable[[Any, Any], Any],
                                       error: type[Exception], message: str) -> None:
    torch = pytest.importorskip("torch")
    for lib, module in ((torch, torch.optim.lr_scheduler), (minigrad, lr_scheduler)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(error, match=message):
                make(_Module(lib, module), _opt(lib))


def test_schedulers_without_torch_give_known_values() -> None:
    # a check that needs no PyTorch: warm-up then cosine decay, by hand
    opt = optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    sched = lr_scheduler.SequentialLR(
        opt, [lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3),
              lr_scheduler.CosineAnnealingLR(opt, T_max=2)], milestones=[3])
    lrs = [sched.get_last_lr()[0]]
    for _ in range(5):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    assert lrs == pytest.approx([0.25, 0.5, 0.75, 1.0, 0.5, 0.0], abs=1e-12)
    one = lr_scheduler.OneCycleLR(optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=0.1,
                                            momentum=0.9), max_lr=1.0, total_steps=10,
                                  pct_start=0.5, anneal_strategy="linear")
    assert one.get_last_lr() == [pytest.approx(0.04)]
    for _ in range(4):
        one.step()
    assert one.get_last_lr() == [pytest.approx(1.0)]
    assert one.optimizer.param_groups[0]["momentum"] == pytest.approx(0.85)
    assert math.isclose(one.optimizer.param_groups[0]["min_lr"], 0.04 / 1e4)
