"""MkDocs hook: draw the figures of the CNN guide and of "Convolutions in detail" at build
time, with minigrad and matplotlib.

Here: a synthetic picture correlated with three hand-made kernels. The other figures live in
``conv_figures.py`` (sliding, padding, channels, conv backward), ``pool_figures.py`` (kinds
of pooling, pooling backward) and ``lenet_figures.py`` (receptive fields, a briefly trained
LeNet-5's filters and feature maps). Each PNG is added to the site as a generated file
(``images/generated/*.png``); nothing is written into docs/.
"""

from __future__ import annotations

import io
from typing import Any

import conv_figures
import lenet_figures
import matplotlib
import numpy
import pool_figures
from mkdocs.structure.files import File, Files

import minigrad
import minigrad.nn.functional as F

matplotlib.use("Agg")


def synthetic_picture(size: int = 48) -> numpy.ndarray[Any, Any]:
    """A bright square and a disc on a dark background."""
    yy, xx = numpy.mgrid[0:size, 0:size]
    picture = numpy.zeros((size, size), dtype=numpy.float32)
    picture[8:24, 6:22] = 1.0
    picture[(yy - 32) ** 2 + (xx - 32) ** 2 < 10**2] = 0.7
    return picture


KERNELS = {
    "vertical edges": [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
    "horizontal edges": [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]],
    "5 x 5 blur": [[1.0 / 25] * 5] * 5,
}


def feature_maps_png() -> bytes:
    import matplotlib.pyplot as plt

    picture = synthetic_picture()
    x = minigrad.tensor(picture[None, None])
    fig, axes = plt.subplots(1, 1 + len(KERNELS), figsize=(10, 2.9))
    axes[0].imshow(picture, cmap="gray")
    axes[0].set_title("input")
    for ax, (name, kernel) in zip(axes[1:], KERNELS.items()):
        w = minigrad.tensor(kernel)[None, None]
        fmap = F.conv2d(x, w, padding=w.shape[-1] // 2)[0, 0].numpy()
        if "edge" in name:  # signed responses: white is zero, red positive, blue negative
            limit = float(abs(fmap).max())
            ax.imshow(fmap, cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:
            ax.imshow(fmap, cmap="gray")
        ax.set_title(name)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


FIGURES = {
    "images/generated/cnn-feature-maps.png": feature_maps_png,
    **conv_figures.FIGURES,
    **pool_figures.FIGURES,
    **lenet_figures.FIGURES,
}


def on_files(files: Files, config: Any) -> Files:
    for uri, draw in FIGURES.items():
        files.append(File.generated(config, uri, content=draw()))
    return files
