"""minigrad.viz.show_filters / feature_maps / collect_feature_maps: pictures for learners."""

from __future__ import annotations

import sys

import numpy
import pytest

import minigrad
from minigrad import nn
from minigrad.viz import collect_feature_maps, feature_maps, show_filters

plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures() -> None:
    yield
    plt.close("all")


def panels(fig):  # type: ignore[no-untyped-def]
    """The axes that show an image and are not colour bars, in order."""
    return [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]


def lenet_features() -> nn.Sequential:
    minigrad.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.Tanh(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 5 * 5, 10))


def test_show_filters_draws_each_kernel_on_one_shared_symmetric_scale() -> None:
    conv = nn.Conv2d(1, 6, kernel_size=5)
    fig = show_filters(conv)
    shown = panels(fig)
    weight = conv.weight.detach().numpy()
    assert len(shown) == 6
    limit = numpy.abs(weight).max()
    for k, ax in enumerate(shown):
        (image,) = ax.images
        numpy.testing.assert_allclose(image.get_array(), weight[k, 0], rtol=1e-6)
        assert image.get_clim() == pytest.approx((-limit, limit))
        assert ax.get_title() == f"filter {k}"
    colour_bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(colour_bars) == 1 and colour_bars[0].get_ylabel() == "weight"


def test_show_filters_grid_for_several_input_channels_and_one_channel_on_request() -> None:
    conv = nn.Conv2d(6, 16, kernel_size=5)
    weight = conv.weight.detach().numpy()
    grid = panels(show_filters(conv))
    assert len(grid) == 16 * 6
    numpy.testing.assert_allclose(grid[6 * 3 + 2].images[0].get_array(), weight[3, 2],
                                  rtol=1e-6)
    one = panels(show_filters(conv.weight, in_channel=2, ncols=4))
    assert len(one) == 16
    numpy.testing.assert_allclose(one[5].images[0].get_array(), weight[5, 2], rtol=1e-6)


def test_show_filters_errors_name_the_function_and_what_was_wrong() -> None:
    with pytest.raises(TypeError, match=r"show_filters: .*4-D weight.*got Linear with a "
                                        r"weight of shape \(2, 3\)"):
        show_filters(nn.Linear(3, 2))
    with pytest.raises(TypeError, match=r"got a tensor of shape \(2, 3\)"):
        show_filters(minigrad.randn(2, 3))
    with pytest.raises(TypeError, match="got ReLU, which has no weight tensor"):
        show_filters(nn.ReLU())
    with pytest.raises(IndexError, match=r"in_channel 6 is out of range .* 6 input channel"):
        show_filters(nn.Conv2d(6, 2, 3), in_channel=6)
    with pytest.raises(ValueError, match="more than 1024 panels; pick one input channel"):
        show_filters(minigrad.zeros(64, 32, 3, 3))
    with pytest.raises(ValueError, match="ncols must be at least 1"):
        show_filters(nn.Conv2d(1, 2, 3), ncols=0)


def test_collect_feature_maps_returns_each_4d_output_without_a_graph() -> None:
    model = lenet_features()
    image = minigrad.randn(1, 32, 32)
    maps = collect_feature_maps(model, image)
    assert list(maps) == ["0", "1", "2", "3", "4", "5"]   # Flatten and Linear are not 4-D
    assert maps["2"].shape == (1, 6, 14, 14) and maps["5"].shape == (1, 16, 5, 5)
    with minigrad.no_grad():
        expected = model[1](model[0](image.unsqueeze(0)))
    numpy.testing.assert_allclose(maps["1"].numpy(), expected.numpy(), rtol=1e-6)
    assert not any(m.requires_grad for m in maps.values())

    chosen = collect_feature_maps(model, image.unsqueeze(0), layers=["3", model[0]])
    assert list(chosen) == ["0", "3"]                     # in the order the model ran them
    # the hooks are gone afterwards: another collection sees only its own layers
    assert list(collect_feature_maps(model, image, layers=["4"])) == ["4"]


def test_collect_feature_maps_rejects_layers_outside_the_model() -> None:
    model = lenet_features()
    with pytest.raises(KeyError, match="no submodule named 'conv9'"):
        collect_feature_maps(model, minigrad.randn(1, 32, 32), layers=["conv9"])
    with pytest.raises(KeyError, match="Conv2d is not a submodule of the model"):
        collect_feature_maps(model, minigrad.randn(1, 32, 32), layers=[nn.Conv2d(1, 1, 1)])


def test_feature_maps_draws_the_input_then_a_row_per_layer() -> None:
    model = lenet_features()
    batch = minigrad.randn(3, 1, 32, 32)
    fig = feature_maps(model, batch, max_channels=4)
    rows = [ax.get_title(loc="left") for ax in fig.axes if ax.get_ylabel().startswith("ch")]
    assert rows == ["input (1, 32, 32)", "0: Conv2d (6, 28, 28)", "1: Tanh (6, 28, 28)",
                    "2: MaxPool2d (6, 14, 14)", "3: Conv2d (16, 10, 10)",
                    "4: Tanh (16, 10, 10)", "5: MaxPool2d (16, 5, 5)"]
    shown = panels(fig)
    assert len(shown) == 1 + 2 * 4 + 4 * 4                # 4 channels at most per row
    numpy.testing.assert_allclose(shown[0].images[0].get_array(), batch[0, 0].numpy(),
                                  rtol=1e-6)             # the first image of the batch
    with minigrad.no_grad():
        first_map = model[0](batch[:1])[0, 2].numpy()
    numpy.testing.assert_allclose(shown[3].images[0].get_array(), first_map, rtol=1e-5)


def test_feature_maps_errors() -> None:
    model = lenet_features()
    with pytest.raises(ValueError, match=r"one image \(C, H, W\) or a batch .* shape \(32, 32\)"):
        feature_maps(model, minigrad.randn(32, 32))
    with pytest.raises(ValueError, match=r"output of '6' has shape \(1, 400\)"):
        feature_maps(model, minigrad.randn(1, 32, 32), layers=["6"])
    with pytest.raises(ValueError, match="no submodule of the model returned a 4-D"):
        feature_maps(nn.Sequential(nn.Flatten()), minigrad.randn(1, 4, 4))


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'minigrad\[viz\]'"):
        show_filters(nn.Conv2d(1, 2, 3))
