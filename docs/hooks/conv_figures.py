"""Figures of how a convolution slides, pads, sums over channels and back-propagates.

Every number in the pictures is computed by minigrad at build time: outputs by
``F.conv2d``, the input cells a window covers by autograd (the gradient of one output
with respect to the input is non-zero exactly under its window), gradients by
``backward``. Not a hook: ``cnn_figures.py`` adds these to the site.
"""

from __future__ import annotations

from typing import Any

import numpy
import worked_examples as ex
from figure_tools import COLOURS, blank, centre_in, mark_cells, number_grid, outline, plt, png

import minigrad
import minigrad.nn.functional as F

SLIDE_INPUT = numpy.random.default_rng(3).integers(0, 4, size=(7, 7)).astype(float)
SLIDE_KERNEL = numpy.array([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]])


def covered_cells(shape: tuple[int, int], kernel: Any, out_pos: tuple[int, int],
                  **conv_args: Any) -> Any:
    """The input cells that output ``out_pos`` of ``conv2d(x, kernel, **conv_args)`` reads,
    found by autograd with an all-ones kernel of the same size."""
    x = minigrad.zeros(1, 1, *shape, requires_grad=True)
    ones = minigrad.ones(1, 1, *numpy.shape(kernel))
    F.conv2d(x, ones, **conv_args)[0, 0, out_pos[0], out_pos[1]].backward()
    return numpy.argwhere(x.grad[0, 0].numpy() != 0)


def sliding_png() -> bytes:
    """Rows: stride 1, stride 2, dilation 2. Columns: three window positions on the
    input, then the output with those three cells marked in the windows' colours."""
    settings = [("stride 1", {}), ("stride 2", {"stride": 2}), ("dilation 2", {"dilation": 2})]
    x = minigrad.tensor(SLIDE_INPUT[None, None])
    w = minigrad.tensor(SLIDE_KERNEL[None, None])
    fig, axes = plt.subplots(3, 4, figsize=(11, 8.4),
                             gridspec_kw={"width_ratios": [1, 1, 1, 0.8]})
    for row, (name, args) in enumerate(settings):
        out = F.conv2d(x, w, **args)[0, 0].numpy()
        positions = [(0, 0), (0, 1), (1, 0)]
        for col, pos in enumerate(positions):
            ax = axes[row, col]
            number_grid(ax, SLIDE_INPUT, cmap="Greys", fontsize=8)
            mark_cells(ax, covered_cells(SLIDE_INPUT.shape, SLIDE_KERNEL, pos, **args),
                       COLOURS[col])
            ax.set_title(f"{name}: output {pos}", fontsize=10)
        ax = axes[row, 3]
        number_grid(ax, out, cmap="Oranges", title=f"output {out.shape[0]} x {out.shape[1]}")
        for col, pos in enumerate(positions):
            outline(ax, pos[0], pos[1], 1, 1, COLOURS[col])
    fig.suptitle("A 3 x 3 kernel [[1, 0, -1]] * 3 sliding over a 7 x 7 input "
                 "(outlined: the cells one output reads)", fontsize=11)
    return png(fig)


def padding_png() -> bytes:
    """valid / same / full padding of a 5 x 5 input for a 3 x 3 kernel: the padded input
    with the first window, and the output with its size by the formula."""
    n, f = 5, 3
    image = numpy.arange(1.0, n * n + 1).reshape(n, n)
    kernel = numpy.full((f, f), 1.0 / 9)
    x = minigrad.tensor(image[None, None])
    w = minigrad.tensor(kernel[None, None])
    fig, axes = plt.subplots(2, 3, figsize=(11, 7.2), gridspec_kw={"height_ratios": [7, 7]})
    for col, (mode, p) in enumerate([("valid", 0), ("same", 1), ("full", 2)]):
        padded = F.pad(x, (p, p, p, p))[0, 0].numpy()
        is_pad = numpy.ones_like(padded, dtype=bool)
        is_pad[p:p + n, p:p + n] = False
        shown = numpy.where(is_pad, 0.0, padded)
        top = axes[0, col]
        number_grid(top, shown, shade=numpy.where(is_pad, numpy.nan, padded), cmap="Greys",
                    fontsize=8, title=f'padding="{mode}": p = {p}')
        centre_in(top, n + 2 * p, n + 2 * p, n + 4, n + 4)
        outline(top, 0, 0, f, f, COLOURS[0])
        out = F.conv2d(x, w, padding=mode)[0, 0].numpy()
        size = n + 2 * p - f + 1
        assert out.shape == (size, size)
        bottom = axes[1, col]
        number_grid(bottom, out, cmap="Oranges", fmt="{:.1f}", fontsize=7)
        centre_in(bottom, size, size, n + 2, n + 2)
        outline(bottom, 0, 0, 1, 1, COLOURS[0])
        bottom.set_title(f"output: {n} + 2·{p} - {f} + 1 = {size}", fontsize=10)
    fig.suptitle("Zero padding p around a 5 x 5 input, 3 x 3 mean kernel "
                 "(outlined: the first window and the output it makes)", fontsize=11)
    return png(fig)


