"""Clear errors for PyTorch names that minigrad does not have.

A PyTorch program ported with ``import minigrad as torch`` that reaches for a name minigrad
lacks (``torch.fft``, ``nn.LSTM``, ``optim.LBFGS``) gets an ``AttributeError`` that says
so, naming the PyTorch original, instead of a bare "no attribute" that could be a typo.
Each public module installs one with ``__getattr__ = _module_getattr(...)``.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable
from typing import NoReturn

__all__ = ["module_getattr", "not_in_minigrad"]


def not_in_minigrad(module: str, torch_module: str, name: str) -> AttributeError:
    """The error for ``module.name`` missing, where PyTorch's is ``torch_module.name``.

    Private and dunder names get Python's usual message (they are not PyTorch API); for
    the others, a close match among the module's names is suggested.
    """
    owner = sys.modules.get(module)
    return _missing(f"module {module!r}", module, f"{torch_module}.{name}", name,
                    dir(owner) if owner is not None else [])


def _missing(owner: str, prefix: str, torch_name: str, name: str,
             known: list[str]) -> AttributeError:
    plain = f"{owner} has no attribute {name!r}"
    if name.startswith("_"):
        return AttributeError(plain)
    public = [n for n in known if not n.startswith("_")]
    close = difflib.get_close_matches(name, public, n=1)
    hint = f"; did you mean {prefix}.{close[0]}?" if close else ""
    return AttributeError(
        f"{plain}: PyTorch's {torch_name} is not implemented in minigrad{hint} "
        "(see the 'Porting from PyTorch' page of the docs)"
    )


def module_getattr(module: str, torch_module: str) -> Callable[[str], NoReturn]:
    """A module-level ``__getattr__`` (PEP 562) that raises :func:`not_in_minigrad`."""

    def __getattr__(name: str) -> NoReturn:
        raise not_in_minigrad(module, torch_module, name)

    return __getattr__
