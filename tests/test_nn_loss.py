"""Loss functions and modules against NumPy formulas, gradient checks and error messages."""

from __future__ import annotations

import copy

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck, gradgradcheck

f64 = minigrad.float64


def host(t: minigrad.Tensor) -> numpy.ndarray:
    return t.detach().numpy()


def log_softmax(a: numpy.ndarray, axis: int = 1) -> numpy.ndarray:
    shifted = a - a.max(axis, keepdims=True)
    return shifted - numpy.log(numpy.exp(shifted).sum(axis, keepdims=True))


def test_cross_entropy_reference_and_gradients(backend: minigrad.backends.Backend) -> None:
    x = minigrad.randn(5, 4, dtype=f64, requires_grad=True)
    target = minigrad.tensor([0, 3, 1, 1, 2])
    logp = log_softmax(host(x))
    picked = -logp[numpy.arange(5), host(target)]
    assert float(F.cross_entropy(x, target)) == pytest.approx(picked.mean())
    assert float(F.cross_entropy(x, target, reduction="sum")) == pytest.approx(picked.sum())
    numpy.testing.assert_allclose(host(F.cross_entropy(x, target, reduction="none")), picked)
    for kwargs in ({}, {"label_smoothing": 0.1}, {"weight": minigrad.tensor(
            [1.0, 2.0, 0.5, 1.0], dtype=f64)}, {"ignore_index": 1}):
        assert gradcheck(lambda a, kw=kwargs: F.cross_entropy(a, target, **kw), [x])
        assert gradgradcheck(lambda a, kw=kwargs: F.cross_entropy(a, target, **kw), [x])
    probs = minigrad.tensor(numpy.full((5, 4), 0.25))
    assert gradcheck(lambda a: F.cross_entropy(a, probs), [x])


def test_cross_entropy_is_stable_for_huge_logits(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, minigrad.tensor([2]))
    assert float(loss) == pytest.approx(2000.0)
    loss.backward()
    assert numpy.isfinite(host(x.grad)).all()


def test_ignore_index_and_weights(backend: minigrad.backends.Backend) -> None:
    x = minigrad.randn(4, 3, dtype=f64)
    target = minigrad.tensor([0, -100, 2, 1])
    logp = log_softmax(host(x))
    kept = [0, 2, 3]
    expected = -logp[kept, host(target)[kept]].mean()
    assert float(F.cross_entropy(x, target)) == pytest.approx(expected)
    assert float(F.cross_entropy(x, target, reduction="none")[1]) == 0.0
    w = numpy.array([1.0, 2.0, 3.0])
    weighted = -(w[host(target)[kept]] * logp[kept, host(target)[kept]]).sum() / \
        w[host(target)[kept]].sum()
    assert float(F.cross_entropy(x, target, weight=minigrad.tensor(w))) == \
        pytest.approx(weighted)
    nll = nn.NLLLoss()(minigrad.tensor(logp), minigrad.tensor([0, 1, 2, 1]))
    assert float(nll) == pytest.approx(-logp[numpy.arange(4), [0, 1, 2, 1]].mean())


def test_cross_entropy_errors(backend: minigrad.backends.Backend) -> None:
    x = minigrad.randn(3, 4)
    with pytest.raises(IndexError, match="target 4 is out of bounds for 4 classes"):
        F.cross_entropy(x, minigrad.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match=r"needs class-index targets of shape \(3,\)"):
        F.cross_entropy(x, minigrad.tensor([0, 1]))
    with pytest.raises(ValueError, match="probability targets must have the input's shape"):
        F.cross_entropy(x, minigrad.ones(3, 3))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(x, minigrad.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, minigrad.tensor([0, 1, 2]), label_smoothing=2.0)
    with pytest.raises(TypeError, match="integer class indices"):
        F.nll_loss(x, minigrad.tensor([0.0, 1.0, 2.0]).to(minigrad.float16))
    with pytest.raises(ValueError, match="one entry per class"):
        F.nll_loss(x, minigrad.tensor([0, 1, 2]), weight=minigrad.ones(3))
    with pytest.raises(ValueError, match="class dimension"):
        F.cross_entropy(minigrad.tensor(1.0), minigrad.tensor(0))
    with pytest.raises(ValueError, match="reduction must be"):
        nn.CrossEntropyLoss(reduction="total")


@pytest.mark.parametrize("module, reference", [
    (nn.MSELoss(), lambda d: d**2),
    (nn.L1Loss(), numpy.abs),
    (nn.SmoothL1Loss(beta=0.5), lambda d: numpy.where(numpy.abs(d) < 0.5, d**2, numpy.abs(d)
                                                      - 0.25)),
])
def test_regression_losses(backend: minigrad.backends.Backend, module: nn.Module,
                           reference: object) -> None:
    x = minigrad.randn(3, 4, dtype=f64, requires_grad=True)
    y = minigrad.randn(3, 4, dtype=f64)
    d = host(x) - host(y)
    assert float(module(x, y)) == pytest.approx(reference(d).mean())  # type: ignore[operator]
    assert gradcheck(lambda a: module(a, y), [x])
    unreduced = copy.deepcopy(module)  # the parametrized instance serves every backend
    unreduced.reduction = "none"
    numpy.testing.assert_allclose(host(unreduced(x, y)), reference(d))  # type: ignore[operator]


