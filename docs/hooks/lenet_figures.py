"""Figures of LeNet-5: receptive fields growing layer by layer, and what a trained LeNet-5
learned (its first-layer filters and the feature maps of a digit).

The network is the one ``examples/lenet5.py`` trains; here it is trained for a few quick
epochs (about two seconds on two CPU cores) each time the site is built. The pictures are
drawn by ``minigrad.viz.show_filters`` and ``minigrad.viz.feature_maps``. Not a hook:
``cnn_figures.py`` adds these to the site.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

import numpy
from figure_tools import COLOURS, outline, plt, png
from threadpoolctl import threadpool_limits  # installed with scikit-learn

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader
from minigrad.data.datasets import Digits
from minigrad.nn.utils.conv_arithmetic import receptive_field
from minigrad.viz import feature_maps, show_filters

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lenet5.py"
EPOCHS = 3


def receptive_fields_png() -> bytes:
    """For the centre unit of C1, S2, C3 and S4: |d unit / d input| over the 32 x 32 input.
    It is non-zero exactly on the unit's receptive field, whose size the outline gives
    (from ``conv_arithmetic.receptive_field``)."""
    minigrad.manual_seed(0)
    stages = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
                           nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2))
    fields = {row.name: row for row in receptive_field(stages, (1, 1, 32, 32))}
    picks = [("C1", 0), ("S2", 2), ("C3", 3), ("S4", 5)]
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
    for ax, (label, index) in zip(axes, picks):
        x = minigrad.randn(1, 1, 32, 32, requires_grad=True)
        out = stages[:index + 1](x)
        centre = out.shape[-1] // 2
        out[0, 0, centre, centre].backward()
        touched = numpy.abs(x.grad[0, 0].numpy())
        rows, cols = numpy.nonzero(touched)
        size = (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
        field = fields[f"{index} ({type(stages[index]).__name__})"].receptive_field
        assert size == field, (label, size, field)
        ax.imshow(touched, cmap="magma")
        outline(ax, rows.min(), cols.min(), size[0], size[1], COLOURS[1], linewidth=2)
        ax.set_title(f"{label} {tuple(out.shape[1:])}: field {size[0]} x {size[1]}",
                     fontsize=10)
        ax.set_xticks([0, 15, 31])
        ax.set_yticks([0, 15, 31])
    fig.suptitle("Receptive fields through LeNet-5: |d unit / d input| for the centre unit of "
                 "each stage, on the 32 x 32 input", fontsize=11)
    return png(fig)


def _example() -> Any:
    spec = importlib.util.spec_from_file_location("lenet5_example", EXAMPLE)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"lenet_figures: can't load {EXAMPLE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def trained_lenet() -> tuple[Any, minigrad.Tensor, float]:
    """The example's LeNet-5 after a few epochs on the digits, a test digit, and the test
    accuracy."""
    minigrad.manual_seed(0)
    model = _example().LeNet5()
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(Digits(train=True), batch_size=32, shuffle=True, generator=0)
    with threadpool_limits(1):  # small matrices: more BLAS threads only contend
        for _ in range(EPOCHS):
            for images, labels in loader:
                optimizer.zero_grad()
                F.cross_entropy(model(images), labels).backward()
                optimizer.step()
    model.eval()
    test_images, test_labels = next(iter(DataLoader(Digits(train=False), batch_size=1000)))
    with minigrad.no_grad():
        accuracy = float((model(test_images).argmax(1) == test_labels).float().mean())
    return model, test_images[0], accuracy


def lenet_filters_png() -> bytes:
    model, _, accuracy = trained_lenet()
    fig = show_filters(model.features[0], title=f"LeNet-5's six first-layer filters after "
                                                f"{EPOCHS} epochs ({accuracy:.0%} test accuracy)")
    return png(fig)


def lenet_feature_maps_png() -> bytes:
    model, digit, _ = trained_lenet()
    return png(feature_maps(model.features, digit))


FIGURES = {
    "images/generated/lenet-receptive-fields.png": receptive_fields_png,
    "images/generated/lenet-filters.png": lenet_filters_png,
    "images/generated/lenet-feature-maps.png": lenet_feature_maps_png,
}
