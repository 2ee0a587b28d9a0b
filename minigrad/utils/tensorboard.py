"""Logging to TensorBoard with PyTorch's ``SummaryWriter`` API, on ``tensorboardX``.

``tensorboardX`` writes TensorBoard's event files without TensorFlow or PyTorch. This
module puts PyTorch's ``torch.utils.tensorboard.SummaryWriter`` interface on it, taking
minigrad tensors (on any backend) wherever PyTorch takes tensors.

Needs the ``tensorboardX`` package: ``pip install "minigrad-cnn[tensorboard]"`` (or
``pip install -e ".[tensorboard]"`` in a checkout). View the logs with
``tensorboard --logdir runs`` (the ``tensorboard`` package).

Examples
--------
>>> import tempfile
>>> import minigrad
>>> from minigrad.utils.tensorboard import SummaryWriter
>>> with SummaryWriter(tempfile.mkdtemp()) as writer:
...     writer.add_scalar("loss", minigrad.tensor(0.25), global_step=1)
...     writer.add_histogram("weights", minigrad.randn(100), global_step=1)
...     writer.add_image("digit", minigrad.rand(1, 8, 8), global_step=1)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from minigrad.tensor import Tensor

try:
    import tensorboardX
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "minigrad.utils.tensorboard needs the tensorboardX package: pip install "
        '"minigrad-cnn[tensorboard]" (or pip install -e ".[tensorboard]" in a source checkout)'
    ) from exc

__all__ = ["SummaryWriter"]


def _values(value: Any) -> Any:
    """A tensor as a host NumPy array (detached); anything else as it is."""
    return value.detach().numpy() if isinstance(value, Tensor) else value


def _scalar(value: Any, where: str) -> Any:
    if not isinstance(value, Tensor):
        return value
    if value.numel() != 1:
        raise ValueError(f"{where}: a scalar must be a number or a one-element tensor, "
                         f"got a tensor of shape {value.shape}")
    return value.item()


class SummaryWriter:
    """Writes scalars, histograms, images and text to TensorBoard event files.

    The same constructor and methods as ``torch.utils.tensorboard.SummaryWriter`` for
    what a training loop logs; each value may be a minigrad tensor, a NumPy array or a
    Python number.

    Parameters
    ----------
    log_dir : str, optional
        Folder for the event files. Default: ``runs/<date>_<host><comment>``.
    comment : str
        Suffix of the default folder name (ignored when ``log_dir`` is given).
    purge_step : int, optional
        Drop events at or after this step left by a run that crashed there.
    max_queue : int
        Events kept in memory before a write to disk.
    flush_secs : int
        Seconds between flushes to disk.
    filename_suffix : str
        Suffix of the event file names.

    Raises
    ------
    ImportError
        When the module is imported without ``tensorboardX`` (the message names the extra).
    """

    def __init__(self, log_dir: str | None = None, comment: str = "",
                 purge_step: int | None = None, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        self._writer = tensorboardX.SummaryWriter(
            logdir=log_dir, comment=comment, purge_step=purge_step, max_queue=max_queue,
            flush_secs=flush_secs, filename_suffix=filename_suffix,
        )

    @property
    def log_dir(self) -> str:
        """The folder the event files go to."""
        return str(self._writer.logdir)

    def get_logdir(self) -> str:
        """The folder the event files go to (PyTorch's method name)."""
        return self.log_dir

    def add_scalar(self, tag: str, scalar_value: Any, global_step: int | None = None,
                   walltime: float | None = None) -> None:
        """Log one number (a Python number or a one-element tensor) under ``tag``."""
        self._writer.add_scalar(tag, _scalar(scalar_value, "add_scalar"), global_step,
                                walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: Mapping[str, Any],
                    global_step: int | None = None, walltime: float | None = None) -> None:
        """Log several numbers on one chart (e.g. ``{"train": 0.3, "test": 0.4}``)."""
        values = {k: _scalar(v, "add_scalars") for k, v in tag_scalar_dict.items()}
        self._writer.add_scalars(main_tag, values, global_step, walltime)

    def add_histogram(self, tag: str, values: Any, global_step: int | None = None,
                      bins: Any = "tensorflow", walltime: float | None = None,
                      max_bins: int | None = None) -> None:
        """Log the distribution of ``values`` (e.g. a layer's weights or gradients)."""
        self._writer.add_histogram(tag, _values(values), global_step, bins, walltime, max_bins)

    def add_image(self, tag: str, img_tensor: Any, global_step: int | None = None,
                  walltime: float | None = None, dataformats: str = "CHW") -> None:
        """Log one image: floats in ``[0, 1]`` or uint8 in ``[0, 255]``, laid out as
        ``dataformats`` says (``"CHW"``, ``"HWC"``, ``"HW"``; 1 or 3 channels)."""
        self._writer.add_image(tag, _values(img_tensor), global_step, walltime, dataformats)

    def add_images(self, tag: str, img_tensor: Any, global_step: int | None = None,
                   walltime: float | None = None, dataformats: str = "NCHW") -> None:
        """Log a batch of images as one grid (``"NCHW"`` by default)."""
        self._writer.add_images(tag, _values(img_tensor), global_step, walltime, dataformats)

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """Log a text (Markdown) under ``tag``."""
        self._writer.add_text(tag, text_string, global_step, walltime)

    def add_figure(self, tag: str, figure: Any, global_step: int | None = None,
                   close: bool = True, walltime: float | None = None) -> None:
        """Log a Matplotlib figure as an image."""
        self._writer.add_figure(tag, figure, global_step, close, walltime)

    def flush(self) -> None:
        """Write pending events to disk."""
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the event files."""
        self._writer.close()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
