"""Every conv and pooling layer documents its output shape, and the formulas it gives are
the sizes the layers return."""

from __future__ import annotations

import math

import pytest

import minigrad
from minigrad import nn
from minigrad.nn import conv, fold, padding, pixel_shuffle, pooling, pooling1d, resampling

LAYERS = [getattr(module, name)
          for module in (conv, pooling, pooling1d, padding, fold, resampling, pixel_shuffle)
          for name in module.__all__]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda c: c.__name__)
def test_layer_docstring_has_a_shape_section(layer: type) -> None:
    doc = layer.__doc__ or ""
    assert "\n    Shape\n    -----\n" in doc, f"{layer.__name__} documents no output shape"
    assert "_out" in doc or "(N, C, 1, 1)" in doc or "output_size" in doc


@pytest.mark.parametrize("layer", [conv.Conv1d, conv.Conv2d, conv.ConvTranspose2d],
                         ids=lambda c: c.__name__)
def test_conv_docstrings_state_the_initialisation(layer: type) -> None:
    assert "k = 1 / sqrt(fan_in)" in (layer.__doc__ or "")


def window_out(n: int, k: int, s: int, p: int = 0, d: int = 1, ceil: bool = False) -> int:
    """``floor((n + 2p - d(k - 1) - 1) / s) + 1``, or ceil, as the docstrings write it."""
    size = (n + 2 * p - d * (k - 1) - 1) / s + 1
    return math.ceil(size) if ceil else math.floor(size)


@pytest.mark.parametrize(("n", "k", "s", "p", "d"),
                         [(13, 3, 2, 1, 2), (28, 5, 1, 0, 1), (10, 4, 3, 2, 1), (9, 2, 2, 1, 3)])
def test_documented_formulas_give_the_output_sizes(n: int, k: int, s: int, p: int,
                                                  d: int) -> None:
    x = minigrad.randn(1, 2, n, n + 1)
    pad = min(p, k // 2)   # pooling allows at most half the window as padding
    assert nn.Conv2d(2, 3, k, s, p, d)(x).shape[2:] == (window_out(n, k, s, p, d),
                                                        window_out(n + 1, k, s, p, d))
    assert nn.Conv1d(2, 3, k, s, p, d)(minigrad.randn(1, 2, n)).shape[-1] == \
        window_out(n, k, s, p, d)
    assert nn.Conv2d(2, 3, k, padding="full", dilation=d)(x).shape[2] == n + d * (k - 1)
    assert nn.Conv2d(2, 3, k, padding="same", dilation=d)(x).shape[2:] == (n, n + 1)
    out_pad = 1 if s > 1 else 0
    assert nn.ConvTranspose2d(2, 3, k, s, p, out_pad, dilation=d)(x).shape[2] == \
        (n - 1) * s - 2 * p + d * (k - 1) + out_pad + 1
    assert nn.MaxPool2d(k, s, pad, d)(x).shape[2] == window_out(n, k, s, pad, d)
    assert nn.MinPool2d(k, s, pad, d)(x).shape[2] == window_out(n, k, s, pad, d)
    assert nn.AvgPool2d(k, s, pad)(x).shape[2] == (n + 2 * pad - k) // s + 1
    assert nn.LPPool2d(2, k, s)(x).shape[2] == (n - k) // s + 1


def test_ceil_mode_rounds_up_unless_the_last_window_starts_in_the_padding() -> None:
    x = minigrad.randn(1, 1, 10, 10)
    assert nn.MaxPool2d(3, 2, ceil_mode=True)(x).shape[2] == window_out(10, 3, 2, ceil=True)
    assert nn.AvgPool2d(2, 2, ceil_mode=True)(minigrad.randn(1, 1, 5, 5)).shape[2] == 3
    # ceil gives 3 here, but the third window would start in the right padding: dropped
    assert nn.MaxPool2d(2, 2, padding=1, ceil_mode=True)(minigrad.randn(1, 1, 2, 2)).shape[2] \
        == window_out(2, 2, 2, 1) == 2


def test_max_unpool_shape() -> None:
    values, indices = nn.MaxPool2d(3, 2, 1, return_indices=True)(minigrad.randn(1, 2, 9, 9))
    assert values.shape[2] == 5
    assert nn.MaxUnpool2d(3, 2, 1)(values, indices).shape[2:] == ((5 - 1) * 2 - 2 + 3,) * 2


def test_adaptive_and_global_pooling_shapes() -> None:
    x = minigrad.randn(2, 3, 13, 20)
    assert nn.AdaptiveAvgPool2d((5, None))(x).shape == (2, 3, 5, 20)
    assert nn.AdaptiveMaxPool2d(3)(x).shape == (2, 3, 3, 3)
    assert nn.GlobalAvgPool2d()(x).shape == nn.GlobalMaxPool2d()(x).shape == (2, 3, 1, 1)


def _breadth_layers() -> list[type]:
    from minigrad.nn import (
        distance,
        likelihood_loss,
        margin_loss,
        per_sample_normalization,
        piecewise,
        regression_loss,
        smooth_activation,
    )

    modules = (piecewise, smooth_activation, distance, per_sample_normalization, margin_loss,
               likelihood_loss, regression_loss)
    return [getattr(m, name) for m in modules for name in m.__all__] + [
        nn.ReLU6, nn.SiLU, nn.Softplus, nn.LogSigmoid, nn.Hardtanh, nn.Softmax2d,
        nn.Dropout1d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout]


@pytest.mark.parametrize("layer", _breadth_layers(), ids=lambda c: c.__name__)
def test_the_other_new_layers_document_their_shapes(layer: type) -> None:
    doc = layer.__doc__ or ""
    assert "\n    Shape\n    -----\n" in doc, f"{layer.__name__} documents no shapes"
    section = doc.split("\n    Shape\n    -----\n")[1]
    assert "input" in section and "output" in section
