"""The activation layers and functions beyond the core set, against PyTorch: outputs and
gradients with the same inputs, the in-place forms, constructor errors and reprs."""

from __future__ import annotations

import warnings
from typing import Any

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from tests.torch_pairs import assert_close, same_results, to_minigrad, to_torch

torch = pytest.importorskip("torch")
TF = torch.nn.functional

MODULES = [  # (name, constructor arguments)
    ("ReLU6", ()), ("SiLU", ()), ("Hardswish", ()), ("Hardsigmoid", ()), ("Mish", ()),
    ("SELU", ()), ("CELU", ()), ("CELU", (0.5,)), ("GLU", ()), ("GLU", (1,)), ("PReLU", ()),
    ("PReLU", (4, 0.1)), ("Softplus", ()), ("Softplus", (2.0, 1.0)), ("LogSigmoid", ()),
    ("Softmin", (1,)), ("Softsign", ()), ("Threshold", (0.1, 20.0)), ("Hardtanh", ()),
    ("Hardtanh", (-0.5, 2.0)), ("Tanhshrink", ()), ("Softshrink", ()), ("Softshrink", (1.0,)),
    ("Hardshrink", ()), ("Hardshrink", (0.2,)), ("Softmax2d", ()), ("RReLU", ()),
]


# PyTorch's hardsigmoid backward multiplies by the float32 constant 1/6, even in float64
RTOL = {"Hardsigmoid": 1e-7}


def data(*shape: int, seed: int = 0, scale: float = 2.0) -> numpy.ndarray[Any, Any]:
    return numpy.random.default_rng(seed).standard_normal(shape) * scale


@pytest.mark.parametrize(("name", "args"), MODULES, ids=lambda v: str(v))
def test_module_matches_pytorch(name: str, args: tuple[Any, ...]) -> None:
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    x = data(2, 4, 3, 6)
    # RReLU draws its slopes in training: compare in eval mode (its mean slope)
    rtol = RTOL.get(name, 1e-9)
    same_results(ours, theirs, [x], train=name != "RReLU", rtol=rtol)
    same_results(ours, theirs, [x], train=False, rtol=rtol)


@pytest.mark.parametrize(("name", "args"), MODULES, ids=lambda v: str(v))
def test_repr_matches_pytorch(name: str, args: tuple[Any, ...]) -> None:
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize("name", ["ReLU6", "SiLU", "Mish", "SELU", "CELU", "Hardtanh",
                                  "RReLU", "Hardswish", "Hardsigmoid"])
def test_inplace_modules_overwrite_their_input(name: str) -> None:
    ours, theirs = getattr(nn, name)(inplace=True), getattr(torch.nn, name)(inplace=True)
    assert repr(ours) == repr(theirs)
    ours.eval()
    theirs.eval()
    x = data(3, 5)
    source = to_minigrad(x, requires_grad=True)
    reference = to_torch(x, requires_grad=True)
    mid_m, mid_t = source * 1, reference * 1
    out_m, out_t = ours(mid_m), theirs(mid_t)
    assert out_m is mid_m
    assert_close(mid_m, mid_t.detach())
    out_m.sum().backward()
    out_t.sum().backward()
    assert_close(source.grad, reference.grad, rtol=RTOL.get(name, 1e-9))


@pytest.mark.parametrize(("name", "args"), [
    ("relu_", ()), ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.5)), ("elu_", (0.7,)),
    ("celu_", (0.5,)), ("selu_", ()), ("threshold_", (0.3, -1.0)), ("rrelu_", (0.1, 0.3)),
])
def test_underscore_forms_change_their_argument(name: str, args: tuple[Any, ...]) -> None:
    x = data(4, 3)
    ours, theirs = to_minigrad(x), to_torch(x)
    assert getattr(F, name)(ours, *args) is ours
    getattr(TF, name)(theirs, *args)
    assert_close(ours, theirs)
    if hasattr(torch, name):
        assert getattr(minigrad, name)(to_minigrad(x), *args).shape == (4, 3)


@pytest.mark.parametrize(("name", "args", "kwargs"), [
    ("threshold", (0.1, 2.0), {}), ("hardshrink", (), {"lambd": 0.3}), ("softshrink", (0.8,), {}),
    ("hardsigmoid", (), {}), ("hardswish", (), {}), ("selu", (), {}), ("celu", (2.0,), {}),
    ("mish", (), {}), ("softsign", (), {}), ("tanhshrink", (), {}), ("glu", (0,), {}),
    ("softmin", (1,), {}), ("softmin", (), {"dim": 0, "dtype": minigrad.float32}),
    ("rrelu", (0.2, 0.4), {}), ("relu6", (), {}), ("silu", (), {}), ("logsigmoid", (), {}),
    ("softplus", (), {"beta": 3.0, "threshold": 2.0}),
])
def test_functions_match_pytorch(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
                                 ) -> None:
    x = data(4, 6, seed=3)
    torch_kwargs = {k: (torch.float32 if v is minigrad.float32 else v) for k, v in
                    kwargs.items()}
    rtol = 1e-6 if "dtype" in kwargs else RTOL.get(name.capitalize(), 1e-9)
    same_results(lambda t: getattr(F, name)(t, *args, **kwargs),
                 lambda t: getattr(TF, name)(t, *args, **torch_kwargs), [x],
                 rtol=rtol, atol=1e-7 if "dtype" in kwargs else 1e-11)


