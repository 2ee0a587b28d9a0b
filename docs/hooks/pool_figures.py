"""Figures of the kinds of pooling and of the gradient through pooling.

The pooled values come from minigrad's pooling functions and the gradients from
``backward``, at build time. Not a hook: ``cnn_figures.py`` adds these to the site.
"""

from __future__ import annotations

import numpy
import worked_examples as ex
from figure_tools import COLOURS, blank, centre_in, mark_cells, number_grid, outline, plt, png

import minigrad
import minigrad.nn.functional as F

POOL_INPUT = numpy.array([[1.0, 3.0, 2.0, 0.0],
                          [5.0, 2.0, 1.0, 1.0],
                          [0.0, 4.0, 6.0, 2.0],
                          [2.0, 1.0, 3.0, 8.0]])


def pooling_kinds_png() -> bytes:
    """One 4 x 4 input, its four 2 x 2 windows outlined, pooled six ways."""
    x = minigrad.tensor(POOL_INPUT[None, None])
    results = [
        ("max", F.max_pool2d(x, 2)),
        ("average", F.avg_pool2d(x, 2)),
        ("min", F.min_pool2d(x, 2)),
        ("L2: √(Σ x²)", F.lp_pool2d(x, 2, 2)),
        ("global average", F.adaptive_avg_pool2d(x, 1)),
        ("global max", F.adaptive_max_pool2d(x, 1)),
    ]
    fig, axes = plt.subplots(1, 1 + len(results), figsize=(15, 3.2),
                             gridspec_kw={"width_ratios": [1.4] + [1] * len(results)})
    number_grid(axes[0], POOL_INPUT, cmap="Greys", title="input 4 x 4")
    centre_in(axes[0], 4, 4, 4, 4)
    for k, (r, c) in enumerate([(0, 0), (0, 2), (2, 0), (2, 2)]):
        outline(axes[0], r, c, 2, 2, COLOURS[k])
    for ax, (name, pooled) in zip(axes[1:], results):
        values = pooled[0, 0].numpy()
        number_grid(ax, values, cmap="Oranges", fmt="{:.3g}", title=name)
        centre_in(ax, *values.shape, 3, 3)
        if values.shape == (2, 2):
            for k, (r, c) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
                outline(ax, r, c, 1, 1, COLOURS[k])
    fig.suptitle("2 x 2 pooling with stride 2 (each output cell summarises the window of its "
                 "colour); global pooling summarises the whole map", fontsize=11)
    return png(fig)


def pooling_backward_png() -> bytes:
    """The upsampled gradient: delta goes to the maxima (max pooling) or is shared equally
    (average pooling); by hand and by backward()."""
    x, delta, k = ex.POOL_INPUT, ex.POOL_UPSTREAM, ex.POOL_SIZE
    by_max, by_avg = ex.pool_grads_by_minigrad(x, delta, k)
    hand_max = ex.max_pool_grad_by_hand(x, delta, k)
    hand_avg = ex.avg_pool_grad_by_hand(delta, k)
    assert numpy.array_equal(by_max, hand_max) and numpy.array_equal(by_avg, hand_avg)

    fig, axes = plt.subplots(1, 5, figsize=(14, 3.4),
                             gridspec_kw={"width_ratios": [1, 0.75, 0.2, 1, 1]})
    number_grid(axes[0], x, cmap="Greys", title="input x (maxima outlined)")
    maxima = [(i * k + r, j * k + c) for i in range(2) for j in range(2)
              for r, c in [numpy.unravel_index(numpy.argmax(x[i * k:(i + 1) * k,
                                                                j * k:(j + 1) * k]), (k, k))]]
    for n, cell in enumerate(maxima):
        mark_cells(axes[0], [cell], COLOURS[n])
    number_grid(axes[1], delta, cmap="Greens", title="δ = dL/dy from above")
    centre_in(axes[1], 2, 2, 4, 4)
    for n, (r, c) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        outline(axes[1], r, c, 1, 1, COLOURS[n])
    blank(axes[2])
    number_grid(axes[3], by_max, cmap="Greens", title="max pool: x.grad")
    for n, cell in enumerate(maxima):
        mark_cells(axes[3], [cell], COLOURS[n])
    number_grid(axes[4], by_avg, cmap="Greens", title="average pool: x.grad")
    for n, (r, c) in enumerate([(0, 0), (0, 2), (2, 0), (2, 2)]):
        outline(axes[4], r, c, 2, 2, COLOURS[n])
    fig.suptitle("Back through 2 x 2 pooling: each δ goes back to its own window, to the "
                 "maximum only or shared as δ / 4 (x.grad from backward())", fontsize=11)
    return png(fig)


FIGURES = {
    "images/generated/pooling-kinds.png": pooling_kinds_png,
    "images/generated/pooling-backward.png": pooling_backward_png,
}
