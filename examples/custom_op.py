"""A user-defined differentiable op: LeCun's scaled tanh, ``1.7159 * tanh(2x / 3)``.

LeNet-5's original paper used this squashing function. Adding it takes what adding an op
to minigrad itself takes, two pieces: a ``Function`` (forward on backend arrays, backward
written with tensor ops, so that gradients of gradients work too) and its row in the op
table (:func:`minigrad.optable.op`), which gives it a Tensor method and declares samples
and a NumPy reference. ``gradcheck`` and ``gradgradcheck`` compare the gradients with
finite differences, and the op is then used inside a module and trained.

    python examples/custom_op.py [--steps 200]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy

import minigrad
from minigrad import nn, optim
from minigrad.autograd import Function
from minigrad.optable import TABLE, S, op
from minigrad.testing import gradcheck, gradgradcheck

A, SLOPE = 1.7159, 2.0 / 3.0


class ScaledTanh(Function):
    """``A * tanh(SLOPE * x)``; its derivative is ``A * SLOPE * (1 - tanh(SLOPE * x)**2)``."""

    def forward(ctx, x: Any) -> Any:
        out = A * ctx.xp.tanh(SLOPE * x)
        ctx.save(out)  # saving the returned array gives backward the output *tensor*
        return out

    def backward(ctx, grad: minigrad.Tensor) -> minigrad.Tensor:
        (out,) = ctx.saved
        t = out / A
        return grad * (A * SLOPE) * (1 - t * t)


@op("scaled_tanh", ScaledTanh, method=True, samples=[S((5, 3)), S((4,), transposed=True)],
    reference=lambda x: A * numpy.tanh(SLOPE * x))
def scaled_tanh(input: minigrad.Tensor) -> minigrad.Tensor:
    """LeCun's scaled tanh, ``1.7159 * tanh(2x / 3)``."""
    return ScaledTanh.apply(input)


class LeCunTanh(nn.Module):
    """The op as a layer."""

    def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
        return x.scaled_tanh()  # the row bound the method


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(
        description="A user-defined op (LeCun's scaled tanh): check its gradients against "
                    "finite differences, then train a small model with it."
    )
    parser.add_argument("--steps", type=int, default=200, help="training steps (default 200)")
    args = parser.parse_args(argv)

    minigrad.manual_seed(0)
    x = minigrad.randn(5, 3, dtype=minigrad.float64, requires_grad=True)
    reference = TABLE["scaled_tanh"].reference
    assert reference is not None
    same = numpy.allclose(scaled_tanh(x).detach().numpy(), reference(x.detach().numpy()))
    print("matches the reference:", same)
    print("gradcheck:", gradcheck(scaled_tanh, [x]))
    print("gradgradcheck:", gradgradcheck(scaled_tanh, [x]))

    # fit y = sin(x) on [-2, 2] with the custom activation
    inputs = minigrad.linspace(-2, 2, 64).reshape(64, 1)
    targets = inputs.sin()
    model = nn.Sequential(nn.Linear(1, 16), LeCunTanh(), nn.Linear(16, 1))
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    for _ in range(args.steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(inputs), targets)
        loss.backward()
        optimizer.step()
    print(f"final mse {float(loss):.5f}")
    print(f"graph node of the op: {x.scaled_tanh().grad_fn}")
    return float(loss)


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    main()