@pytest.mark.parametrize("shape_and_weight", [((2, 3, 4), (3,)), ((5, 2), (1,)), ((), (1,)),
                                              ((2, 3, 2, 2), (3,)), ((4,), (1,))])
def test_prelu_shapes_and_gradients(shape_and_weight: Any) -> None:
    shape, weight_shape = shape_and_weight
    x, w = data(*shape), numpy.abs(data(*weight_shape, seed=1))
    same_results(F.prelu, TF.prelu, [x, w])
    assert minigrad.tensor(x).prelu(minigrad.tensor(w)).shape == shape


def test_prelu_rejects_a_weight_that_fits_no_channel_count() -> None:
    for shape, count in (((2, 3, 4), 2), ((5,), 5)):
        with pytest.raises(RuntimeError, match=r"prelu: weight has \d elements"):
            F.prelu(minigrad.randn(*shape), minigrad.ones(count))
        with pytest.raises(RuntimeError):
            TF.prelu(torch.randn(*shape), torch.ones(count))


def test_prelu_module_learns_one_slope_per_channel() -> None:
    layer = nn.PReLU(3, init=0.1)
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer.weight.tolist() == pytest.approx([0.1] * 3)
    layer.weight.data.copy_(minigrad.tensor([0.0, 1.0, 2.0]))
    layer.reset_parameters()
    assert layer.weight.tolist() == pytest.approx([0.1] * 3)


def test_rrelu_draws_slopes_in_training_and_uses_their_mean_in_eval() -> None:
    x = minigrad.full((2000,), -1.0, dtype=minigrad.float64, requires_grad=True)
    layer = nn.RReLU(0.1, 0.3)
    out = layer(x)
    slopes = -out.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and len(numpy.unique(slopes)) > 100
    out.sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), slopes)  # the gradient is the drawn slope
    assert layer.eval()(x).tolist() == pytest.approx([-0.2] * 2000)
    positive = minigrad.ones(5)
    assert layer.train()(positive).tolist() == [1.0] * 5


def test_activation_errors() -> None:
    x = minigrad.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"halving dimension must be even.*dimension 1"):
        F.glu(x, 1)
    with pytest.raises(RuntimeError, match="0-d"):
        F.glu(minigrad.tensor(1.0))
    with pytest.raises(RuntimeError, match="celu: alpha cannot be 0"):
        F.celu(x, 0.0)
    with pytest.raises(RuntimeError, match="softshrink: lambd must be non-negative"):
        F.softshrink(x, -1.0)
    with pytest.raises(RuntimeError, match=r"rrelu: the lower bound 0\.5 must be less"):
        F.rrelu(x, 0.5, 0.1)
    with pytest.raises(ValueError, match="Hardtanh: max_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="hardtanh_: min_val"):
        F.hardtanh_(x, 1.0, -1.0)
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D"):
        nn.Softmax2d()(minigrad.randn(3, 4))
    with pytest.raises(RuntimeError, match="leaf tensor"):
        F.relu_(minigrad.randn(3, requires_grad=True))


def test_hardtanh_takes_the_deprecated_bound_names() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = nn.Hardtanh(min_value=-2.0, max_value=3.0)
    assert (layer.min_val, layer.max_val) == (-2.0, 3.0)
    assert any("deprecated" in str(w.message) for w in caught)


def test_softmin_warns_on_an_implicit_dim_as_pytorch_does() -> None:
    x = data(3, 4)
    with pytest.warns(UserWarning, match="softmin"):
        ours = F.softmin(to_minigrad(x))
    with pytest.warns(UserWarning):
        theirs = TF.softmin(to_torch(x))
    assert_close(ours, theirs)


def test_gumbel_softmax_samples_and_its_straight_through_gradient() -> None:
    minigrad.manual_seed(0)
    logits = minigrad.tensor(numpy.log([[0.7, 0.2, 0.1]] * 4000), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    assert soft.shape == (4000, 3)
    numpy.testing.assert_allclose(soft.detach().numpy().sum(1), 1.0)
    hard = F.gumbel_softmax(logits, tau=1.0, hard=True)
    counts = hard.detach().numpy()
    assert set(numpy.unique(counts)) == {0.0, 1.0} and (counts.sum(1) == 1).all()
    # the sampled categories follow the probabilities (Gumbel-max trick)
    numpy.testing.assert_allclose(counts.mean(0), [0.7, 0.2, 0.1], atol=0.03)
    weights = minigrad.tensor(numpy.random.default_rng(0).standard_normal((4000, 3)))
    (hard * weights).sum().backward()
    grad_hard = logits.grad.numpy().copy()
    logits.grad = None
    minigrad.manual_seed(0)
    F.gumbel_softmax(logits, tau=0.5)  # the first draw again...
    soft_again = F.gumbel_softmax(logits, tau=1.0)  # ...then the hard sample's noise
    (soft_again * weights).sum().backward()
    numpy.testing.assert_allclose(grad_hard, logits.grad.numpy(), rtol=1e-12, atol=1e-14)
    numpy.testing.assert_allclose(
        F.gumbel_softmax(minigrad.randn(2, 3, 4), dim=1).sum(1).numpy(), numpy.ones((2, 4)))
