"""Adadelta, Adamax, NAdam, RAdam and ASGD: step-by-step agreement with torch.optim,
convergence, state_dict resumes and errors."""

from __future__ import annotations

import io
from typing import Any

import numpy
import pytest

import minigrad
from minigrad import nn, optim

CASES = [
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "betas": (0.5, 0.6), "weight_decay": 0.1}),
    ("RAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 3, "weight_decay": 0.1}),
]


def _objective(p: Any, target: Any) -> Any:
    return ((p - target) ** 2 * p.tanh()).sum()


@pytest.mark.parametrize(("name", "options"), CASES)
def test_matches_torch_step_by_step(name: str, options: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(3)
    start = rng.standard_normal((3, 4))
    ours = nn.Parameter(minigrad.tensor(start))
    theirs = torch.nn.Parameter(torch.from_numpy(start.copy()))
    our_opt = getattr(optim, name)([ours], **options)
    their_opt = getattr(torch.optim, name)([theirs], **options)
    # torch keeps ASGD's eta as a float32 scalar tensor, so the last digits differ there
    rtol = 1e-6 if name == "ASGD" else 1e-9
    for _ in range(25):
        target = rng.standard_normal((3, 4))
        our_opt.zero_grad()
        _objective(ours, minigrad.tensor(target)).backward()
        our_opt.step()
        their_opt.zero_grad()
        _objective(theirs, torch.from_numpy(target)).backward()
        their_opt.step()
        numpy.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                                      rtol=rtol, atol=1e-12)
    if name == "ASGD":
        numpy.testing.assert_allclose(our_opt.state[ours]["ax"].numpy(),
                                      their_opt.state[theirs]["ax"].numpy(), rtol=rtol)


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD"])
def test_defaults_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(optim, name)([nn.Parameter(minigrad.zeros(2))]).defaults
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))]).defaults
    for key, value in ours.items():
        assert theirs[key] == value, key


@pytest.mark.parametrize("make", [
    lambda ps: optim.Adadelta(ps, lr=5.0),
    lambda ps: optim.Adamax(ps, lr=0.1),
    lambda ps: optim.NAdam(ps, lr=0.1),
    lambda ps: optim.RAdam(ps, lr=0.1),
    lambda ps: optim.ASGD(ps, lr=0.05),
])
def test_minimise_a_quadratic(backend: minigrad.backends.Backend, make: Any) -> None:
    p = nn.Parameter(minigrad.zeros(3, dtype=minigrad.float64))
    target = minigrad.tensor([1.0, -2.0, 3.0], dtype=minigrad.float64)
    opt = make([p])
    for _ in range(400):
        opt.zero_grad()
        ((p - target) ** 2).sum().backward()
        opt.step()
    numpy.testing.assert_allclose(p.detach().numpy(), [1.0, -2.0, 3.0], atol=0.05)


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD"])
def test_resuming_from_state_dict_is_exact(name: str) -> None:
    def train(model: nn.Module, opt: Any, seed: int) -> None:
        rng = numpy.random.default_rng(seed)
        for _ in range(4):
            opt.zero_grad()
            x = minigrad.tensor(rng.standard_normal((5, 3)))
            model(x).pow(2).mean().backward()
            opt.step()

    minigrad.manual_seed(0)
    model = nn.Linear(3, 2).double()
    opt = getattr(optim, name)(model.parameters())
    train(model, opt, 1)
    saved_model = {k: v.clone() for k, v in model.state_dict().items()}
    buffer = io.BytesIO()
    minigrad.save(opt.state_dict(), buffer)
    buffer.seek(0)
    train(model, opt, 2)

    resumed = nn.Linear(3, 2).double()
    resumed.load_state_dict(saved_model)
    resumed_opt = getattr(optim, name)(resumed.parameters())
    resumed_opt.load_state_dict(minigrad.load(buffer))
    train(resumed, resumed_opt, 2)
    for key, value in model.state_dict().items():
        numpy.testing.assert_array_equal(value.numpy(), resumed.state_dict()[key].numpy())


@pytest.mark.parametrize(("make", "message"), [
    (lambda ps: optim.Adadelta(ps, rho=1.5), "Invalid rho value: 1.5"),
    (lambda ps: optim.Adadelta(ps, lr=-1), "Invalid learning rate: -1"),
    (lambda ps: optim.Adamax(ps, betas=(0.9, 1.0)), "Invalid beta parameter at index 1"),
    (lambda ps: optim.Adamax(ps, eps=-1e-8), "Invalid epsilon value"),
    (lambda ps: optim.NAdam(ps, momentum_decay=-1), "Invalid momentum_decay value"),
    (lambda ps: optim.RAdam(ps, weight_decay=-0.1), "Invalid weight_decay value"),
    (lambda ps: optim.ASGD(ps, lr=-0.1), "Invalid learning rate"),
])
def test_bad_hyper_parameters_are_errors(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make([nn.Parameter(minigrad.zeros(2))])
