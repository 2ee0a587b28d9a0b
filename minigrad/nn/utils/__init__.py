"""Utilities for modules: gradient clipping, convolution arithmetic, model summaries, and
spectral and weight normalization (:mod:`minigrad.nn.utils.normalized_weights`).

``conv_output_size`` and ``receptive_field`` come from
:mod:`minigrad.nn.utils.conv_arithmetic`; ``summary`` from :mod:`minigrad.nn.utils.summary`.
"""

from __future__ import annotations

from collections.abc import Iterable

from minigrad.autograd import no_grad
from minigrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from minigrad.nn.utils.conv_arithmetic import conv_output_size, receptive_field
from minigrad.nn.utils.normalized_weights import (
    remove_spectral_norm,
    remove_weight_norm,
    spectral_norm,
    weight_norm,
)
from minigrad.nn.utils.summary import summary  # eager: the name is also the submodule's
from minigrad.tensor import Tensor

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "conv_output_size",
    "parameters_to_vector",
    "receptive_field",
    "remove_spectral_norm",
    "remove_weight_norm",
    "spectral_norm",
    "summary",
    "vector_to_parameters",
    "weight_norm",
]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-D tensor (differentiable).

    Examples
    --------
    >>> from minigrad import nn
    >>> nn.utils.parameters_to_vector(nn.Linear(3, 2).parameters()).shape
    minigrad.Size([8])
    """
    from minigrad.functional.shape import cat

    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (in place, no graph).

    Raises
    ------
    ValueError
        If ``vec`` is not 1-D or its length differs from the parameters' total size.
    """
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise ValueError(
            f"vector_to_parameters: expected a 1-D tensor of {total} elements, got shape "
            f"{vec.shape}"
        )
    start = 0
    for p in params:
        n = p.numel()
        with no_grad():
            p.copy_(vec.detach()[start:start + n].reshape(p.shape))
        start += n

