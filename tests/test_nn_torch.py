"""PyTorch as the oracle for nn, losses, optimizers and schedulers (skipped without it)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional


def small_cnn_pair() -> tuple[nn.Module, Any]:
    """A small conv-pool-conv-pool-fc-fc network in both frameworks, with equal weights."""
    minigrad.manual_seed(0)
    ours = nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.Tanh(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(6 * 3 * 3, 16), nn.Tanh(), nn.Linear(16, 5),
    ).double()
    theirs = tnn.Sequential(
        tnn.Conv2d(1, 4, 3), tnn.Tanh(), tnn.MaxPool2d(2),
        tnn.Conv2d(4, 6, 3, padding=1), tnn.ReLU(), tnn.AvgPool2d(2),
        tnn.Flatten(), tnn.Linear(6 * 3 * 3, 16), tnn.Tanh(), tnn.Linear(16, 5),
    ).double()
    copy_weights(ours, theirs)
    return ours, theirs


def copy_weights(ours: nn.Module, theirs: Any) -> None:
    state = ours.state_dict()
    with torch.no_grad():
        for name, tensor in theirs.state_dict().items():
            tensor.copy_(torch.from_numpy(state[name].numpy().copy()))


def assert_same_weights(ours: nn.Module, theirs: Any, rtol: float = 1e-6) -> None:
    theirs_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        numpy.testing.assert_allclose(value.numpy(), theirs_state[name].numpy(), rtol=rtol,
                                      atol=1e-9, err_msg=name)


@pytest.mark.parametrize("kind", ["sgd_momentum", "adam"])
def test_small_cnn_trains_like_pytorch(kind: str) -> None:
    ours, theirs = small_cnn_pair()
    if kind == "sgd_momentum":
        our_opt: optim.Optimizer = optim.SGD(ours.parameters(), lr=0.05, momentum=0.9,
                                             weight_decay=1e-3)
        their_opt = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9,
                                    weight_decay=1e-3)
    else:
        our_opt = optim.Adam(ours.parameters(), lr=0.01)
        their_opt = torch.optim.Adam(theirs.parameters(), lr=0.01)
    rng = numpy.random.default_rng(0)
    our_losses, their_losses = [], []
    x = rng.standard_normal((16, 1, 14, 14))
    y = rng.integers(0, 5, 16)
    for _ in range(20):
        our_opt.zero_grad()
        loss = F.cross_entropy(ours(minigrad.tensor(x)), minigrad.tensor(y))
        loss.backward()
        our_opt.step()
        our_losses.append(float(loss))
        their_opt.zero_grad()
        tloss = TF.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y))
        tloss.backward()
        their_opt.step()
        their_losses.append(tloss.item())
    numpy.testing.assert_allclose(our_losses, their_losses, rtol=1e-4)
    assert our_losses[-1] < our_losses[0]
    assert_same_weights(ours, theirs, rtol=1e-5)


def _run_optimizer(make_ours: Callable[[Any], Any], make_theirs: Callable[[Any], Any],
                   steps: int = 12) -> None:
    rng = numpy.random.default_rng(1)
    start = rng.standard_normal((3, 4))
    ours = nn.Parameter(minigrad.tensor(start))
    theirs = torch.nn.Parameter(torch.from_numpy(start.copy()))
    our_opt, their_opt = make_ours([ours]), make_theirs([theirs])
    for _ in range(steps):
        target = rng.standard_normal((3, 4))
        our_opt.zero_grad()
        ((ours - minigrad.tensor(target)) ** 2 * ours.tanh()).sum().backward()
        our_opt.step()
        their_opt.zero_grad()
        ((theirs - torch.from_numpy(target)) ** 2 * theirs.tanh()).sum().backward()
        their_opt.step()
    numpy.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9,
                                  atol=1e-12)


@pytest.mark.parametrize("options", [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9, "dampening": 0.1},
    {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    {"lr": 0.1, "maximize": True},
])
def test_sgd_matches_pytorch(options: dict[str, Any]) -> None:
    _run_optimizer(lambda p: optim.SGD(p, **options), lambda p: torch.optim.SGD(p, **options))


@pytest.mark.parametrize("options", [
    {"lr": 0.05},
    {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "betas": (0.8, 0.9)},
])
def test_adam_matches_pytorch(options: dict[str, Any]) -> None:
    _run_optimizer(lambda p: optim.Adam(p, **options), lambda p: torch.optim.Adam(p, **options))


@pytest.mark.parametrize("options", [{"lr": 0.05}, {"lr": 0.05, "amsgrad": True,
                                                    "weight_decay": 0.5}])
def test_adamw_matches_pytorch(options: dict[str, Any]) -> None:
    _run_optimizer(lambda p: optim.AdamW(p, **options), lambda p: torch.optim.AdamW(p, **options))


@pytest.mark.parametrize("options", [
    {"lr": 0.01},
    {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1},
])
def test_rmsprop_matches_pytorch(options: dict[str, Any]) -> None:
    _run_optimizer(lambda p: optim.RMSprop(p, **options),
                   lambda p: torch.optim.RMSprop(p, **options))


def test_adagrad_matches_pytorch() -> None:
    options = {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5}
    _run_optimizer(lambda p: optim.Adagrad(p, **options),
                   lambda p: torch.optim.Adagrad(p, **options))


@pytest.mark.parametrize("name, kwargs", [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda e: 1 / (e + 1)}),
])
def test_schedulers_match_pytorch(name: str, kwargs: dict[str, Any]) -> None:
    ours_p = nn.Parameter(minigrad.zeros(1))
    theirs_p = torch.nn.Parameter(torch.zeros(1))
    our_opt = optim.SGD([ours_p], lr=0.5)
    their_opt = torch.optim.SGD([theirs_p], lr=0.5)
    ours = getattr(optim.lr_scheduler, name)(our_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(their_opt, **kwargs)
    for _ in range(12):
        our_opt.step()
        their_opt.step()
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)


def test_reduce_on_plateau_matches_pytorch() -> None:
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85]
    our_opt = optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=1.0)
    their_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    ours = optim.lr_scheduler.ReduceLROnPlateau(our_opt, patience=1, factor=0.5, cooldown=1)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(their_opt, patience=1, factor=0.5,
                                                        cooldown=1)
    for m in metrics:
        ours.step(m)
        theirs.step(m)
        assert our_opt.param_groups[0]["lr"] == pytest.approx(their_opt.param_groups[0]["lr"])


def _both(x: numpy.ndarray[Any, Any], requires_grad: bool = True) -> tuple[Any, Any]:
    return (minigrad.tensor(x, requires_grad=requires_grad),
            torch.tensor(x, requires_grad=requires_grad))


def _check_loss(ours_fn: Callable[..., Any], theirs_fn: Callable[..., Any],
                x: numpy.ndarray[Any, Any], *others: Any) -> None:
    ours_x, theirs_x = _both(x)
    ours = ours_fn(ours_x, *[o[0] for o in others])
    theirs = theirs_fn(theirs_x, *[o[1] for o in others])
    numpy.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10,
                                  atol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    numpy.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-8,
                                  atol=1e-12)


def _pair(x: numpy.ndarray[Any, Any]) -> tuple[Any, Any]:
    return minigrad.tensor(x), torch.tensor(x)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_class_indices(reduction: str, smoothing: float, weighted: bool) -> None:
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((6, 4)) * 3
    target = numpy.array([0, 3, -100, 2, 1, 3])
    weight = _pair(rng.uniform(0.5, 2.0, 4)) if weighted else (None, None)
    _check_loss(
        lambda a, t, w: F.cross_entropy(a, t, w, ignore_index=-100, reduction=reduction,
                                        label_smoothing=smoothing),
        lambda a, t, w: TF.cross_entropy(a, t, w, ignore_index=-100, reduction=reduction,
                                         label_smoothing=smoothing),
        x, _pair(target), weight,
    )


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probabilities_and_spatial(smoothing: float) -> None:
    rng = numpy.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 5))
    probs = rng.dirichlet(numpy.ones(3), size=(2, 4, 5)).transpose(0, 3, 1, 2).copy()
    _check_loss(lambda a, p: F.cross_entropy(a, p, label_smoothing=smoothing),
                lambda a, p: TF.cross_entropy(a, p, label_smoothing=smoothing), x, _pair(probs))
    target = rng.integers(0, 3, (2, 4, 5))
    _check_loss(lambda a, t: F.cross_entropy(a, t, label_smoothing=smoothing),
                lambda a, t: TF.cross_entropy(a, t, label_smoothing=smoothing), x, _pair(target))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss",
                                  "binary_cross_entropy_with_logits"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(name: str, reduction: str) -> None:
    rng = numpy.random.default_rng(2)
    x = rng.standard_normal((4, 3)) * 2
    target = rng.uniform(0, 1, (4, 3))
    _check_loss(lambda a, t: getattr(F, name)(a, t, reduction=reduction),
                lambda a, t: getattr(TF, name)(a, t, reduction=reduction), x, _pair(target))


def test_bce_and_pos_weight() -> None:
    rng = numpy.random.default_rng(3)
    p = rng.uniform(0.05, 0.95, (5, 2))
    t = rng.uniform(0, 1, (5, 2))
    w = rng.uniform(0.5, 1.5, (5, 2))
    _check_loss(lambda a, b, c: F.binary_cross_entropy(a, b, c),
                lambda a, b, c: TF.binary_cross_entropy(a, b, c), p, _pair(t), _pair(w))
    x = rng.standard_normal((5, 2)) * 30  # large logits: stable formula needed
    pw = rng.uniform(0.5, 3.0, 2)
    _check_loss(lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c),
                lambda a, b, c: TF.binary_cross_entropy_with_logits(a, b, pos_weight=c),
                x, _pair(t), _pair(pw))


def test_nll_loss_weighted_spatial() -> None:
    rng = numpy.random.default_rng(4)
    x = rng.standard_normal((2, 3, 4))
    t = rng.integers(0, 3, (2, 4))
    w = rng.uniform(0.5, 2.0, 3)
    _check_loss(lambda a, b, c: F.nll_loss(a, b, c), lambda a, b, c: TF.nll_loss(a, b, c),
                x, _pair(t), _pair(w))


@pytest.mark.parametrize("name, kwargs", [
    ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.7}), ("gelu", {}),
    ("gelu", {"approximate": "tanh"}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}),
    ("logsigmoid", {}),
])
def test_activations_match_pytorch(name: str, kwargs: dict[str, Any]) -> None:
    x = numpy.random.default_rng(5).standard_normal((4, 5)) * 3
    _check_loss(lambda a: getattr(F, name)(a, **kwargs), lambda a: getattr(TF, name)(a, **kwargs),
                x)


def test_batch_norm_and_layer_norm_match_pytorch() -> None:
    rng = numpy.random.default_rng(6)
    ours, theirs = nn.BatchNorm2d(3).double(), tnn.BatchNorm2d(3).double()
    for _ in range(3):
        x = rng.standard_normal((4, 3, 5, 5)) * 2 + 1
        _check_loss(lambda a: ours(a), lambda a: theirs(a), x)
    assert_same_weights(ours, theirs, rtol=1e-10)
    ours.eval()
    theirs.eval()
    _check_loss(lambda a: ours(a), lambda a: theirs(a), rng.standard_normal((2, 3, 5, 5)))
    ln, tln = nn.LayerNorm((5, 5)).double(), tnn.LayerNorm((5, 5)).double()
    _check_loss(lambda a: ln(a), lambda a: tln(a), rng.standard_normal((2, 3, 5, 5)))


def test_module_initialisation_matches_pytorch_bounds() -> None:
    conv, tconv = nn.Conv2d(6, 16, 5), tnn.Conv2d(6, 16, 5)
    bound = 1 / math.sqrt(6 * 25)
    for ours, theirs in [(conv.weight, tconv.weight), (conv.bias, tconv.bias)]:
        assert float(ours.detach().abs().max()) <= bound
        assert float(theirs.detach().abs().max()) <= bound
        # both spread over the whole interval
        assert float(ours.detach().abs().max()) > 0.8 * bound
    assert repr(nn.Conv2d(1, 6, 5)) == repr(tnn.Conv2d(1, 6, 5))
    assert repr(nn.Linear(400, 120)) == repr(tnn.Linear(400, 120))
    assert repr(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)) == \
        repr(tnn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False))


def test_clip_grad_norm_matches_pytorch() -> None:
    rng = numpy.random.default_rng(7)
    grads = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    for norm_type in (2.0, 1.0, math.inf):
        ours = [nn.Parameter(minigrad.zeros(g.shape, dtype=minigrad.float64)) for g in grads]
        theirs = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
        for p, tp, g in zip(ours, theirs, grads):
            p.grad = minigrad.tensor(g)
            tp.grad = torch.tensor(g)
        total = nn.utils.clip_grad_norm_(ours, 0.5, norm_type)
        ttotal = torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type)
        assert float(total) == pytest.approx(float(ttotal))
        for p, tp in zip(ours, theirs):
            numpy.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)
