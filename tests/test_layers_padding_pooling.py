"""Padding layers, 1-D pooling, the ``_with_indices`` forms and the Unfold/Fold layers
against PyTorch: outputs, indices and gradients, reprs and errors."""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from tests.torch_pairs import assert_close, same_results, to_minigrad, to_torch

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def data(*shape: int, seed: int = 0) -> numpy.ndarray[Any, Any]:
    return numpy.random.default_rng(seed).standard_normal(shape)


PADS = [  # (layer, constructor arguments, input shape)
    ("ZeroPad1d", (2,), (2, 3, 5)), ("ZeroPad1d", ((1, 3),), (3, 4)),
    ("ZeroPad2d", (2,), (1, 2, 3, 4)), ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 3)),
    ("ZeroPad3d", (1,), (1, 1, 2, 3, 2)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad2d", ((1, 2, 3, 0), -1.0), (1, 2, 3, 3)),
    ("ConstantPad3d", ((1, 0, 0, 1, 2, 1), 0.5), (1, 2, 2, 2, 2)),
    ("ReflectionPad1d", (2,), (2, 3, 5)), ("ReflectionPad1d", ((3, 1),), (3, 4)),
    ("ReflectionPad2d", (1,), (1, 2, 3, 4)), ("ReflectionPad2d", ((2, 1, 0, 2),), (2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 1, 2, 3, 3)),
    ("ReplicationPad1d", ((1, 4),), (2, 3, 3)), ("ReplicationPad2d", (2,), (1, 2, 3, 3)),
    ("ReplicationPad3d", ((1, 0, 2, 1, 0, 1),), (1, 1, 2, 2, 3)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad2d", ((1, 2, 2, 0),), (1, 2, 3, 4)),
    ("CircularPad3d", (1,), (1, 1, 2, 3, 3)),
]


@pytest.mark.parametrize(("name", "args", "shape"), PADS, ids=lambda v: str(v))
def test_padding_layers_match_pytorch(name: str, args: tuple[Any, ...],
                                      shape: tuple[int, ...]) -> None:
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    same_results(ours, theirs, [data(*shape)])


def test_padding_layer_errors() -> None:
    with pytest.raises(ValueError, match=r"ReflectionPad2d: expected 3D or 4D input \(got 2D"):
        nn.ReflectionPad2d(1)(minigrad.randn(4, 4))
    with pytest.raises(ValueError, match=r"CircularPad1d: expected 2D or 3D input"):
        nn.CircularPad1d(1)(minigrad.randn(1, 2, 3, 4))
    with pytest.raises(ValueError, match="padding must be an int or 4 ints"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match="smaller than its size"):
        nn.ReflectionPad1d(3)(minigrad.randn(1, 2, 3))


MAX1D = [  # (args, kwargs, shape)
    ((2,), {}, (2, 3, 8)), ((3,), {"stride": 2, "padding": 1}, (3, 7)),
    ((3,), {"stride": 1, "dilation": 2, "padding": 1}, (1, 2, 9)),
    ((2,), {"ceil_mode": True}, (2, 1, 7)), ((4, 3, 2, 1, True), {}, (2, 2, 10)),
]


@pytest.mark.parametrize(("args", "kwargs", "shape"), MAX1D, ids=lambda v: str(v))
def test_max_pool1d_matches_pytorch(args: Any, kwargs: dict[str, Any], shape: Any) -> None:
    x = data(*shape)
    same_results(lambda t: F.max_pool1d(t, *args, **kwargs),
                 lambda t: TF.max_pool1d(t, *args, **kwargs), [x])
    same_results(lambda t: F.max_pool1d(t, *args, **kwargs, return_indices=True),
                 lambda t: TF.max_pool1d(t, *args, **kwargs, return_indices=True), [x])
    same_results(lambda t: F.max_pool1d_with_indices(t, *args, **kwargs),
                 lambda t: TF.max_pool1d_with_indices(t, *args, **kwargs), [x])
    layer_args = dict(zip(("kernel_size", "stride", "padding", "dilation", "ceil_mode"), args))
    layer_args.update(kwargs)
    ours, theirs = nn.MaxPool1d(**layer_args), torch.nn.MaxPool1d(**layer_args)
    assert repr(ours) == repr(theirs)
    same_results(ours, theirs, [x])


@pytest.mark.parametrize(("args", "shape"), [
    ((2,), (2, 3, 8)), ((3, 2, 1), (3, 7)), ((3, 2, 1, True, False), (2, 2, 7)),
    ((4, 1, 2, False, False), (1, 2, 6)), (((3,), (2,), (1,)), (2, 3, 9))])
def test_avg_pool1d_matches_pytorch(args: Any, shape: Any) -> None:
    x = data(*shape)
    same_results(lambda t: F.avg_pool1d(t, *args), lambda t: TF.avg_pool1d(t, *args), [x])
    ours, theirs = nn.AvgPool1d(*args), torch.nn.AvgPool1d(*args)
    assert repr(ours) == repr(theirs)
    same_results(ours, theirs, [x])


@pytest.mark.parametrize(("size", "shape"), [(3, (2, 3, 7)), ((4,), (3, 8)), (1, (2, 2, 5)),
                                             (5, (1, 2, 5)), (4, (2, 1, 13))])
def test_adaptive_pool1d_matches_pytorch(size: Any, shape: Any) -> None:
    x = data(*shape)
    for name in ("adaptive_avg_pool1d", "adaptive_max_pool1d"):
        same_results(lambda t, n=name: getattr(F, n)(t, size),
                     lambda t, n=name: getattr(TF, n)(t, size), [x])
    same_results(lambda t: F.adaptive_max_pool1d(t, size, True),
                 lambda t: TF.adaptive_max_pool1d(t, size, True), [x])
    same_results(lambda t: F.adaptive_max_pool1d_with_indices(t, size),
                 lambda t: TF.adaptive_max_pool1d_with_indices(t, size), [x])
    for name in ("AdaptiveAvgPool1d", "AdaptiveMaxPool1d"):
        ours, theirs = getattr(nn, name)(size), getattr(torch.nn, name)(size)
        assert repr(ours) == repr(theirs)
        same_results(ours, theirs, [x])


def test_two_dimensional_with_indices_forms_match_pytorch() -> None:
    x = data(2, 3, 7, 6)
    same_results(lambda t: F.max_pool2d_with_indices(t, 3, 2, 1),
                 lambda t: TF.max_pool2d_with_indices(t, 3, 2, 1), [x])
    same_results(lambda t: F.adaptive_max_pool2d_with_indices(t, (3, 4)),
                 lambda t: TF.adaptive_max_pool2d_with_indices(t, (3, 4)), [x])
    assert minigrad.max_pool1d_with_indices(minigrad.randn(1, 1, 4), 2)[1].dtype == \
        minigrad.int64


def test_one_dimensional_pooling_errors() -> None:
    x = minigrad.randn(2, 3, 8)
    with pytest.raises(RuntimeError, match=r"max_pool1d: expected a 2-D \(C, L\) or 3-D"):
        F.max_pool1d(minigrad.randn(2, 3, 4, 5), 2)
    with pytest.raises(ValueError, match="max_pool1d: padding should be at most half"):
        F.max_pool1d(x, 2, padding=2)
    with pytest.raises(ValueError, match="max_pool1d: padding should be at most half"):
        F.max_pool1d(x, 3, padding=2, dilation=2)  # as PyTorch: the dilation doesn't count
    with pytest.raises(ValueError, match="avg_pool1d: kernel_size must be an int or contain "
                                         "one int"):
        F.avg_pool1d(x, (2, 2))
    with pytest.raises(RuntimeError, match="avg_pool1d: an input of length 8"):
        F.avg_pool1d(x, 9)
    with pytest.raises(ValueError, match="adaptive_avg_pool1d: output_size must be positive"):
        F.adaptive_avg_pool1d(x, 0)


@pytest.mark.parametrize(("args", "shape"), [
    ((3,), (2, 2, 5, 6)), (((2, 3), 1, 1, 2), (1, 2, 5, 4)), ((2, (1, 2), 0, (2, 1)), (3, 4, 6))])
def test_unfold_and_fold_layers_match_pytorch(args: Any, shape: Any) -> None:
    ours, theirs = nn.Unfold(*args), torch.nn.Unfold(*args)
    assert repr(ours) == repr(theirs)
    x = data(*shape)
    same_results(ours, theirs, [x])
    columns = theirs(to_torch(x)).numpy()
    ours_fold, theirs_fold = nn.Fold(shape[-2:], *args), torch.nn.Fold(shape[-2:], *args)
    assert repr(ours_fold) == repr(theirs_fold)
    same_results(ours_fold, theirs_fold, [columns])
    assert_close(ours_fold(ours(to_minigrad(x))), theirs_fold(theirs(to_torch(x))))
