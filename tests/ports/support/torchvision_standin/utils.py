"""``save_image`` and ``make_grid``: image grids of a batch, written as PNG."""

from __future__ import annotations

import math
from typing import Any

import frameworks
import numpy


def make_grid(tensor: Any, nrow: int = 8, padding: int = 2, normalize: bool = False,
              **kwargs: Any) -> Any:
    """The images of a batch side by side, as a ``(C, H', W')`` tensor (torchvision's)."""
    return frameworks.from_numpy(_grid(tensor, nrow, padding, normalize))


def _grid(tensor: Any, nrow: int, padding: int, normalize: bool) -> numpy.ndarray:
    batch = numpy.asarray(tensor.detach().cpu().numpy(), dtype=numpy.float32)
    if batch.ndim == 2:  # one image, one channel
        batch = batch[None]
    if batch.ndim == 3:  # one image
        batch = batch[None]
    if batch.shape[1] == 1:  # grey images are shown in colour, as torchvision does
        batch = numpy.repeat(batch, 3, axis=1)
    if normalize:
        batch = (batch - batch.min()) / max(float(batch.max() - batch.min()), 1e-5)
    n, c, h, w = batch.shape
    if n == 1:
        return batch[0]
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    grid = numpy.zeros((c, rows * (h + padding) + padding, cols * (w + padding) + padding),
                       dtype=numpy.float32)
    for k in range(n):
        r, q = divmod(k, cols)
        top, left = padding + r * (h + padding), padding + q * (w + padding)
        grid[:, top:top + h, left:left + w] = batch[k]
    return grid


def save_image(tensor: Any, fp: Any, nrow: int = 8, padding: int = 2,
               normalize: bool = False, **kwargs: Any) -> None:
    import matplotlib.pyplot as plt

    grid = _grid(tensor, nrow, padding, normalize)
    image = grid[0] if grid.shape[0] == 1 else grid.transpose(1, 2, 0)
    plt.imsave(fp, numpy.clip(image, 0, 1), cmap="gray")
