"""Resizing, pixel shuffling and grid sampling against PyTorch: every mode and option,
outputs and gradients, the layers' reprs, errors and warnings."""

from __future__ import annotations

import itertools
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

SIZES = [dict(size=6), dict(size=2), dict(size=1), dict(scale_factor=2),
         dict(scale_factor=0.5), dict(scale_factor=1.7),
         dict(scale_factor=2.5, recompute_scale_factor=True), dict(scale_factor=3)]
MODES = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 2), ("linear", 1),
         ("bilinear", 2), ("bicubic", 2), ("trilinear", 3), ("area", 2), ("area", 1)]


def cases() -> list[Any]:
    found = []
    for (mode, spatial), n in itertools.product(MODES, (1, 3, 5)):
        for spec in SIZES:
            corners = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
            antialias = [False, True] if mode in ("bilinear", "bicubic") else [False]
            for align, aa in itertools.product(corners, antialias):
                kwargs = dict(spec, mode=mode)
                if align is not None:
                    kwargs["align_corners"] = align
                if aa:
                    kwargs["antialias"] = True
                found.append(pytest.param((n,) * spatial, kwargs,
                                          id=f"{mode}-{n}-{spec}-{align}-{aa}"))
    return found


@pytest.mark.parametrize(("spatial", "kwargs"), cases())
def test_interpolate_matches_pytorch(spatial: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    x = numpy.random.default_rng(len(spatial)).standard_normal((2, 2, *spatial))
    try:
        empty = TF.interpolate(torch.from_numpy(x), **kwargs).numel() == 0
    except RuntimeError:  # an empty output: both refuse
        with pytest.raises(RuntimeError, match="greater than 0"):
            F.interpolate(minigrad.tensor(x), **kwargs)
        return
    # (PyTorch can't backpropagate through an empty area-mode output)
    same_results(lambda t: F.interpolate(t, **kwargs), lambda t: TF.interpolate(t, **kwargs),
                 [x], grad=not empty)


def test_interpolate_in_float32_and_integers() -> None:
    x = numpy.random.default_rng(0).standard_normal((1, 2, 5, 7)).astype(numpy.float32)
    for mode in ("bilinear", "bicubic", "nearest"):
        got = F.interpolate(to_minigrad(x), size=(8, 4), mode=mode)
        assert got.dtype == minigrad.float32
        assert_close(got, TF.interpolate(to_torch(x), size=(8, 4), mode=mode), rtol=1e-5,
                     atol=1e-6)
    labels = numpy.arange(12, dtype=numpy.uint8).reshape(1, 1, 3, 4)
    assert_close(F.interpolate(to_minigrad(labels), scale_factor=2),
                 TF.interpolate(to_torch(labels), scale_factor=2))
    with pytest.raises(TypeError, match="needs a floating-point input"):
        F.interpolate(to_minigrad(labels), scale_factor=2, mode="bilinear")


def test_area_mode_may_produce_an_empty_output_as_pytorch_does() -> None:
    x = minigrad.randn(1, 2, 3, 3)
    assert F.interpolate(x, scale_factor=0.3, mode="area").shape == (1, 2, 0, 0)


def test_interpolate_errors() -> None:
    x = minigrad.randn(1, 2, 4, 5)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match=r"spatial dimensions of \[4, 5\] and output size"):
        F.interpolate(x, size=(3,))
    with pytest.raises(ValueError, match="scale_factor"):
        F.interpolate(x, scale_factor=(2, 2, 2))
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="got 4D input, but linear mode needs 3D input"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match="'foo'"):
        F.interpolate(x, scale_factor=2, mode="foo")
    with pytest.raises(ValueError, match="got a 2-D input"):
        F.interpolate(x[0, 0], scale_factor=2)
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(ValueError, match="anti-alias"):
        F.interpolate(x, size=3, antialias=True)
    with pytest.raises(RuntimeError, match="greater than 0"):
        F.interpolate(x, scale_factor=-1)


