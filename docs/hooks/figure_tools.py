"""Drawing helpers shared by the figure hooks (not a hook): number grids and PNG export."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy
from matplotlib.patches import Rectangle

COLOURS = ("#e6550d", "#31a354", "#756bb1", "#3182bd")
"""Outline colours for windows, in order (orange, green, purple, blue)."""


def number_grid(
    ax: Any, values: Any, *, title: str = "", cmap: str = "Blues", fmt: str = "{:g}",
    shade: Any = None, vmin: float | None = None, vmax: float | None = None,
    fontsize: float = 9,
) -> None:
    """Draw a matrix as a grid of cells with its numbers written in.

    ``shade`` (same shape, default ``values``) picks each cell's colour; NaN cells are left
    white and get no number.
    """
    values = numpy.asarray(values, dtype=float)
    shade = values if shade is None else numpy.asarray(shade, dtype=float)
    finite = shade[numpy.isfinite(shade)]
    low = vmin if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    high = vmax if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    if high == low:
        high = low + 1.0
    ax.imshow(numpy.ma.masked_invalid(shade), cmap=cmap, vmin=low - 0.15 * (high - low),
              vmax=high + 0.6 * (high - low))  # pale colours, so black numbers stay legible
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            if numpy.isfinite(values[i, j]):
                ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center",
                        fontsize=fontsize)
    edges = numpy.arange(-0.5, max(rows, cols) + 0.5)
    ax.hlines(edges[:rows + 1], -0.5, cols - 0.5, color="#777777", linewidth=0.6)
    ax.vlines(edges[:cols + 1], -0.5, rows - 0.5, color="#777777", linewidth=0.6)
    ax.set_axis_off()
    centre_in(ax, rows, cols, rows, cols)
    if title:
        ax.set_title(title, fontsize=10)


def centre_in(ax: Any, rows: int, cols: int, box_rows: int, box_cols: int) -> None:
    """Show a ``rows x cols`` grid centred in a ``box_rows x box_cols`` frame, so that grids
    of different sizes are drawn at the same scale side by side."""
    dy, dx = (box_rows - rows) / 2, (box_cols - cols) / 2
    dy, dx = dy + 0.05, dx + 0.05  # room for the outer lines
    ax.set_xlim(-0.5 - dx, cols - 0.5 + dx)
    ax.set_ylim(rows - 0.5 + dy, -0.5 - dy)


def outline(ax: Any, row: int, col: int, height: int, width: int, colour: str,
            linewidth: float = 2.5) -> None:
    """Outline the cells ``[row, row + height) x [col, col + width)`` of a grid."""
    ax.add_patch(Rectangle((col - 0.5, row - 0.5), width, height, fill=False,
                           edgecolor=colour, linewidth=linewidth))


def mark_cells(ax: Any, cells: Any, colour: str) -> None:
    """Outline each ``(row, col)`` cell of a grid on its own."""
    for row, col in cells:
        outline(ax, int(row), int(col), 1, 1, colour, linewidth=2)


def blank(ax: Any) -> None:
    ax.set_axis_off()


def png(fig: Any, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (white background, so it reads in the dark theme too)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
