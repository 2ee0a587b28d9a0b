"""Names for the parameter leaves of graph pictures.

Given a Module (its ``named_parameters()``) or a dict, names come from there. Given
nothing, they come from the models alive in the program: ``nn.Module`` keeps a weak set of
its live instances, and the models among them (modules inside no other module) whose
parameters the graph uses name those parameters. One such model gives plain names
(``conv1.weight``); several prefix each name with the model's class (``Generator.0.weight``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from minigrad.nn import Module
from minigrad.tensor import Tensor

__all__ = ["live_model_names", "parameter_names"]


def parameter_names(params: Any, leaves: Sequence[Tensor]) -> dict[int, str]:
    """``id(tensor) -> name`` for ``params`` (a Module, a dict of name -> Tensor, or
    ``None`` for the live models that own some of ``leaves``)."""
    if params is None:
        return live_model_names(leaves)
    if hasattr(params, "named_parameters"):
        pairs = list(params.named_parameters())
    elif isinstance(params, Mapping):
        pairs = list(params.items())
    else:
        raise TypeError(
            f"draw_graph: params must be a Module or a dict of name -> Tensor, got "
            f"{type(params).__name__}"
        )
    names: dict[int, str] = {}
    for name, t in pairs:
        if not isinstance(t, Tensor):
            raise TypeError(
                f"draw_graph: params[{name!r}] is a {type(t).__name__}, expected a Tensor"
            )
        names.setdefault(id(t), str(name))
    return names


def live_model_names(leaves: Sequence[Tensor]) -> dict[int, str]:
    """Names of ``leaves`` that are parameters of live models (see the module docstring)."""
    position = {id(t): i for i, t in enumerate(leaves)}
    owners: list[tuple[int, Module, list[tuple[str, Tensor]]]] = []
    for root in Module.live_roots():
        params: list[tuple[str, Tensor]] = list(root.named_parameters())
        used = [position[id(p)] for _, p in params if id(p) in position]
        if used:
            owners.append((min(used), root, params))
    owners.sort(key=lambda owner: owner[0])  # the model nearest the outputs first
    class_names = [type(root).__name__ for _, root, _ in owners]
    names: dict[int, str] = {}
    for k, (_, _, used_params) in enumerate(owners):
        prefix = ""
        if len(owners) > 1:
            prefix = class_names[k]
            if class_names.count(prefix) > 1:
                prefix += f"#{class_names[:k + 1].count(prefix)}"
            prefix += "."
        for name, param in used_params:
            if id(param) in position:
                names.setdefault(id(param), prefix + name)
    return names