@pytest.mark.parametrize(("name", "kwargs"), [
    ("upsample", {"scale_factor": 2, "mode": "bilinear"}), ("upsample_nearest", {"size": 7}),
    ("upsample_bilinear", {"scale_factor": 1.5})])
def test_deprecated_upsample_functions_warn_and_resize(name: str, kwargs: dict[str, Any]
                                                        ) -> None:
    x = numpy.random.default_rng(0).standard_normal((1, 2, 3, 4))
    with pytest.warns(UserWarning, match=f"nn.functional.{name} is deprecated"):
        ours = getattr(F, name)(to_minigrad(x), **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(TF, name)(to_torch(x), **kwargs)
    assert_close(ours, theirs)


@pytest.mark.parametrize(("name", "kwargs", "shape"), [
    ("Upsample", {"scale_factor": 2}, (1, 2, 3, 4)), ("Upsample", {"size": 5}, (1, 2, 3)),
    ("Upsample", {"scale_factor": 2, "mode": "bilinear", "align_corners": True}, (2, 1, 3, 3)),
    ("Upsample", {"size": (3, 4), "mode": "bicubic"}, (1, 1, 5, 6)),
    ("Upsample", {"scale_factor": (2, 1.5, 1), "mode": "trilinear"}, (1, 1, 2, 2, 3)),
    ("UpsamplingNearest2d", {"scale_factor": 2}, (1, 2, 3, 3)),
    ("UpsamplingBilinear2d", {"scale_factor": 2}, (1, 2, 3, 3)),
    ("UpsamplingBilinear2d", {"size": (2, 2)}, (1, 2, 3, 3)),
    ("PixelShuffle", {"upscale_factor": 2}, (2, 8, 3, 2)),
    ("PixelUnshuffle", {"downscale_factor": 2}, (2, 2, 4, 6)),
])
def test_resampling_layers_match_pytorch(name: str, kwargs: dict[str, Any],
                                         shape: tuple[int, ...]) -> None:
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    same_results(ours, theirs, [numpy.random.default_rng(0).standard_normal(shape)])


@pytest.mark.parametrize("shape_and_factor", [((1, 8, 2, 3), 2), ((2, 9, 2, 2), 3),
                                              ((4, 3, 2), 1), ((2, 1, 4, 2, 2), 2)])
def test_pixel_shuffle_and_unshuffle_match_pytorch(shape_and_factor: Any) -> None:
    shape, r = shape_and_factor
    x = numpy.random.default_rng(0).standard_normal(shape)
    same_results(lambda t: F.pixel_shuffle(t, r), lambda t: TF.pixel_shuffle(t, r), [x])
    shuffled = TF.pixel_shuffle(to_torch(x), r).numpy()
    same_results(lambda t: F.pixel_unshuffle(t, r), lambda t: TF.pixel_unshuffle(t, r),
                 [shuffled])
    assert_close(minigrad.pixel_unshuffle(minigrad.pixel_shuffle(to_minigrad(x), r), r), x)


def test_pixel_shuffle_errors() -> None:
    with pytest.raises(RuntimeError, match=r"input.size\(-3\)=5 is not divisible by 4"):
        F.pixel_shuffle(minigrad.randn(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        F.pixel_shuffle(minigrad.randn(5, 2), 2)
    with pytest.raises(RuntimeError, match=r"height to be divisible.*input.size\(-2\)=3"):
        F.pixel_unshuffle(minigrad.randn(1, 1, 3, 4), 2)


# --- grid sampling --------------------------------------------------------------------------
@pytest.mark.parametrize("spatial", [2, 3])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_matches_pytorch(spatial: int, mode: str, padding_mode: str,
                                     align_corners: bool) -> None:
    if mode == "bicubic" and spatial == 3:
        with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D"):
            F.grid_sample(minigrad.randn(1, 1, 2, 2, 2), minigrad.randn(1, 1, 1, 1, 3),
                          mode="bicubic", align_corners=False)
        return
    rng = numpy.random.default_rng(spatial)
    for sizes in [(1,) * spatial, (3, 4, 2)[:spatial], (5, 2, 3)[:spatial]]:
        x = rng.standard_normal((2, 3, *sizes))
        grid = rng.uniform(-2.5, 2.5, (2, 3, 2, 4)[:spatial + 1] + (spatial,))

        def ours(a: Any, g: Any) -> Any:
            return F.grid_sample(a, g, mode, padding_mode, align_corners)

        def theirs(a: Any, g: Any) -> Any:
            return TF.grid_sample(a, g, mode, padding_mode, align_corners)

        same_results(ours, theirs, [x, grid])


def test_a_spatial_transformer_step_matches_pytorch() -> None:
    """affine_grid then grid_sample, the gradient reaching theta (the STN tutorial)."""
    rng = numpy.random.default_rng(0)
    image = rng.standard_normal((2, 1, 8, 8))
    # no point exactly on a pixel row or column, where the derivative is not defined
    theta = numpy.array([[[1.0, 0.1, 0.05], [-0.2, 0.9, 0.0]],
                         [[0.81, 0.013, -0.1], [0.107, 1.093, 0.2]]])

    def stn(module: Any) -> Any:
        def run(x: Any, th: Any) -> Any:
            grid = module.affine_grid(th, list(x.shape), align_corners=False)
            return module.grid_sample(x, grid, align_corners=False)

        return run

    same_results(stn(F), stn(TF), [image, theta])


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [[2, 3, 4, 5], [2, 1, 1, 3], [2, 3, 2, 3, 4], [2, 1, 3, 1, 1]])
def test_affine_grid_matches_pytorch(align_corners: bool, size: list[int]) -> None:
    theta = numpy.random.default_rng(0).standard_normal((2, len(size) - 2, len(size) - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unit-size grids with align_corners: both warn
        same_results(lambda t: F.affine_grid(t, size, align_corners),
                     lambda t: TF.affine_grid(t, size, align_corners), [theta])


def test_grid_functions_warn_without_align_corners_and_check_their_inputs() -> None:
    theta = minigrad.randn(1, 2, 3)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        grid = F.affine_grid(theta, [1, 2, 3, 3])
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(minigrad.randn(1, 2, 4, 5), grid)
    x = minigrad.randn(1, 2, 4, 5)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear'"):
        F.grid_sample(x, grid, mode="foo", align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode to be 'zeros'"):
        F.grid_sample(x, grid, padding_mode="foo", align_corners=False)
    with pytest.raises(RuntimeError, match="size 2 in last dimension"):
        F.grid_sample(x, grid[..., :1], align_corners=False)
    with pytest.raises(RuntimeError, match="same batch size"):
        F.grid_sample(x, minigrad.randn(2, 3, 3, 2), align_corners=False)
    with pytest.raises(ValueError, match="only supports 4D and 5D sizes"):
        F.affine_grid(theta, [1, 2, 3], align_corners=False)
    with pytest.raises(ValueError, match="2x2x3 for size"):
        F.affine_grid(theta, [2, 2, 3, 3], align_corners=False)
    with pytest.raises(ValueError, match="floating point"):
        F.affine_grid(theta.long(), [1, 2, 3, 3], align_corners=False)


def test_a_decoder_with_the_new_layers_exports_to_onnx() -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from tests.test_onnx import assert_exports

    minigrad.manual_seed(0)
    decoder = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.GroupNorm(2, 8), nn.Hardswish(),
        nn.Upsample(scale_factor=2, mode="bilinear"), nn.ReflectionPad2d(1),
        nn.Conv2d(8, 8, 3), nn.InstanceNorm2d(8, affine=True), nn.Mish(),
        nn.Upsample(size=(9, 7)), nn.Conv2d(8, 4, 1), nn.PixelShuffle(2), nn.Tanh(),
    )
    assert_exports(decoder, (2, 3, 5, 6), other_batch=3)
