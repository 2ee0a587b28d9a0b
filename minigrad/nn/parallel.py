"""``nn.DataParallel`` and ``nn.parallel.data_parallel`` on minigrad's single device.

minigrad runs on one device at a time, so these wrappers call the module directly; they
exist so that scripts written for several GPUs run unchanged, with PyTorch's ``.module``
attribute and ``module.``-prefixed ``state_dict`` keys. Asking for more than one device
is an error rather than a silent single-device run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from minigrad.nn.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _check_devices(device_ids: Sequence[Any] | None, caller: str) -> None:
    if device_ids is not None and len({str(d) for d in device_ids}) > 1:
        raise RuntimeError(
            f"{caller}: minigrad runs on one device, but device_ids names "
            f"{len(device_ids)}: {list(device_ids)!r}; pass one device (or None)"
        )


class DataParallel(Module):
    """Wraps ``module``; calling the wrapper calls ``module`` on the whole batch.

    Parameters
    ----------
    module : Module
        The module to run; available as ``.module``.
    device_ids : sequence, optional
        At most one device (minigrad uses one).
    output_device : int or device, optional
        Accepted for compatibility; outputs stay where the module computes them.
    dim : int
        The batch dimension PyTorch would scatter along (unused on one device).

    Raises
    ------
    RuntimeError
        If ``device_ids`` names more than one device.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> model = nn.DataParallel(nn.Linear(3, 2))
    >>> model(minigrad.ones(4, 3)).shape, list(model.state_dict())
    ((4, 2), ['module.weight', 'module.bias'])
    """

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None,
                 output_device: Any = None, dim: int = 0) -> None:
        super().__init__()
        _check_devices(device_ids, "DataParallel")
        self.module = module
        self.device_ids = list(device_ids) if device_ids is not None else []
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs: Any, device_ids: Sequence[Any] | None = None,
                  output_device: Any = None, dim: int = 0,
                  module_kwargs: dict[str, Any] | None = None) -> Any:
    """``module(*inputs, **module_kwargs)``, the functional form of :class:`DataParallel`.

    Raises
    ------
    RuntimeError
        If ``device_ids`` names more than one device.
    """
    _check_devices(device_ids, "data_parallel")
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*args, **(module_kwargs or {}))


if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.nn.parallel")