def test_shape_mismatch_warns_or_fails(backend: minigrad.backends.Backend) -> None:
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(minigrad.ones(3, 1), minigrad.ones(3))
    with pytest.raises(ValueError, match="can't be broadcast"):
        F.l1_loss(minigrad.ones(3), minigrad.ones(4))
    with pytest.raises(ValueError, match="beta must be non-negative"):
        F.smooth_l1_loss(minigrad.ones(3), minigrad.ones(3), beta=-1.0)


def test_binary_cross_entropy(backend: minigrad.backends.Backend) -> None:
    p = minigrad.tensor([0.2, 0.9, 0.5], dtype=f64, requires_grad=True)
    t = minigrad.tensor([0.0, 1.0, 1.0], dtype=f64)
    expected = -(numpy.log([0.8, 0.9, 0.5])).mean()
    assert float(nn.BCELoss()(p, t)) == pytest.approx(expected)
    assert gradcheck(lambda a: F.binary_cross_entropy(a, t), [p])
    saturated = F.binary_cross_entropy(minigrad.tensor([0.0, 1.0]), minigrad.tensor([1.0, 0.0]))
    assert float(saturated) == pytest.approx(100.0)  # logs clamped at -100
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        F.binary_cross_entropy(minigrad.tensor([1.5]), minigrad.tensor([1.0]))
    logits = minigrad.tensor([-50.0, 0.0, 60.0], dtype=f64, requires_grad=True)
    loss = nn.BCEWithLogitsLoss()(logits, t)
    assert float(loss) == pytest.approx(numpy.log(2) / 3, rel=1e-9)
    assert gradcheck(lambda a: F.binary_cross_entropy_with_logits(a, t), [logits])
    assert gradgradcheck(lambda a: F.binary_cross_entropy_with_logits(a, t), [logits])
    weighted = nn.BCEWithLogitsLoss(pos_weight=minigrad.tensor([2.0], dtype=f64),
                                    reduction="sum")(logits, t)
    assert float(weighted) == pytest.approx(2 * numpy.log(2), rel=1e-9)
    with pytest.raises(ValueError, match="must have the input's shape"):
        F.binary_cross_entropy_with_logits(logits, minigrad.ones(2))


def test_logsigmoid_gradient_at_zero(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([0.0], dtype=f64, requires_grad=True)
    F.logsigmoid(x).sum().backward()
    assert float(x.grad) == pytest.approx(0.5)


def test_bce_gradient_at_saturated_probabilities(backend: minigrad.backends.Backend) -> None:
    x_values = numpy.array([0.0, 1.0, 0.25, 1.0, 0.0])
    y_values = numpy.array([1.0, 0.0, 0.5, 1.0, 0.0])
    x = minigrad.tensor(x_values, requires_grad=True)
    y = minigrad.tensor(y_values, requires_grad=True)
    loss = F.binary_cross_entropy(x, y, reduction="sum")
    assert float(loss) == pytest.approx(200.0 + 0.5 * -(numpy.log(0.25) + numpy.log(0.75)))
    loss.backward()
    eps = float(numpy.float32(1e-12))  # torch's EPSILON, rounded to float32 as torch does
    # (x - y) / max(x (1 - x), eps): not 0 where x is exactly 0 or 1
    numpy.testing.assert_allclose(host(x.grad), [-1 / eps, 1 / eps, -0.25 / 0.1875, 0.0, 0.0])
    numpy.testing.assert_allclose(host(y.grad)[2], numpy.log(0.75) - numpy.log(0.25))
    assert host(y.grad)[0] == numpy.inf and host(y.grad)[1] == -numpy.inf


def test_bce_gradient_matches_torch_when_saturated() -> None:
    torch = pytest.importorskip("torch")
    x_values = numpy.array([0.0, 1.0, 0.3, 1.0, 0.0, 1e-50])
    y_values = numpy.array([1.0, 0.0, 0.5, 1.0, 0.0, 0.2])
    weight = numpy.array([1.0, 2.0, 0.5, 1.0, 1.0, 3.0])
    for dtype, tdtype in ((minigrad.float64, torch.float64), (minigrad.float32, torch.float32)):
        x = minigrad.tensor(x_values.astype(dtype), requires_grad=True)
        y = minigrad.tensor(y_values.astype(dtype), requires_grad=True)
        loss = F.binary_cross_entropy(x, y, weight=minigrad.tensor(weight.astype(dtype)))
        loss.backward()
        tx = torch.tensor(x_values, dtype=tdtype, requires_grad=True)
        ty = torch.tensor(y_values, dtype=tdtype, requires_grad=True)
        tloss = torch.nn.functional.binary_cross_entropy(
            tx, ty, weight=torch.tensor(weight, dtype=tdtype)
        )
        tloss.backward()
        rtol = 1e-12 if dtype == minigrad.float64 else 1e-5
        numpy.testing.assert_allclose(float(loss), tloss.item(), rtol=rtol)
        numpy.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=rtol)
        numpy.testing.assert_allclose(host(y.grad), ty.grad.numpy(), rtol=rtol)
