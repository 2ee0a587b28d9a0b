"""Optimizers and schedulers without PyTorch: convergence, groups, state, errors."""

from __future__ import annotations

import math
from typing import Any

import numpy
import pytest

import minigrad
from minigrad import nn, optim
from minigrad.optim import lr_scheduler


def quadratic_loss(p: minigrad.Tensor) -> minigrad.Tensor:
    target = minigrad.tensor([1.0, -2.0, 3.0], dtype=p.dtype, device=p.backend)
    return ((p - target) ** 2).sum()


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1),
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.1),
    lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.0, amsgrad=True),
    lambda ps: optim.RMSprop(ps, lr=0.05),
    lambda ps: optim.Adagrad(ps, lr=0.5),
])
def test_optimizers_minimise_a_quadratic(backend: minigrad.backends.Backend, make: Any) -> None:
    p = nn.Parameter(minigrad.zeros(3, dtype=minigrad.float64))
    opt = make([p])
    for _ in range(300):
        opt.zero_grad()
        quadratic_loss(p).backward()
        opt.step()
    numpy.testing.assert_allclose(p.detach().numpy(), [1.0, -2.0, 3.0], atol=0.05)


def test_sgd_step_by_hand_and_no_graph() -> None:
    p = nn.Parameter(minigrad.tensor([1.0, 2.0], dtype=minigrad.float64))
    opt = optim.SGD([p], lr=0.1, momentum=0.5, weight_decay=0.1)
    version = p._version
    (p * p).sum().backward()  # grad 2p
    grad = p.grad
    opt.step()
    d = numpy.array([2.0, 4.0]) + 0.1 * numpy.array([1.0, 2.0])
    numpy.testing.assert_allclose(p.detach().numpy(), [1.0, 2.0] - 0.1 * d)
    assert p.is_leaf and p.grad is grad and p._version == version + 1
    numpy.testing.assert_allclose(grad.numpy(), [2.0, 4.0])  # the gradient is not modified


def test_param_groups_have_their_own_options() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    opt = optim.SGD([
        {"params": model[0].parameters()},
        {"params": model[1].parameters(), "lr": 0.0},
    ], lr=0.5, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.0]
    assert opt.param_groups[1]["momentum"] == 0.9
    frozen = model[1].weight.detach().clone()
    model(minigrad.ones(3, 2)).sum().backward()
    opt.step()
    numpy.testing.assert_array_equal(model[1].weight.detach().numpy(), frozen.numpy())
    extra = nn.Parameter(minigrad.ones(1))
    opt.add_param_group({"params": extra, "lr": 1.0})
    assert opt.param_groups[2]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [extra]})
    assert "Parameter Group 2" in repr(opt)


def test_optimizer_errors() -> None:
    p = nn.Parameter(minigrad.ones(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single Parameter; wrap it in a list"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.Adam([p], lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="same parameter twice"):
        optim.SGD([p, p], lr=0.1)


def test_zero_grad_and_closure() -> None:
    p = nn.Parameter(minigrad.ones(2))
    opt = optim.SGD([p], lr=0.1)

    def closure() -> minigrad.Tensor:
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert float(opt.step(closure)) == 2.0
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and float(p.grad.abs().sum()) == 0
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # no gradient: nothing happens


def _train(model: nn.Module, opt: optim.Optimizer, steps: int, seed: int) -> None:
    rng = numpy.random.default_rng(seed)
    for _ in range(steps):
        x = minigrad.tensor(rng.standard_normal((4, 3)))
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()


@pytest.mark.parametrize("make", [
    lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9),
    lambda ps: optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.5),
    lambda ps: optim.Adagrad(ps, lr=0.1),
])
def test_resuming_from_state_dict_is_exact(make: Any) -> None:
    minigrad.manual_seed(0)
    model = nn.Linear(3, 2).double()
    opt = make(model.parameters())
    _train(model, opt, 5, seed=1)
    model_state = {k: v.clone() for k, v in model.state_dict().items()}
    opt_state = minigrad.load(_saved(opt.state_dict()))
    _train(model, opt, 5, seed=2)

    resumed = nn.Linear(3, 2).double()
    resumed.load_state_dict(model_state)
    resumed_opt = make(resumed.parameters())
    resumed_opt.load_state_dict(opt_state)
    _train(resumed, resumed_opt, 5, seed=2)
    for key, value in model.state_dict().items():
        numpy.testing.assert_array_equal(value.numpy(), resumed.state_dict()[key].numpy())


def _saved(obj: Any) -> Any:
    import io

    buffer = io.BytesIO()
    minigrad.save(obj, buffer)
    buffer.seek(0)
    return buffer


