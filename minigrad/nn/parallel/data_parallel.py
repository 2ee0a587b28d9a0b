"""``DataParallel``: PyTorch's single-process wrapper, on the one device minigrad uses.

PyTorch's ``DataParallel`` splits each batch over several GPUs of one process; minigrad
runs a process on one device, so this wrapper runs the module on the device it is on and
exists so that code written for ``nn.DataParallel`` (``model.module``, ``module.``-prefixed
state dicts) runs unchanged. Training on several devices or machines is
:class:`~minigrad.nn.parallel.DistributedDataParallel`'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.nn.module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Run ``module`` on its device; ``.module`` is the wrapped model.

    Parameters
    ----------
    module : Module
        The model.
    device_ids : sequence of int or str, optional
        ``None``, or the single device the module is on (``0`` or ``"cuda:0"`` for a CuPy
        model, ``"cpu"`` for a NumPy one).
    output_device : int or str, optional
        Same rule as ``device_ids``.
    dim : int
        The batch dimension (only dimension 0 is used: there is one replica).

    Raises
    ------
    ValueError
        If more than one device is asked for (use ``DistributedDataParallel``), or a
        device other than the module's.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> model = nn.DataParallel(nn.Linear(3, 2))
    >>> model(minigrad.randn(4, 3)).shape, list(model.state_dict())
    (minigrad.Size([4, 2]), ['module.weight', 'module.bias'])
    """

    def __init__(self, module: Module, device_ids: Sequence[int | str] | None = None,
                 output_device: int | str | None = None, dim: int = 0) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel wraps an nn.Module, got {type(module).__name__}")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError(
                f"DataParallel: minigrad runs one device per process, got device_ids="
                f"{list(device_ids)}; to train on several devices start one process per "
                "device and use nn.parallel.DistributedDataParallel"
            )
        if dim != 0:
            raise ValueError(f"DataParallel: the batch dimension must be 0, got dim={dim}")
        device = next((p.backend.device for p in module.parameters()), None)
        # as in PyTorch, GPU ids mean nothing to a module on the CPU: they are ignored there
        on_gpu = device is not None and device.startswith("cuda")
        for d in [*(device_ids or []), *([] if output_device is None else [output_device])]:
            name = d if isinstance(d, str) else f"cuda:{d}"
            if on_gpu and name != device:
                raise ValueError(f"DataParallel: device {d!r} is not the device the module "
                                 f"is on ({device})")
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs: Any, device_ids: Sequence[int | str] | None = None,
                  output_device: int | str | None = None, dim: int = 0,
                  module_kwargs: dict[str, Any] | None = None) -> Any:
    """``module(*inputs, **module_kwargs)``, the functional form of :class:`DataParallel`
    (with its checks of ``device_ids`` and ``dim``)."""
    wrapper = DataParallel(module, device_ids, output_device, dim)
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    return wrapper(*args, **(module_kwargs or {}))
