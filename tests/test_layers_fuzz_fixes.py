"""Regression tests of the differences that the differential fuzz test (tests/test_fuzz.py,
generators in tests/fuzz_specs_layers.py) found in the layers' functions. Each states
PyTorch 2.13's answer as plain numbers, so it runs without PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F


@pytest.fixture(autouse=True)
def _quiet_numpy():
    with numpy.errstate(all="ignore"):  # NaN and infinities are what these cases are about
        yield


def leaf(values: object, dtype: object = minigrad.float64) -> minigrad.Tensor:
    return minigrad.tensor(values, dtype=dtype, requires_grad=True)


def grad_of(out: minigrad.Tensor, x: minigrad.Tensor) -> list[object]:
    (g,) = minigrad.grad(out.sum(), [x])
    return g.tolist()  # type: ignore[no-any-return]


# --- activations ----------------------------------------------------------------------------
def test_hardtanh_in_place_takes_bounds_in_any_order():
    # PyTorch's F.hardtanh_ does not check them: everything becomes max_val, gradient 0
    x = leaf([-2.0, 0.0, 2.0])
    y = F.hardtanh_(x * 1, 0.0, -0.5)
    assert y.tolist() == [-0.5, -0.5, -0.5]
    assert grad_of(y, x) == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="hardtanh"):  # F.hardtanh itself refuses them
        F.hardtanh(x * 1, 0.0, -0.5)


def test_prelu_gradients_stay_finite_beside_infinities():
    x, w = leaf([math.inf, -2.0]), leaf([0.25])
    y = F.prelu(x, w)
    assert y.tolist() == [math.inf, -0.5]
    _, gw = minigrad.grad(y.sum(), [x, w])
    assert gw.tolist() == [-2.0]  # only the negative element's (not inf * 0 = NaN)
    x, w = leaf([3.0, -1.0]), leaf([math.inf])
    assert grad_of(F.prelu(x, w), x)[0] == 1.0


def test_glu_halves_an_empty_dimension():
    x = leaf(numpy.zeros((2, 0)))
    y = F.glu(x, dim=1)
    assert y.shape == (2, 0)
    assert numpy.asarray(grad_of(y, x)).shape == (2, 0)


def test_mish_gradient_at_huge_inputs_is_finite():
    # mish'(x) is 0 far left and 1 far right; the product rule's g * x overflows there
    for dtype, big in ((minigrad.float32, 3e38), (minigrad.float64, 1e308)):
        x = leaf([-big, big], dtype)
        (g,) = minigrad.grad((F.mish(x) * 2).sum(), [x])
        assert g.tolist() == [0.0, 2.0]


# --- norms and distances ------------------------------------------------------------------------
def test_norm_below_one_has_subgradient_zero_at_zero_elements():
    x = leaf([0.0, 1.0, -2.0])
    g = grad_of(minigrad.norm(x, 0.5), x)
    assert g[0] == 0.0 and all(math.isfinite(v) for v in g)  # PyTorch: 0, not NaN


def test_norm_below_one_keeps_the_slope_of_a_tiny_element():
    # a subnormal beside a huge value: scaled by the largest it would underflow to 0 and take
    # the subgradient 0; its true slope, |x|**(p - 1) times the rest, is of order 1 here
    values = [1.7014117e38, 2.9387359e-39, 1.0e4]
    x = leaf(values, minigrad.float32)
    (g,) = minigrad.grad(F.normalize(x, p=0.5, dim=0), [x], [minigrad.tensor([0.5, -1.0, 2.0])])
    assert g.tolist()[1] == pytest.approx(-0.7071, rel=1e-3)
    torch = pytest.importorskip("torch")
    t = torch.tensor(values, requires_grad=True)
    (want,) = torch.autograd.grad(torch.nn.functional.normalize(t, p=0.5, dim=0), [t],
                                  [torch.tensor([0.5, -1.0, 2.0])])
    assert g.tolist()[1] == pytest.approx(want.tolist()[1], rel=1e-4)


# --- normalisation ------------------------------------------------------------------------------
def test_group_norm_of_an_empty_batch():
    x = leaf(numpy.zeros((0, 4, 3)))
    assert F.group_norm(x, 2).shape == (0, 4, 3)


def test_group_norm_refuses_a_lone_value_per_group():
    with pytest.raises(ValueError, match=r"group_norm.*more than 1 value"):
        F.group_norm(minigrad.ones(1, 2), 2)
    assert F.group_norm(minigrad.ones(2, 2), 2).shape == (2, 2)  # two samples: accepted


def test_instance_norm_of_a_2d_input_with_running_statistics():
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=minigrad.float64)
    mean = minigrad.tensor([1.0, 0.0], dtype=minigrad.float64)
    var = minigrad.tensor([4.0, 1.0], dtype=minigrad.float64)
    y = F.instance_norm(x, mean, var, use_input_stats=False, eps=0.0)
    assert y.tolist() == [[0.0, 2.0], [1.0, 4.0]]
    with pytest.raises(ValueError, match="instance_norm"):
        F.instance_norm(x, mean, var)


def test_instance_norm_leaves_running_statistics_of_empty_instances():
    mean, var = minigrad.zeros(2), minigrad.ones(2)
    F.instance_norm(minigrad.ones(2, 2, 0), mean, var, momentum=0.5)
    assert mean.tolist() == [0.0, 0.0] and var.tolist() == [1.0, 1.0]
    F.instance_norm(minigrad.ones(0, 2, 3), mean, var, momentum=0.5)  # the mean of nothing
    assert all(math.isnan(v) for v in mean.tolist() + var.tolist())


# --- resampling --------------------------------------------------------------------------------
def test_interpolate_reads_nothing_through_a_tap_of_weight_zero():
    # rows 0 and 2 map onto input rows exactly: the infinite row 1 must not make them NaN
    x = minigrad.tensor([[[[1.0], [math.inf], [3.0]]]], dtype=minigrad.float64)
    y = F.interpolate(x, size=(3, 2), mode="bilinear", align_corners=True)
    assert y[0, 0, 0].tolist() == [1.0, 1.0] and y[0, 0, 2].tolist() == [3.0, 3.0]
    assert y[0, 0, 1].tolist() == [math.inf, math.inf]


def test_interpolate_refuses_an_input_without_channels():
    with pytest.raises(RuntimeError, match=r"interpolate.*channels"):
        F.interpolate(minigrad.zeros(2, 0, 3), size=4)
    assert F.interpolate(minigrad.zeros(0, 2, 3), size=4).shape == (0, 2, 4)  # no batch: fine
    # area mode is adaptive average pooling: no channels are fine in 1-D and 2-D, and in 3-D
    # only for an output of one element
    assert F.interpolate(minigrad.zeros(2, 0, 3, 3), size=2, mode="area").shape == (2, 0, 2, 2)
    volume = minigrad.zeros(2, 0, 3, 3, 3)
    assert F.interpolate(volume, size=1, mode="area").shape == (2, 0, 1, 1, 1)
    for size in ((1, 2, 1), (0, 1, 1)):
        with pytest.raises(RuntimeError, match=r"interpolate.*channels"):
            F.interpolate(volume, size=size, mode="area")


def test_interpolate_at_an_infinity_warns_of_nothing():
    # the taps that read nothing are dropped before they are weighted: no inf * 0 anywhere,
    # forward or backward
    x = leaf([[[[1.0], [math.inf], [3.0]]]])
    with numpy.errstate(invalid="raise"):
        y = F.interpolate(x, size=(3, 2), mode="bilinear", align_corners=True)
        assert grad_of(y, x) == [[[[2.0], [2.0], [2.0]]]]


def test_grid_sample_at_non_finite_points_does_not_fail():
    x = minigrad.arange(1.0, 13.0, dtype=minigrad.float64).reshape(1, 1, 3, 4)
    points = [[math.nan, 0.2], [math.inf, 0.2], [0.0, 0.0]]
    grid = minigrad.tensor([[points]], dtype=minigrad.float64)
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding in ("zeros", "border", "reflection"):
            y = F.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=False)
            assert y.shape == (1, 1, 1, 3)
    y = F.grid_sample(x, grid, align_corners=False).tolist()[0][0][0]
    assert math.isnan(y[0]) and math.isnan(y[1]) and y[2] == 6.5


def test_adaptive_1d_pooling_to_length_zero():
    x = leaf(numpy.ones((2, 3, 4)))
    assert F.adaptive_avg_pool1d(x, 0).shape == (2, 3, 0)
    values, indices = F.adaptive_max_pool1d(x, 0, return_indices=True)
    assert values.shape == indices.shape == (2, 3, 0)
    with pytest.raises(ValueError, match="adaptive_avg_pool1d"):
        F.adaptive_avg_pool1d(x, -1)


# --- losses --------------------------------------------------------------------------------------
def test_kl_div_of_a_negative_target_is_nan():
    x = minigrad.tensor([0.5, 0.5], dtype=minigrad.float64)
    y = minigrad.tensor([-0.5, 0.0], dtype=minigrad.float64)
    loss = F.kl_div(x, y, reduction="none").tolist()
    assert math.isnan(loss[0]) and loss[1] == 0.0  # not a probability: PyTorch's xlogy


def test_soft_margin_loss_refuses_a_target_wider_than_the_input():
    with pytest.raises(RuntimeError, match="soft_margin_loss"):
        F.soft_margin_loss(minigrad.zeros(2), minigrad.ones(1, 2))
    assert F.soft_margin_loss(minigrad.zeros(2, 2), minigrad.ones(2)).shape == ()


def test_multilabel_soft_margin_loss_divides_by_the_classes():
    # a weight that broadcasts the loss wider adds terms to PyTorch's sum over classes
    x = minigrad.tensor([[0.0]], dtype=minigrad.float64)
    y = minigrad.tensor([[1.0]], dtype=minigrad.float64)
    w = minigrad.tensor([1.0, 1.0], dtype=minigrad.float64)
    loss = F.multilabel_soft_margin_loss(x, y, w, reduction="none")
    assert loss.tolist() == pytest.approx([2 * math.log(2)])


def test_multi_margin_loss_counts_only_positive_terms():
    # at the kink z = 0 the term is off (no gradient), as in PyTorch's kernel
    x = leaf([[0.0, 1.0]])
    target = minigrad.tensor([1])
    assert grad_of(F.multi_margin_loss(x, target), x) == [[0.0, 0.0]]
    # a NaN term and an infinite weight on terms that are off add nothing
    x = leaf([[math.nan, 0.0, 3.0]])
    weight = minigrad.tensor([1.0, 1.0, 1.0], dtype=minigrad.float64)
    assert F.multi_margin_loss(x, minigrad.tensor([2]), weight=weight).item() == 0.0
    x = leaf([[0.0, 3.0]])
    weight = minigrad.tensor([1.0, math.inf], dtype=minigrad.float64)
    assert F.multi_margin_loss(x, minigrad.tensor([1]), weight=weight).item() == 0.0


def test_huber_loss_gradient_at_an_infinite_difference():
    x, y = leaf([-math.inf, 0.0]), leaf([0.5, 0.25])
    loss = F.huber_loss(x, y, reduction="sum", delta=0.5)
    (gy,) = minigrad.grad(loss, [y])
    assert gy.tolist() == [0.5, 0.25]  # delta * sign, not inf * 0 = NaN


# --- dropouts ----------------------------------------------------------------------------------
def test_feature_alpha_dropout_checks_dimensions_only_to_draw():
    x = minigrad.tensor(2.0)
    assert F.feature_alpha_dropout(x, 0.5, training=False).item() == 2.0
    assert F.feature_alpha_dropout(x, 1.0, training=True).item() == 0.0
    with pytest.raises(ValueError, match="feature_alpha_dropout"):
        F.feature_alpha_dropout(x, 0.5, training=True)



# --- the same cases through PyTorch: the numbers stated above are its answers ---------------
def _cases(lib: object, functional: object) -> dict[str, object]:
    """Each fixed case written once for either library (``lib`` is minigrad or torch)."""
    L: Any = lib
    Fn: Any = functional

    def t(values: object, grad: bool = False) -> Any:
        return L.tensor(values, dtype=L.float64, requires_grad=grad)

    def grad(out: Any, x: Any) -> Any:
        return L.autograd.grad(out.sum(), [x])[0].tolist()

    x = t([-2.0, 0.0, 2.0], True)
    prelu_x, prelu_w = t([math.inf, -2.0], True), t([0.25], True)
    mish_x = L.tensor([-3e38, 3e38], dtype=L.float32, requires_grad=True)
    margin_x = t([[0.0, 1.0]], True)
    huber_y = t([0.5, 0.25], True)
    norm_x = t([0.0, 1.0, -2.0], True)
    return {
        "hardtanh_ reversed": grad(Fn.hardtanh_(x * 1, 0.0, -0.5), x),
        "prelu weight": L.autograd.grad(Fn.prelu(prelu_x, prelu_w).sum(), [prelu_w])[0].tolist(),
        "mish huge": L.autograd.grad((Fn.mish(mish_x) * 2).sum(), [mish_x])[0].tolist(),
        "kl_div negative": str(Fn.kl_div(t([0.5, 0.5]), t([-0.5, 0.0]), reduction="none").tolist()),
        "multilabel weight": Fn.multilabel_soft_margin_loss(
            t([[0.0]]), t([[1.0]]), t([1.0, 1.0]), reduction="none").tolist(),
        "multi_margin kink": grad(Fn.multi_margin_loss(margin_x, L.tensor([1])), margin_x),
        "huber infinite": L.autograd.grad(Fn.huber_loss(
            t([-math.inf, 0.0]), huber_y, reduction="sum", delta=0.5), [huber_y])[0].tolist(),
        "norm below one": grad(L.norm(norm_x, 0.5), norm_x),
        "adaptive pool to 0": tuple(Fn.adaptive_avg_pool1d(L.ones(2, 3, 4), 0).shape),
    }


def test_the_fixed_cases_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _cases(minigrad, F), _cases(torch, torch.nn.functional)
    for name, want in theirs.items():
        if isinstance(want, str):  # (NaN, written out, equals NaN)
            assert ours[name] == want, name
        else:
            assert numpy.asarray(ours[name]) == pytest.approx(numpy.asarray(want)), name
