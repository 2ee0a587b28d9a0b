"""Which public function made which graph node: recorded while a trace is open.

A composite function such as ``cross_entropy``, ``leaky_relu`` or ``std`` is written with
other ops, so its graph holds several nodes (a log-softmax, a gather, a mean...). To draw
it as one node named after the function the user called, :func:`minigrad.viz.draw_graph`
needs to know which call created each node. A finished graph cannot tell, so
:class:`trace_functions` records it while the forward pass runs.

How: while a trace is open, and only then, the engine's step that records a new node is
wrapped. Each new node looks up the Python call stack for the frames of op-table functions
(the public functions declared with :func:`minigrad.optable.op`); the chain of those calls,
outermost first, is kept beside the node in a weak dictionary. Outside a trace nothing is
wrapped and nothing is looked up, so ops cost exactly what they cost without this module.
"""

from __future__ import annotations

import sys
import threading
import weakref
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

from minigrad.autograd import Function, observe_ops
from minigrad.optable import TABLE, OpDef
from minigrad.utils.hooks import RemovableHandle

__all__ = ["FunctionCall", "function_calls_of", "trace_functions", "tracing", "was_traced"]


@dataclass(frozen=True, eq=False)  # each call is its own event: compared by identity
class FunctionCall:
    """One call of one op-table function, as recorded by :class:`trace_functions`.

    Attributes
    ----------
    name : str
        The op's name in the op table (``"cross_entropy"``, ``"std"``).
    owns : tuple of type
        The graph node classes the op declares as its own (empty for composites).
    """

    name: str
    owns: tuple[type, ...]


_CALLS: weakref.WeakKeyDictionary[Function, tuple[FunctionCall, ...]] = (
    weakref.WeakKeyDictionary())


def function_calls_of(node: Function) -> tuple[FunctionCall, ...]:
    """The op-table function calls that were running when ``node`` was recorded,
    outermost (the one the user called) first; empty if no trace was open."""
    return _CALLS.get(node, ())


def was_traced(node: Function) -> bool:
    """Whether ``node`` was recorded while a trace was open (even if by no op function)."""
    return node in _CALLS


class _Open(threading.local):
    """The calls running in this thread, by frame id. The frames are held so that their
    ids are not reused while they are listed; finished ones are dropped at the next node."""

    def __init__(self) -> None:
        self.calls: dict[int, tuple[FrameType, FunctionCall]] = {}


_open = _Open()
_rows: dict[CodeType, OpDef] = {}
_rows_of: dict[str, OpDef] = {}  # the table _rows was made from
_depth = 0
_lock = threading.Lock()
_observing: RemovableHandle | None = None


def _refresh_rows() -> None:
    """Map the code object of each op function to its row; a code shared by several rows
    (the dtype methods are one closure) names none of them, so its frames are skipped."""
    _rows_of.clear()
    _rows_of.update(TABLE)
    seen: dict[CodeType, list[OpDef]] = {}
    for row in TABLE.values():
        for fn in (row.function, row.method_form):
            code = getattr(fn, "__code__", None)
            if code is not None and row not in seen.setdefault(code, []):
                seen[code].append(row)
    _rows.clear()
    _rows.update({code: rows[0] for code, rows in seen.items() if len(rows) == 1})


def _note(function: type[Function], inputs: Any, attrs: Any, result: Any) -> None:
    """Keep the chain of op-function calls on the stack as the creators of the node the
    op just recorded (an op observer: see :func:`minigrad.autograd.observe_ops`)."""
    node = (result[0] if isinstance(result, tuple) else result)._grad_fn
    if node is None or type(node) is not function:
        return  # nothing recorded
    if len(_rows_of) != len(TABLE):  # an op declared while the trace is open
        _refresh_rows()
    rows = _rows
    found: list[tuple[FrameType, OpDef]] = []
    frame: FrameType | None = sys._getframe(2)  # 0: here, 1: the observer loop, 2: apply
    while frame is not None:
        row = rows.get(frame.f_code)
        if row is not None:
            found.append((frame, row))
        frame = frame.f_back
    running = _open.calls
    if not found:  # made outside every op function (by Function.apply itself)
        running.clear()
        _CALLS[node] = ()
        return
    live: dict[int, tuple[FrameType, FunctionCall]] = {}
    chain: list[FunctionCall] = []
    for frame, row in reversed(found):  # outermost first
        entry = running.get(id(frame))
        if entry is None or entry[0] is not frame:
            entry = (frame, FunctionCall(row.name, row.nodes))
        live[id(frame)] = entry
        chain.append(entry[1])
    _open.calls = live  # calls no longer on the stack have returned
    _CALLS[node] = tuple(chain)


def _start() -> None:
    global _depth, _observing
    with _lock:
        if _depth == 0:
            _refresh_rows()  # ops declared since the last trace count too
            _observing = observe_ops(_note)  # until the last trace closes
        _depth += 1


def _stop() -> None:
    global _depth
    with _lock:
        if _depth == 0:
            return
        _depth -= 1
        if _depth == 0 and _observing is not None:
            _observing.remove()
            _open.calls = {}


def tracing() -> bool:
    """Whether a :class:`trace_functions` block is open."""
    return _depth > 0


class trace_functions:  # lower-case, like no_grad: used as a context manager
    """Record which public function (``cross_entropy``, ``leaky_relu``, ``std``...) made
    each graph node created in a ``with`` block.

    With the record, :func:`minigrad.viz.draw_graph` names nodes after the function that
    was called (an ``AdaptiveMaxPool2dBackward`` rather than the node class it uses) and,
    with ``collapse="function"``, draws each call of a composite function as one node.
    :class:`minigrad.viz.trace_modules` opens one too. Outside such a block nothing is
    recorded and ops run at full speed; inside, each new node costs a look at the call
    stack (a few microseconds).

    Blocks may be nested and may be opened by :meth:`start` and closed by :meth:`stop`
    instead of ``with`` (as a notebook may, around several cells).

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> from minigrad.viz import draw_graph, trace_functions
    >>> x = minigrad.randn(4, 3, requires_grad=True)
    >>> with trace_functions():
    ...     loss = F.leaky_relu(x).std()
    >>> "StdBackward" in draw_graph(loss, collapse="function").source
    True
    """

    def __init__(self) -> None:
        self._started = False

    def start(self) -> trace_functions:
        """Open the trace (what ``with`` does on entry)."""
        if not self._started:
            self._started = True
            _start()
        return self

    def stop(self) -> None:
        """Close the trace (what ``with`` does on exit); the record of nodes made so far
        is kept for as long as they live."""
        if self._started:
            self._started = False
            _stop()

    def __enter__(self) -> trace_functions:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
