"""nn.utils.spectral_norm and weight_norm against PyTorch's classic hooks: names, state
dicts, outputs and gradients over training steps, evaluation mode, removal, errors."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy
import pytest

import minigrad
from minigrad import nn, optim

torch = pytest.importorskip("torch")


def same_state(ours: nn.Module, theirs: Any) -> None:
    """Copy torch's state (random u and v included) into ours, key by key."""
    state = {k: minigrad.tensor(v.detach().numpy().copy()) for k, v in
             theirs.state_dict().items()}
    assert set(state) == set(ours.state_dict())
    ours.load_state_dict(state)


def assert_close(ours: Any, theirs: Any) -> None:
    numpy.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9,
                                  atol=1e-12)


LAYERS: list[tuple[str, Callable[[Any], Any], tuple[int, ...], dict[str, Any]]] = [
    ("linear", lambda lib: lib.nn.Linear(5, 4), (3, 5), {}),
    ("conv2d", lambda lib: lib.nn.Conv2d(2, 3, 3), (2, 2, 6, 6), {"n_power_iterations": 2}),
    ("conv_transpose2d", lambda lib: lib.nn.ConvTranspose2d(3, 2, 3), (1, 3, 4, 4), {}),
    ("linear, dim 1", lambda lib: lib.nn.Linear(5, 4), (3, 5), {"dim": 1}),
]


@pytest.mark.parametrize("case", LAYERS, ids=[c[0] for c in LAYERS])
def test_spectral_norm_trains_as_pytorch(case: Any) -> None:
    _, make, shape, kwargs = case
    torch.manual_seed(0)
    theirs = torch.nn.utils.spectral_norm(make(torch).double(), **kwargs)
    ours = nn.utils.spectral_norm(make(minigrad).double(), **kwargs)
    same_state(ours, theirs)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1)
    opt_m = optim.SGD(ours.parameters(), lr=0.1)
    rng = numpy.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal(shape)
        out_t, out_m = theirs(torch.tensor(x)), ours(minigrad.tensor(x))
        assert_close(out_m, out_t)
        (out_t ** 2).sum().backward()
        (out_m ** 2).sum().backward()
        assert_close(ours.weight_orig.grad, theirs.weight_orig.grad)
        assert_close(ours.bias.grad, theirs.bias.grad)
        opt_t.step(), opt_m.step()
        opt_t.zero_grad(), opt_m.zero_grad()
        for key in ("weight_u", "weight_v", "weight_orig"):
            assert_close(ours.state_dict()[key], theirs.state_dict()[key])


def test_spectral_norm_evaluation_mode_leaves_u_and_v() -> None:
    torch.manual_seed(1)
    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3).double())
    ours = nn.utils.spectral_norm(nn.Linear(4, 3).double())
    same_state(ours, theirs)
    theirs.eval(), ours.eval()
    u_before = ours.weight_u.detach().numpy().copy()
    x = numpy.ones((2, 4))
    assert_close(ours(minigrad.tensor(x)), theirs(torch.tensor(x)))
    numpy.testing.assert_array_equal(ours.weight_u.detach().numpy(), u_before)
    ours.train()
    ours(minigrad.tensor(x))
    assert not numpy.array_equal(ours.weight_u.detach().numpy(), u_before)


def test_spectral_norm_converges_to_the_largest_singular_value() -> None:
    layer = nn.utils.spectral_norm(nn.Linear(6, 4).double(), n_power_iterations=50)
    layer(minigrad.zeros(1, 6, dtype=minigrad.float64))
    singular = numpy.linalg.svd(layer.weight.detach().numpy(), compute_uv=False)
    assert singular[0] == pytest.approx(1.0, rel=1e-6)


def test_remove_spectral_norm() -> None:
    torch.manual_seed(2)
    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3).double())
    ours = nn.utils.spectral_norm(nn.Linear(4, 3).double())
    same_state(ours, theirs)
    torch.nn.utils.remove_spectral_norm(theirs)
    nn.utils.remove_spectral_norm(ours)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict()) == ["bias", "weight"]
    assert isinstance(ours.weight, nn.Parameter)
    assert_close(ours.weight, theirs.weight)
    assert not ours._forward_pre_hooks


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_trains_as_pytorch(dim: int | None) -> None:
    torch.manual_seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch prefers its parametrizations
        theirs = torch.nn.utils.weight_norm(torch.nn.Conv2d(2, 3, 3).double(), dim=dim)
    ours = nn.utils.weight_norm(nn.Conv2d(2, 3, 3).double(), dim=dim)
    assert ours.weight_g.shape == tuple(theirs.weight_g.shape)
    same_state(ours, theirs)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1)
    opt_m = optim.SGD(ours.parameters(), lr=0.1)
    rng = numpy.random.default_rng(1)
    for _ in range(3):
        x = rng.standard_normal((2, 2, 5, 5))
        out_t, out_m = theirs(torch.tensor(x)), ours(minigrad.tensor(x))
        assert_close(out_m, out_t)
        out_t.tanh().sum().backward()
        out_m.tanh().sum().backward()
        assert_close(ours.weight_g.grad, theirs.weight_g.grad)
        assert_close(ours.weight_v.grad, theirs.weight_v.grad)
        opt_t.step(), opt_m.step()
        opt_t.zero_grad(), opt_m.zero_grad()
    torch.nn.utils.remove_weight_norm(theirs)
    nn.utils.remove_weight_norm(ours)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    assert_close(ours.weight, theirs.weight)


def test_errors() -> None:
    layer = nn.utils.spectral_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="two spectral_norm hooks on the same parameter"):
        nn.utils.spectral_norm(layer)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(layer)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.spectral_norm(nn.Linear(3, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="no parameter 'kernel'"):
        nn.utils.weight_norm(nn.Linear(3, 2), name="kernel")
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        nn.utils.weight_norm(nn.utils.weight_norm(nn.Linear(3, 2)))
