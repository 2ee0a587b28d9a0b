"""``minigrad.device``: PyTorch's device objects, mapped onto minigrad's backends.

A device names where a tensor lives. minigrad's backends each run on one device: the
NumPy backend on ``"cpu"`` and the CuPy backend on ``"cuda"`` (the current CUDA device).
Other PyTorch device types (``"mps"``, ``"xpu"``, ...) can be named, as in PyTorch, but
no backend runs on them, so using one is an error that says so.
"""

from __future__ import annotations

import builtins
from types import TracebackType
from typing import Any

from minigrad import backends

__all__ = ["DEVICE_TYPES", "backend_name", "device"]

# PyTorch's device types, in the order its error message lists them.
DEVICE_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
    "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)


def _parse(text: str) -> tuple[str, int | None]:
    if not text:
        raise RuntimeError("Device string must not be empty")
    kind, colon, index_text = text.partition(":")
    if kind not in DEVICE_TYPES:
        raise RuntimeError(
            f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device "
            f"string: {text}"
        )
    if not colon:
        return kind, None
    if not index_text.isdigit() or (len(index_text) > 1 and index_text[0] == "0"):
        raise RuntimeError(f"Invalid device string: {text!r}")
    return kind, int(index_text)


class device:
    """Where a tensor lives: a device type and an optional index, as ``torch.device``.

    Parameters
    ----------
    type : str, device or int
        ``"cpu"``, ``"cuda"``, ``"cuda:1"``, another device (copied) or a CUDA index.
    index : int, optional
        The device index, when ``type`` has none.

    Attributes
    ----------
    type : str
        The device type (``"cpu"``, ``"cuda"``, ...).
    index : int or None
        The index, or None for "the current device of that type".

    Raises
    ------
    RuntimeError
        For an unknown device type, a malformed string, a negative index, or an index
        given twice (PyTorch's messages).
    TypeError
        For arguments that are not a string, device or int.

    Examples
    --------
    >>> import minigrad
    >>> minigrad.device("cuda:1")
    device(type='cuda', index=1)
    >>> minigrad.device("cpu").type, str(minigrad.device("cuda", 0))
    ('cpu', 'cuda:0')
    >>> with minigrad.device("cpu"):  # new tensors are made on that device's backend
    ...     minigrad.zeros(2).device
    device(type='cpu')
    """

    __slots__ = ("_entered", "index", "type")

    type: str
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:
        self._entered: list[Any] = []
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be passed with a device object")
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(
                f"device(): expected a device string, a device or an int, got "
                f"{_type_name(type)}"
            )
        kind, parsed = _parse(type)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(
                    f"device(): argument 'index' (position 2) must be int, not "
                    f"{_type_name(index)}"
                )
            if parsed is not None:
                raise RuntimeError(
                    "type (string) must not include an index because index was passed "
                    f"explicitly: {type}"
                )
            if index < 0:
                raise RuntimeError("Device index must not be negative")
            parsed = index
        self.type, self.index = kind, parsed

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented  # as in PyTorch, a device never equals a string
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((device, self.type, self.index))

    def __reduce__(self) -> tuple[Any, ...]:
        return (device, (self.type, self.index))

    def __enter__(self) -> device:
        """Make this device's backend the default for new tensors inside the block."""
        block = backends.use_backend(backends.resolve(str(self)))
        block.__enter__()
        self._entered.append(block)
        return self

    def __exit__(
        self, kind: builtins.type[BaseException] | None, value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._entered.pop().__exit__(kind, value, traceback)


def _type_name(value: Any) -> str:
    return type(value).__name__


def backend_name(dev: device) -> str:
    """The registry name of the backend that runs on ``dev`` (``"numpy"`` for cpu).

    Raises
    ------
    RuntimeError
        If no usable minigrad backend runs on that device (the message says why).
    """
    return backends.resolve(str(dev)).name
