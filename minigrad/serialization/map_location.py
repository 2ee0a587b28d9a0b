"""``load``'s ``map_location``: PyTorch's four forms, turned into one minigrad backend.

minigrad puts every tensor of a checkpoint on one backend, so each form is read as "which
backend": a name or device (``"cpu"``, ``"cuda:0"``); a dict (``{"cuda:0": "cpu"}``)
whose targets all name one backend; or a function ``fn(storage, location)``, called once
with a stand-in storage and the location ``"cpu"``, whose answer says where to go:
``storage`` itself (PyTorch's idiom for "keep it on the CPU"), ``storage.cpu()``,
``storage.cuda(i)``, ``storage.to(device)``, or None (the default: the current backend).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minigrad import backends

__all__ = ["StandInStorage", "resolve_map_location"]


class StandInStorage:
    """What a ``map_location`` function receives: a storage that only records where the
    function asks for it to go.

    Parameters
    ----------
    device : str
        The device it is on (``"cpu"`` when handed to the function).
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device

    def cpu(self) -> StandInStorage:
        """The storage on the CPU."""
        return StandInStorage("cpu")

    def cuda(self, device: Any = None, non_blocking: bool = False) -> StandInStorage:
        """The storage on the GPU (``device``: an index, a string or None)."""
        if device is None:
            return StandInStorage("cuda")
        return StandInStorage(str(device) if isinstance(device, str) else f"cuda:{device}")

    def to(self, device: Any, non_blocking: bool = False) -> StandInStorage:
        """The storage on ``device``."""
        return StandInStorage(str(device))

    def __repr__(self) -> str:
        return f"StandInStorage(device={self.device!r})"


def resolve_map_location(map_location: Any) -> Any:
    """The backend ``load`` puts tensors on, for any of PyTorch's ``map_location`` forms.

    Raises
    ------
    ValueError
        For a dict whose targets name different backends.
    TypeError
        For a function whose answer is not the stand-in storage (or None), or a value of
        another type.
    """
    if map_location is None:
        return backends.current()
    if isinstance(map_location, Mapping):
        targets = {backends.resolve(v) for v in map_location.values()}
        if len(targets) > 1:
            raise ValueError(
                f"load: map_location {dict(map_location)!r} sends tensors to different "
                "backends; minigrad loads a checkpoint onto one backend, so give one target")
        return targets.pop() if targets else backends.current()
    if callable(map_location) and not isinstance(map_location, (str, backends.Backend)):
        answer = map_location(StandInStorage(), "cpu")
        if answer is None:
            return backends.current()
        if not isinstance(answer, StandInStorage):
            raise TypeError(
                f"load: the map_location function returned {type(answer).__name__}; minigrad "
                "understands functions that return the storage they get, storage.cpu(), "
                "storage.cuda(i) or storage.to(device); pass a device string instead")
        return backends.resolve(answer.device)
    return backends.resolve(map_location)
