"""``Optimizer``: parameter groups, per-parameter state and their ``state_dict``.

Subclasses implement :meth:`Optimizer._update`, which changes one parameter's backend
array in place from its gradient; those with a ``foreach`` step (SGD, Adam, AdamW) also
override :meth:`Optimizer._update_group`, which updates all the parameters of a group at
once through the backend's list kernels (one fused kernel per parameter on the GPU).
Updates record no graph and never write into ``.grad`` (a gradient array may be shared
with another tensor).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from minigrad.autograd import no_grad
from minigrad.tensor import Tensor

__all__ = ["Optimizer"]

Array = Any
ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class _RequiredParameter:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of optimizers.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimise, or parameter groups: dicts with a ``"params"`` entry
        and any per-group options (``{"params": model.fc.parameters(), "lr": 1e-3}``).
    defaults : dict
        Option values used by groups that do not set them.

    Attributes
    ----------
    param_groups : list of dict
        Each group's ``"params"`` list and options; change ``group["lr"]`` to change the
        learning rate (schedulers do this).
    state : dict
        Per-parameter state (momentum buffers, moment estimates, step counts).
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got a single {type(params).__name__}; wrap it in a list"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)  # type: ignore[arg-type]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones take the defaults).

        Raises
        ------
        TypeError
            If an entry is not a tensor.
        ValueError
            If a parameter is not a leaf, is already in a group, or a required option is
            missing.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif params is None:
            raise ValueError("param group needs a 'params' entry")
        group["params"] = list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one produced by an op)")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization "
                    f"parameter {name!r}"
                )
            group.setdefault(name, default)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        if len({id(p) for p in group["params"]}) != len(group["params"]):
            raise ValueError("a parameter group lists the same parameter twice")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimised parameters to ``None`` (or to zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:  # the same tensor, cut from any graph and zeroed in place, as in torch
                    p.grad.detach_()
                    with no_grad():
                        p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, once.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss; it is called (with gradients
            enabled) before the update and its value returned.
        """
        loss = None
        if closure is not None:
            from minigrad.autograd import enable_grad

            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params = [p for p in group["params"] if p.grad is not None]
                for p in params:
                    if p.grad.shape != p.shape:
                        raise RuntimeError(
                            f"{type(self).__name__}: a parameter of shape {p.shape} has a "
                            f"gradient of shape {p.grad.shape}"
                        )
                if group.get("foreach") is False:
                    Optimizer._update_group(self, group, params)
                else:
                    self._update_group(group, params)
                for p in params:
                    p.bump_version()
        return loss

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        """Update the parameters of ``group`` that have a gradient (``params``).

        This one runs :meth:`_update` for each parameter; optimizers with a step over
        lists of parameters override it (it runs unless the group sets ``foreach=False``).
        """
        maximize = group.get("maximize", False)
        for p, grad in zip(params, self._grads(params)):
            if maximize:
                grad = -grad
            state = self.state.setdefault(p, {})
            self._update(p, p.backend.xp, p.array, grad, state, group)

    def _update(
        self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
        group: dict[str, Any],
    ) -> None:
        """Change ``p`` (the parameter's array) in place; ``state`` persists per parameter."""
        raise TypeError(f"{type(self).__name__} must define _update")

    @staticmethod
    def _buffer(param: Tensor, array: Array) -> Tensor:
        """Wrap a state array as a tensor (so ``state_dict`` can save it)."""
        return Tensor.from_array(array, param.backend)

    @staticmethod
    def _grads(params: list[Tensor]) -> list[Array]:
        """The gradient arrays of ``params`` (which all have one)."""
        grads = []
        for p in params:
            assert p.grad is not None
            grads.append(p.grad.array)
        return grads

    @staticmethod
    def _by_backend(params: list[Tensor]) -> list[list[Tensor]]:
        """``params`` split by backend (a group may mix devices), in order."""
        found: dict[int, list[Tensor]] = {}
        for p in params:
            found.setdefault(id(p.backend), []).append(p)
        return list(found.values())

    # --- state ---------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state: ``{"state": {index: {...}}, "param_groups": [...]}``.

        Parameters are referred to by their position across the groups, as in PyTorch,
        so the dict can be loaded into an optimizer over another copy of the model.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = ids
            groups.append(saved)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index[id(p)]] = {
                        k: (v.detach() if isinstance(v, Tensor) else v)
                        for k, v in self.state[p].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state saved by :meth:`state_dict` (tensors are copied, converted to each
        parameter's dtype and backend).

        Raises
        ------
        ValueError
            If the number of groups or of parameters in a group differs.
        """
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(
                "optimizer state_dict must be a dict with keys 'state' and 'param_groups'"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups but the "
                f"optimizer has {len(self.param_groups)}"
            )
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict has {len(saved['params'])} parameters in group {i} "
                    f"but the optimizer's group has {len(group['params'])}"
                )
        by_index = {}
        for saved, group in zip(saved_groups, self.param_groups):
            for i, p in zip(saved["params"], group["params"]):
                by_index[i] = p
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, value in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                continue
            entry = {}
            for name, v in value.items():
                if isinstance(v, Tensor):
                    moved = v.detach().to(p.backend)
                    if v.dtype.kind == "f" and name != "step":
                        moved = moved.to(p.dtype)
                    entry[name] = Tensor.from_array(moved.array.copy(), p.backend)
                else:
                    entry[name] = copy.deepcopy(v)
            new_state[p] = entry
        self.state = new_state
        for saved, group in zip(saved_groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = copy.deepcopy(v)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