def channels_png() -> bytes:
    """A 3-channel input and one 3 x 3 x 3 filter: each channel is correlated with its own
    kernel slice, and the three maps plus the bias make the one output map."""
    rng = numpy.random.default_rng(7)
    image = rng.integers(0, 3, size=(3, 5, 5)).astype(float)
    weight = rng.integers(-1, 2, size=(1, 3, 3, 3)).astype(float)
    bias = 1.0
    x = minigrad.tensor(image[None])
    w = minigrad.tensor(weight)
    per_channel = [F.conv2d(x[:, c:c + 1], w[:, c:c + 1])[0, 0].numpy() for c in range(3)]
    out = F.conv2d(x, w, minigrad.tensor([bias], dtype=x.dtype))[0, 0].numpy()
    assert numpy.allclose(sum(per_channel) + bias, out)

    fig = plt.figure(figsize=(11, 8))
    grid = fig.add_gridspec(3, 4, width_ratios=[1, 0.65, 0.65, 0.9])
    names = ("red", "green", "blue")
    cmaps = ("Reds", "Greens", "Blues")
    for c in range(3):
        number_grid(fig.add_subplot(grid[c, 0]), image[c], cmap=cmaps[c],
                    title=f"input channel {c} ({names[c]})")
        number_grid(fig.add_subplot(grid[c, 1]), weight[0, c], cmap="Greys",
                    title=f"kernel slice {c}")
        number_grid(fig.add_subplot(grid[c, 2]), per_channel[c], cmap=cmaps[c],
                    title=f"channel {c} alone")
    ax = fig.add_subplot(grid[1, 3])
    number_grid(ax, out, cmap="Purples", title=f"sum of the 3 + bias ({bias:g})")
    blank(fig.add_subplot(grid[0, 3]))
    blank(fig.add_subplot(grid[2, 3]))
    fig.suptitle("One filter of a multi-channel convolution: per-channel correlations, "
                 "added up", fontsize=11)
    return png(fig)


def conv_backward_png() -> bytes:
    """dL/dx = delta * flip(w) (top) and dL/dw = x * delta (bottom), each by hand and by
    minigrad's backward."""
    x, w, delta = ex.CONV_INPUT, ex.CONV_KERNEL, ex.CONV_UPSTREAM
    padded, hand_x = ex.conv_input_grad_by_hand(delta, w)
    hand_w = ex.conv_weight_grad_by_hand(x, delta)
    grad_x, grad_w = ex.conv_grads_by_minigrad(x, w, delta)
    assert numpy.allclose(hand_x, grad_x) and numpy.allclose(hand_w, grad_w)

    fig, axes = plt.subplots(2, 5, figsize=(13, 5.6),
                             gridspec_kw={"width_ratios": [1.1, 0.8, 0.8, 0.9, 0.9]})
    number_grid(axes[0, 0], padded, cmap="Greens", title="δ padded with k - 1 = 2 zeros")
    outline(axes[0, 0], 2, 2, 2, 2, COLOURS[1])
    outline(axes[0, 0], 0, 0, 3, 3, COLOURS[0])  # the first window: it makes dL/dx[0, 0]
    number_grid(axes[0, 1], w, cmap="Greys", title="w")
    number_grid(axes[0, 2], w[::-1, ::-1], cmap="Greys", title="flip(w): turned 180°")
    number_grid(axes[0, 3], hand_x, cmap="Oranges", title="δ ⋆ flip(w), by hand")
    number_grid(axes[0, 4], grad_x, cmap="Oranges", title="x.grad from backward()")
    for ax in axes[0, 3:]:
        outline(ax, 0, 0, 1, 1, COLOURS[0])
    number_grid(axes[1, 0], x, cmap="Greys", title="x")
    number_grid(axes[1, 1], delta, cmap="Greens", title="δ = dL/dy")
    blank(axes[1, 2])
    number_grid(axes[1, 3], hand_w, cmap="Purples", title="x ⋆ δ, by hand")
    number_grid(axes[1, 4], grad_w, cmap="Purples", title="w.grad from backward()")
    fig.suptitle("Back through y = x ⋆ w (⋆: cross-correlation): dL/dx = δ ⋆ flip(w) over the "
                 "padded δ, and dL/dw = x ⋆ δ", fontsize=11)
    return png(fig)


FIGURES = {
    "images/generated/conv-sliding.png": sliding_png,
    "images/generated/conv-padding.png": padding_png,
    "images/generated/conv-channels.png": channels_png,
    "images/generated/conv-backward.png": conv_backward_png,
}
