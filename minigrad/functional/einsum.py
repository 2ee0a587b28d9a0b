"""``einsum``: sums of products named by index letters (``"bij,bjk->bik"``).

The equation is brought to a clean form before the node runs: ellipses become letters of
their own, size-1 dimensions are expanded where another operand has the full size, a
letter repeated within an operand takes that operand's diagonal (a mask and a sum), and a
letter found in one operand only (and not in the output) is summed away. In the clean
form every letter of an operand also appears in the output or in another operand, so the
gradient of operand ``i`` is again an einsum, ``"out,others->term_i"``, which is clean
too: gradients of any order stay einsums.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.functional.arithmetic import where
from minigrad.functional.operands import constant
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array

_LETTERS = string.ascii_letters


class Einsum(Function):
    """``xp.einsum`` of a clean equation (see the module's docstring)."""

    def forward(ctx, *arrays: Array, equation: str = "") -> Array:
        ctx.save(*arrays)
        terms, out = _split(equation)
        sizes = {c: n for term, a in zip(terms, arrays) for c, n in zip(term, a.shape)}
        if any(n == 0 and c not in out for c, n in sizes.items()):
            # a sum over nothing is 0, whatever the other operands hold (inf, NaN); a
            # contraction order that multiplies first would make 0 * inf
            xp = ctx.xp
            dtype = numpy.result_type(*(a.dtype for a in arrays))
            return xp.zeros(tuple(sizes[c] for c in out), dtype=dtype)
        return ctx.xp.einsum(equation, *arrays, optimize=len(arrays) > 1)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:
        terms, out = _split(ctx.attrs["equation"])
        operands = ctx.saved_tensors
        grads: list[Tensor | None] = []
        for i, needed in enumerate(ctx.needs_input_grad):
            if not needed:
                grads.append(None)
                continue
            others = [(t, term) for j, (t, term) in enumerate(zip(operands, terms)) if j != i]
            equation = ",".join([out] + [term for _, term in others]) + "->" + terms[i]
            grads.append(Einsum.apply(g, *[t for t, _ in others], equation=equation))
        return tuple(grads)


def _split(equation: str) -> tuple[list[str], str]:
    inputs, out = equation.split("->")
    return inputs.split(","), out


def _fail(message: str) -> RuntimeError:
    return RuntimeError(f"einsum(): {message}")


def _from_sublists(args: Sequence[Any]) -> tuple[str, list[Tensor]]:
    """``einsum(op0, [0, 1], op1, [1, 2], [0, 2])``: the sublist format as an equation."""
    output = args[-1] if len(args) % 2 else None
    pairs = args[:-1] if len(args) % 2 else args
    operands, sublists = list(pairs[0::2]), list(pairs[1::2])

    def term(sublist: Sequence[Any]) -> str:
        letters = []
        for item in sublist:
            if item is Ellipsis:
                letters.append("...")
            elif isinstance(item, int) and 0 <= item < len(_LETTERS):
                letters.append(_LETTERS[item])
            else:
                raise _fail(f"subscript in a sublist must be an int in [0, 52) or Ellipsis, "
                            f"got {item!r}")
        return "".join(letters)

    lhs = ",".join(term(s) for s in sublists)
    return (lhs if output is None else f"{lhs}->{term(output)}"), operands


def _parse_terms(equation: str, operands: Sequence[Tensor]
                 ) -> tuple[list[list[str]], list[str] | None]:
    """Each operand's subscripts as a list of letters (an ellipsis as ``"..."``) and the
    output's (None when implicit), checked."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms: list[list[str]] = []
    position = 0
    for text in lhs.split(","):
        terms.append(_letters(text, position))
        position += len(text) + 1
    if len(terms) < len(operands):
        raise _fail("more operands were provided than specified in the equation")
    if len(terms) > len(operands):
        raise _fail("fewer operands were provided than specified in the equation")
    out = _letters(rhs, len(lhs) + 2) if arrow else None
    return terms, out


def _letters(text: str, offset: int) -> list[str]:
    letters: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("...", i):
            if "..." in letters:
                raise _fail(f"found more than one ellipsis ('...') in a term, at index "
                            f"{offset + i}")
            letters.append("...")
            i += 3
            continue
        if text[i] not in _LETTERS:
            raise _fail(f"invalid subscript given at index {offset + i} in the equation "
                        "string, subscripts must be in [a-zA-Z]")
        letters.append(text[i])
        i += 1
    return letters


def _explicit(equation: str, operands: Sequence[Tensor]
              ) -> tuple[list[str], str]:
    """The equation with ellipses replaced by fresh letters and the output written out."""
    terms, out = _parse_terms(equation, operands)
    used = {letter for term in terms + ([out] if out else []) for letter in term}
    fresh = iter(c for c in _LETTERS if c not in used)
    widths = []
    for i, (term, t) in enumerate(zip(terms, operands)):
        named = len(term) - ("..." in term)
        if "..." not in term and named != t.ndim:
            raise _fail(f"the number of subscripts in the equation ({named}) does not match "
                        f"the number of dimensions ({t.ndim}) for operand {i} and no ellipsis "
                        "was given")
        if named > t.ndim:
            raise _fail(f"the number of subscripts in the equation ({named}) is more than the "
                        f"number of dimensions ({t.ndim}) for operand {i}")
        widths.append(t.ndim - named if "..." in term else 0)
    ellipsis = "".join(next(fresh) for _ in range(max(widths, default=0)))
    texts = []
    for term, width in zip(terms, widths):
        texts.append("".join(ellipsis[len(ellipsis) - width:] if x == "..." else x
                             for x in term))
    if out is None:
        counts = {c: sum(text.count(c) for text in texts) for c in set("".join(texts))}
        out_text = ellipsis + "".join(sorted(c for c, n in counts.items()
                                             if n == 1 and c not in ellipsis))
    else:
        out_text = "".join(ellipsis if x == "..." else x for x in out)
        for c in out_text:
            if out_text.count(c) > 1:
                raise _fail(f"output subscript {c} appears more than once in the output")
            if not any(c in text for text in texts):
                raise _fail(f"output subscript {c} does not appear in the equation for any "
                            "input operand")
    return texts, out_text


def _sizes(texts: list[str], operands: Sequence[Tensor]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for i, (text, t) in enumerate(zip(texts, operands)):
        own: dict[str, int] = {}
        for c, n in zip(text, t.shape):
            if c in own and own[c] != n:
                raise _fail(f"subscript {c} is repeated for operand {i} but the sizes don't "
                            f"match, {n} != {own[c]}")
            own[c] = n
            seen = sizes.get(c, 1)
            if n != 1 and seen != 1 and n != seen:
                raise _fail(f"subscript {c} has size {n} for operand {i} which does not "
                            f"broadcast with previously seen size {seen}")
            sizes[c] = seen if n == 1 else n  # a size of 0 beats a size of 1
    return sizes


def _clean(t: Tensor, text: str, keep: set[str], sizes: dict[str, int]) -> tuple[Tensor, str]:
    """``t`` broadcast to the letters' sizes, with its diagonals taken and its private
    letters summed, and its new subscripts."""
    target = tuple(sizes[c] for c in text)
    if target != tuple(t.shape):
        t = t.expand(target)
    for c in dict.fromkeys(text):
        while text.count(c) > 1:  # the diagonal of two positions: a mask, then a sum
            first = text.index(c)
            second = text.index(c, first + 1)
            n = sizes[c]
            shape = [1] * len(text)
            shape[first] = shape[second] = n
            # where, not a product: off the diagonal, inf * 0 would make NaN
            eye = constant(t, t.backend.xp.eye(n, dtype=bool).reshape(shape), bool)
            t = where(eye, t, constant(t, 0)).sum(second)
            text = text[:second] + text[second + 1:]
    private = [i for i, c in enumerate(text) if c not in keep]
    if private:
        t = t.sum(private)
        text = "".join(c for i, c in enumerate(text) if i not in private)
    return t, text


@op("einsum", Einsum, torch=True,
    samples=[S((2, 3), (3, 4), call=lambda f, a, b: f("ij,jk->ik", a, b), note="matmul"),
             S((2, 3, 4), (2, 4, 5), call=lambda f, a, b: f("bij,bjk->bik", a, b),
               note="bmm"),
             S((3, 3), call=lambda f, a: f("ii->i", a), note="diagonal"),
             S((3, 3), call=lambda f, a: f("ii", a), note="trace"),
             S((2, 3), call=lambda f, a: f("ij->ji", a), note="transpose"),
             S((4,), (3,), call=lambda f, a, b: f("i,j", a, b), note="outer, implicit"),
             S((2, 3, 4), (4, 5), call=lambda f, a, b: f("...k,kl->...l", a, b),
               note="ellipsis"),
             S((2, 1, 3), (4, 3), call=lambda f, a, b: f("...j,...j->...", a, b),
               note="broadcast ellipsis"),
             S((2, 3), (1, 4), call=lambda f, a, b: f("ij,jk->ik", a, b), note="size-1"),
             S((2, 3), (3,), (3, 4), call=lambda f, a, b, c: f("ij,j,jk->ik", a, b, c),
               note="three operands"),
             S((2, 3), (3, 4), call=lambda f, a, b: f("ij,kl->i", a, b), note="sums"),
             S((2, 3), (3, 4), call=lambda f, a, b: f(a, [0, 1], b, [1, 2], [0, 2]),
               note="sublists"),
             S((2, 3), (3, 4), call=lambda f, a, b: f("ij,jk", [a, b]), note="a list"),
             S(Arg((2, 3), "int", high=4), Arg((3,), "int", high=4),
               call=lambda f, a, b: f("ij,j->i", a, b), note="ints")],
    reference=lambda *args: _np_einsum(*args))
def einsum(*args: Any) -> Tensor:
    """Sums of products of the operands' elements, named by the letters of an equation,
    as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``,
    ``einsum("ii", a)`` the trace, ``einsum("...ij->...ji", a)`` a batched transpose.
    The operands can be given as a list, and in the sublist format
    (``einsum(a, [0, 1], b, [1, 2], [0, 2])``). Without ``->``, the output has the
    ellipsis dimensions, then the letters used once, in alphabetical order. Dimensions of
    size 1 broadcast. The gradient of each operand is again an einsum.

    Raises
    ------
    RuntimeError
        If the equation is malformed, does not match the number or dimensions of the
        operands, the sizes of a letter disagree, or the dtypes differ.
    """
    if args and isinstance(args[0], str):
        equation = args[0]
        rest = args[1:]
        operands = list(rest[0]) if len(rest) == 1 and isinstance(rest[0], (list, tuple)) \
            else list(rest)
    else:
        equation, operands = _from_sublists(args)
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, got {type(t).__name__}")
    texts, out = _explicit(equation, operands)
    for i, t in enumerate(operands[1:], 1):
        if t.dtype != operands[0].dtype:
            raise _fail(f"expected scalar type {operands[0].dtype} but found {t.dtype} "
                        f"(operand {i})")
    sizes = _sizes(texts, operands)
    cleaned = []
    for i, (t, text) in enumerate(zip(operands, texts)):
        keep = set(out).union(*(texts[j] for j in range(len(texts)) if j != i))
        cleaned.append(_clean(t, text, keep, sizes))
    equation = ",".join(text for _, text in cleaned) + "->" + out
    return Einsum.apply(*[t for t, _ in cleaned], equation=equation)


def _np_einsum(*args: Any) -> Any:
    """NumPy's einsum, with PyTorch's size-1 broadcasting done first."""
    import numpy

    if isinstance(args[0], str):
        equation = args[0]
        operands = list(args[1]) if len(args) == 2 and isinstance(args[1], list) else list(
            args[1:])
    else:
        return numpy.einsum(*args)
    lhs = equation.partition("->")[0]
    terms = lhs.split(",")
    if "..." not in equation:
        sizes: dict[str, int] = {}
        for term, a in zip(terms, operands):
            for c, n in zip(term, a.shape):
                sizes[c] = max(sizes.get(c, 1), n)
        operands = [numpy.broadcast_to(a, [sizes[c] for c in term])
                    for term, a in zip(terms, operands)]
    return numpy.einsum(equation, *operands)
