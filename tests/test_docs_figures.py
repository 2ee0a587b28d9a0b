"""The worked examples that the docs draw (docs/hooks/worked_examples.py) agree with
minigrad's autograd: the pictures teach the formulas minigrad follows."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy

HOOKS = Path(__file__).resolve().parent.parent / "docs" / "hooks"


def _load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, HOOKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ex = _load("worked_examples")


def test_pooling_gradient_is_the_upsampled_output_gradient() -> None:
    by_max, by_avg = ex.pool_grads_by_minigrad(ex.POOL_INPUT, ex.POOL_UPSTREAM, ex.POOL_SIZE)
    hand_max = ex.max_pool_grad_by_hand(ex.POOL_INPUT, ex.POOL_UPSTREAM, ex.POOL_SIZE)
    hand_avg = ex.avg_pool_grad_by_hand(ex.POOL_UPSTREAM, ex.POOL_SIZE)
    numpy.testing.assert_array_equal(by_max, hand_max)
    numpy.testing.assert_array_equal(by_avg, hand_avg)
    # the numbers of the worked example: maxima at the four outer corners
    assert hand_max.tolist() == [[2, 0, 0, 4], [0, 0, 0, 0], [0, 0, 0, 0], [6, 0, 0, 8]]
    assert hand_avg.tolist() == [[0.5, 0.5, 1.0, 1.0], [0.5, 0.5, 1.0, 1.0],
                                 [1.5, 1.5, 2.0, 2.0], [1.5, 1.5, 2.0, 2.0]]


def test_conv_input_gradient_is_delta_correlated_with_the_flipped_kernel() -> None:
    by_x, by_w = ex.conv_grads_by_minigrad(ex.CONV_INPUT, ex.CONV_KERNEL, ex.CONV_UPSTREAM)
    padded, hand_x = ex.conv_input_grad_by_hand(ex.CONV_UPSTREAM, ex.CONV_KERNEL)
    assert padded.shape == (6, 6) and hand_x.shape == ex.CONV_INPUT.shape
    numpy.testing.assert_allclose(by_x, hand_x, atol=1e-6)
    numpy.testing.assert_allclose(by_w, ex.conv_weight_grad_by_hand(ex.CONV_INPUT,
                                                                    ex.CONV_UPSTREAM), atol=1e-6)
    # without the flip the formula is wrong for this (asymmetric) kernel
    _, unflipped = ex.conv_input_grad_by_hand(ex.CONV_UPSTREAM, ex.CONV_KERNEL[::-1, ::-1])
    assert not numpy.allclose(unflipped, by_x)


def test_correlate_matches_minigrad_conv2d() -> None:
    import minigrad
    import minigrad.nn.functional as F

    ours = F.conv2d(minigrad.tensor(ex.CONV_INPUT[None, None]),
                    minigrad.tensor(ex.CONV_KERNEL[None, None]))[0, 0].numpy()
    numpy.testing.assert_allclose(ex.correlate(ex.CONV_INPUT, ex.CONV_KERNEL), ours)
