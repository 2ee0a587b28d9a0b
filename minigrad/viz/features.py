"""Pictures of what a CNN learned: its filters, and the feature maps they make of an image.

:func:`show_filters` draws the kernels of a convolution layer; :func:`feature_maps` runs an
image through a model and draws what each layer makes of it (:func:`collect_feature_maps`
returns the same maps as tensors). Both draw with matplotlib, part of the ``viz`` extra
(``pip install 'minigrad[viz]'``), and return the ``matplotlib.figure.Figure``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy

from minigrad.autograd import no_grad
from minigrad.tensor import Tensor

__all__ = ["collect_feature_maps", "feature_maps", "import_pyplot", "show_filters"]

MAX_PANELS = 1024
"""The most kernels :func:`show_filters` draws in one figure."""


def import_pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError that names minigrad's extra.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(
            "plotting filters and feature maps needs matplotlib, part of minigrad's 'viz' "
            "extra: pip install 'minigrad[viz]' (or pip install matplotlib)"
        ) from err
    return plt


def _weight_of(layer: Any) -> numpy.ndarray[Any, Any]:
    weight = layer if isinstance(layer, Tensor) else getattr(layer, "weight", None)
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        if isinstance(layer, Tensor):
            got = f"a tensor of shape {tuple(layer.shape)}"
        elif isinstance(weight, Tensor):
            got = f"{type(layer).__name__} with a weight of shape {tuple(weight.shape)}"
        else:
            got = f"{type(layer).__name__}, which has no weight tensor"
        raise TypeError(
            "show_filters: expects a Conv2d layer (or any layer with a 4-D weight) or a 4-D "
            f"weight tensor (out_channels, in_channels, kh, kw), got {got}"
        )
    return numpy.asarray(weight.detach().numpy(), dtype=numpy.float64)


def _blank(axes: Any) -> None:
    for ax in numpy.ravel(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)


def show_filters(
    layer: Any, *, in_channel: int | None = None, ncols: int = 8, cmap: str = "RdBu_r",
    title: str | None = None,
) -> Any:
    """Draw the kernels of a convolution layer on one shared colour scale.

    Every panel uses the same colours for the same weight value, symmetric around zero
    (with the default colour map, red is positive, blue negative and white zero), and one
    colour bar shows the scale, so panels can be compared with each other.

    Parameters
    ----------
    layer : Conv2d, any module with a 4-D ``weight``, or Tensor
        The layer, or its weight of shape ``(out_channels, in_channels, kh, kw)``.
    in_channel : int, optional
        Draw only the slices of this input channel: one panel per filter. By default a
        layer with one input channel draws one panel per filter, and one with several
        draws a grid, a row per filter and a column per input channel.
    ncols : int
        Panels per row when there is one panel per filter.
    cmap : str
        A matplotlib colour map; a diverging one suits signed weights.
    title : str, optional
        The figure's title (default: the layer's shape).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``layer`` has no 4-D weight.
    IndexError
        If ``in_channel`` is not an input channel of the layer.
    ValueError
        If the grid would have more than :data:`MAX_PANELS` panels or ``ncols < 1``.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from minigrad import nn
    >>> from minigrad.viz import show_filters
    >>> fig = show_filters(nn.Conv2d(1, 6, kernel_size=5))
    >>> len([ax for ax in fig.axes if ax.images])   # six panels (and one colour bar)
    6
    """
    weight = _weight_of(layer)
    out_channels, in_channels = weight.shape[:2]
    if ncols < 1:
        raise ValueError(f"show_filters: ncols must be at least 1, got {ncols}")
    if in_channel is not None and not -in_channels <= in_channel < in_channels:
        raise IndexError(
            f"show_filters: in_channel {in_channel} is out of range for a layer with "
            f"{in_channels} input channel(s)"
        )
    if in_channel is not None or in_channels == 1:
        kernels = weight[:, in_channel or 0]
        rows, cols = math.ceil(out_channels / ncols), min(ncols, out_channels)
        grid = False
    else:
        kernels = weight.reshape(-1, *weight.shape[2:])
        rows, cols = out_channels, in_channels
        grid = True
    if len(kernels) > MAX_PANELS:
        raise ValueError(
            f"show_filters: {out_channels} x {in_channels} = {len(kernels)} kernels is more "
            f"than {MAX_PANELS} panels; pick one input channel with in_channel=..."
        )
    plt = import_pyplot()
    limit = float(numpy.abs(kernels).max()) or 1.0
    fig, axes = plt.subplots(rows, cols, figsize=(1.1 * cols + 1.2, 1.1 * rows + 0.7),
                             squeeze=False)
    _blank(axes)
    image = None
    for k, kernel in enumerate(kernels):
        ax = axes.flat[k]
        image = ax.imshow(kernel, cmap=cmap, vmin=-limit, vmax=limit)
        if grid:
            if k % cols == 0:
                ax.set_ylabel(f"filter {k // cols}", fontsize=8)
            if k < cols:
                ax.set_title(f"in {k}", fontsize=8)
        else:
            ax.set_title(f"filter {k}", fontsize=8)
    for ax in axes.flat[len(kernels):]:
        ax.set_visible(False)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.9, label="weight")
    where = "" if in_channel is None or in_channels == 1 else f", input channel {in_channel}"
    fig.suptitle(title or f"{out_channels} filters of {in_channels} x "
                 f"{weight.shape[2]} x {weight.shape[3]}{where}")
    return fig


def _module_names(model: Any, layers: Sequence[Any] | None) -> dict[int, str]:
    """id(module) -> name for the modules whose outputs are recorded."""
    named = [(name, module) for name, module in model.named_modules() if name]
    if layers is None:
        return {id(m): name for name, m in named if not any(True for _ in m.children())}
    by_name = dict(named)
    by_id = {id(m): name for name, m in named}
    chosen: dict[int, str] = {}
    for layer in layers:
        if isinstance(layer, str):
            if layer not in by_name:
                raise KeyError(
                    f"feature_maps: the model has no submodule named {layer!r}; its "
                    f"submodules are {list(by_name)}"
                )
            chosen[id(by_name[layer])] = layer
        elif id(layer) in by_id:
            chosen[id(layer)] = by_id[id(layer)]
        else:
            raise KeyError(
                f"feature_maps: {type(layer).__name__} is not a submodule of the model; "
                "pass submodules or their names"
            )
    return chosen


def collect_feature_maps(
    model: Any, x: Tensor, layers: Sequence[Any] | None = None
) -> dict[str, Tensor]:
    """Run ``model(x)`` without recording a graph and return the feature maps it made.

    Parameters
    ----------
    model : Module
        The network. Its train/eval mode is left as it is: call ``model.eval()`` first if
        it has dropout or batch norm.
    x : Tensor
        A batch ``(N, C, H, W)``, or one image ``(C, H, W)`` (given a batch dimension).
    layers : sequence of str or Module, optional
        The submodules (or their names, as in ``model.named_modules()``) whose outputs to
        keep. By default every innermost submodule whose output is 4-D.

    Returns
    -------
    dict of str to Tensor
        Submodule name -> its output ``(N, C, H, W)``, in the order they ran.

    Raises
    ------
    KeyError
        If a name or module in ``layers`` is not a submodule of ``model``.
    """
    if x.ndim == 3:
        x = x.unsqueeze(0)
    names = _module_names(model, layers)
    maps: dict[str, Tensor] = {}

    def keep(module: Any, args: Any, output: Any) -> None:
        if isinstance(output, Tensor) and (layers is not None or output.ndim == 4):
            maps[names[id(module)]] = output.detach()

    handles = [module.register_forward_hook(keep) for name, module in model.named_modules()
               if id(module) in names]
    try:
        with no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return maps


def feature_maps(
    model: Any, x: Tensor, layers: Sequence[Any] | None = None, *, max_channels: int = 8,
    cmap: str = "viridis",
) -> Any:
    """Draw the feature maps that ``model`` makes of one image, a row per layer.

    The first row is the input (in grey); each further row shows the first ``max_channels`` channels
    that one submodule returned, titled with its name, type and output shape, with a
    colour bar of its own (a layer's maps share one scale, so they can be compared).

    Parameters
    ----------
    model : Module
        The network (see :func:`collect_feature_maps` about train/eval mode).
    x : Tensor
        One image ``(C, H, W)``, or a batch of which the first image is drawn.
    layers : sequence of str or Module, optional
        As in :func:`collect_feature_maps`: by default every innermost submodule whose
        output is 4-D (for LeNet-5: conv, activation, pool, conv, activation, pool).
    max_channels : int
        The most channels drawn per layer.
    cmap : str
        A matplotlib colour map.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``x`` is not 3-D or 4-D, a chosen layer's output is not ``(N, C, H, W)``, or
        no layer made a 4-D output.
    KeyError
        As :func:`collect_feature_maps`.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> from minigrad.viz import feature_maps
    >>> model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
    >>> fig = feature_maps(model, minigrad.randn(1, 12, 12))
    >>> for ax in fig.axes:
    ...     if ax.get_ylabel():               # the first panel of each row
    ...         print(ax.get_title(loc="left"))
    input (1, 12, 12)
    0: Conv2d (4, 10, 10)
    1: ReLU (4, 10, 10)
    2: MaxPool2d (4, 5, 5)
    """
    if x.ndim not in (3, 4):
        raise ValueError(
            f"feature_maps: expects one image (C, H, W) or a batch (N, C, H, W), got a "
            f"tensor of shape {tuple(x.shape)}"
        )
    image = x if x.ndim == 3 else x[0]
    maps = collect_feature_maps(model, image, layers)
    for name, value in maps.items():
        if value.ndim != 4:
            raise ValueError(f"feature_maps: the output of {name!r} has shape "
                             f"{tuple(value.shape)}, not (N, C, H, W); leave it out of layers")
    if not maps:
        raise ValueError("feature_maps: no submodule of the model returned a 4-D feature map")
    types = {name: type(module).__name__ for name, module in model.named_modules()}
    rows = [("input", image.detach().numpy())]
    rows += [(f"{name}: {types[name]}", value[0].numpy()) for name, value in maps.items()]
    cols = min(max(len(planes) for _, planes in rows), max_channels)
    plt = import_pyplot()
    fig, axes = plt.subplots(len(rows), cols, figsize=(1.3 * cols + 1.0, 1.45 * len(rows)),
                             squeeze=False)
    _blank(axes)
    for r, (label, planes) in enumerate(rows):
        shown = numpy.asarray(planes[:cols], dtype=numpy.float64)
        low, high = float(shown.min()), float(shown.max())
        picture = None
        row_cmap = "gray" if r == 0 else cmap
        for c, plane in enumerate(shown):
            picture = axes[r, c].imshow(plane, cmap=row_cmap, vmin=low, vmax=high)
        for ax in axes[r, len(shown):]:
            ax.set_visible(False)
        channels = "ch 0" if len(shown) == 1 else f"ch 0-{len(shown) - 1}"
        axes[r, 0].set_ylabel(channels, fontsize=7)
        axes[r, 0].set_title(f"{label} {tuple(planes.shape)}", fontsize=8, loc="left")
        fig.colorbar(picture, ax=list(axes[r]), shrink=0.85, pad=0.01)
    return fig