def test_load_state_dict_errors_and_conversion() -> None:
    p = nn.Parameter(minigrad.ones(2, dtype=minigrad.float64))
    opt = optim.Adam([p])
    (p * p).sum().backward()
    opt.step()
    state = opt.state_dict()
    assert state["param_groups"][0]["params"] == [0]
    other = optim.Adam([nn.Parameter(minigrad.ones(2))])  # float32 parameter
    other.load_state_dict(state)
    loaded = next(iter(other.state.values()))
    assert loaded["exp_avg"].dtype == minigrad.float32 and loaded["step"] == 1
    with pytest.raises(ValueError, match="1 parameters in group 0 but the optimizer's group "
                                         "has 2"):
        optim.Adam([nn.Parameter(minigrad.ones(1)), nn.Parameter(minigrad.ones(1))]
                   ).load_state_dict(state)
    with pytest.raises(ValueError, match="keys 'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def _lrs(make: Any, epochs: int = 8, lr: float = 1.0) -> list[float]:
    opt = optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=lr)
    sched = make(opt)
    result = []
    for _ in range(epochs):
        opt.step()
        sched.step()
        result.append(round(sched.get_last_lr()[0], 10))
    return result


def test_schedulers() -> None:
    assert _lrs(lambda o: lr_scheduler.StepLR(o, 3, 0.5)) == \
        [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert _lrs(lambda o: lr_scheduler.MultiStepLR(o, [2, 4], 0.1)) == \
        [1.0, 0.1, 0.1, 0.01, 0.01, 0.01, 0.01, 0.01]
    assert _lrs(lambda o: lr_scheduler.ExponentialLR(o, 0.5), 3) == [0.5, 0.25, 0.125]
    cosine = _lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=4), 4)
    expected = [round((1 + math.cos(math.pi * e / 4)) / 2, 10) for e in range(1, 5)]
    assert cosine == pytest.approx(expected, abs=1e-9)
    assert _lrs(lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (1 + e)), 3) == \
        [0.5, round(1 / 3, 10), 0.25]
    with pytest.raises(ValueError, match="step_size must be positive"):
        lr_scheduler.StepLR(optim.SGD([nn.Parameter(minigrad.ones(1))], lr=1.0), 0)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), 1)  # type: ignore[arg-type]


def test_scheduler_state_dict_and_plateau() -> None:
    opt = optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    sched = lr_scheduler.StepLR(opt, 2, 0.5)
    for _ in range(3):
        sched.step()
    state = sched.state_dict()
    assert state["last_epoch"] == 3 and "optimizer" not in state
    fresh = lr_scheduler.StepLR(optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0), 2, 0.5)
    fresh.load_state_dict(state)
    assert fresh.last_epoch == 3
    plateau = lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0, factor=0.5,
                                             min_lr=0.3)
    for accuracy in [0.5, 0.6, 0.6, 0.6, 0.6]:
        plateau.step(accuracy)
    assert plateau.get_last_lr() == [0.3]
    with pytest.raises(ValueError, match=r"factor should be < 1\.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=2.0)


def _sgd(lr: float = 1.0) -> optim.SGD:
    return optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=lr)


def test_resumed_schedulers_keep_the_current_rate_on_construction() -> None:
    opt = _sgd()
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    for _ in range(2):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == 0.25
    resumed = lr_scheduler.ExponentialLR(opt, gamma=0.5, last_epoch=2)
    assert opt.param_groups[0]["lr"] == 0.25  # was 0.125: the constructor's step scaled it
    opt.step()
    resumed.step()
    assert resumed.get_last_lr() == [0.125]

    opt = _sgd()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(3):
        opt.step()
        sched.step()
    at_3 = 0.5 * (1 + math.cos(math.pi * 3 / 10))
    assert opt.param_groups[0]["lr"] == pytest.approx(at_3)
    resumed_cos = lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=3)
    assert opt.param_groups[0]["lr"] == pytest.approx(at_3)
    opt.step()
    resumed_cos.step()
    # torch 2.13: the constructor's step moved last_epoch to 4 without changing the rate, so
    # this step applies the recursive factor of epoch 5 to the epoch-3 rate (0.6065; was 0.5)
    factor = (1 + math.cos(math.pi * 5 / 10)) / (1 + math.cos(math.pi * 4 / 10))
    assert resumed_cos.get_last_lr()[0] == pytest.approx(factor * at_3)
    assert resumed_cos.get_last_lr()[0] == pytest.approx(0.60648, abs=1e-5)


@pytest.mark.parametrize("kind", ["exponential", "cosine"])
def test_resumed_schedulers_match_torch(kind: str) -> None:
    torch = pytest.importorskip("torch")
    import warnings

    def rates(lib: Any, sgd: Any, param: Any, last_epoch: int) -> list[float]:
        opt = sgd([param], lr=0.8)
        opt.param_groups[0]["initial_lr"] = 1.0
        if kind == "exponential":
            sched = lib.ExponentialLR(opt, gamma=0.5, last_epoch=last_epoch)
        else:
            sched = lib.CosineAnnealingLR(opt, T_max=4, eta_min=0.05, last_epoch=last_epoch)
        out = [opt.param_groups[0]["lr"]]
        for _ in range(6):
            opt.step()
            sched.step()
            out.append(opt.param_groups[0]["lr"])
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for last_epoch in (1, 2, 3, 5):
            expected = rates(torch.optim.lr_scheduler, torch.optim.SGD,
                             torch.nn.Parameter(torch.zeros(1)), last_epoch)
            got = rates(lr_scheduler, optim.SGD, nn.Parameter(minigrad.zeros(1)), last_epoch)
            numpy.testing.assert_allclose(got, expected, rtol=1e-12)
