"""The functional interface, as ``torch.nn.functional``: layers and losses as functions.

Every name here is an op of the op table (:mod:`minigrad.optable`) declared with
``functional=True``; the ops themselves live in :mod:`minigrad.functional`.

Examples
--------
>>> import minigrad
>>> import minigrad.nn.functional as F
>>> logits = minigrad.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
>>> loss = F.cross_entropy(logits, minigrad.tensor([0]))
>>> loss.backward()
>>> logits.grad.shape
minigrad.Size([1, 3])
"""

from minigrad import functional as _functional  # noqa: F401  (fills the op table)
from minigrad.optable import namespace as _namespace

globals().update(_namespace("functional"))
__all__ = sorted(_namespace("functional"))

from minigrad.unknown_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, "torch.nn.functional")
