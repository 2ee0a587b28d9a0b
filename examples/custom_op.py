"""A user-defined differentiable op: LeCun's scaled tanh, ``1.7159 * tanh(2x / 3)``.

LeNet-5's original paper used this squashing function. Defining it as a ``Function``
takes a forward on raw arrays and a backward written with tensor ops (so that gradients
of gradients work too). ``gradcheck`` and ``gradgradcheck`` compare both with finite
differences, and the op is then used inside a module and trained.

    python examples/custom_op.py [--steps 200]
"""

from __future__ import annotations

import argparse
from typing import Any

import minigrad
from minigrad import nn, optim
from minigrad.autograd import Function
from minigrad.testing import gradcheck, gradgradcheck

A, S = 1.7159, 2.0 / 3.0


class ScaledTanh(Function):
    """``A * tanh(S * x)``; its derivative is ``A * S * (1 - tanh(S * x)**2)``."""

    save_output = True

    def forward(ctx, x: Any) -> Any:
        return A * ctx.xp.tanh(S * x)

    def backward(ctx, grad: minigrad.Tensor) -> minigrad.Tensor:
        (out,) = ctx.saved
        t = out / A
        return grad * (A * S) * (1 - t * t)


def scaled_tanh(x: minigrad.Tensor) -> minigrad.Tensor:
    """Apply :class:`ScaledTanh`."""
    return ScaledTanh.apply(x)


class LeCunTanh(nn.Module):
    """The op as a layer."""

    def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
        return scaled_tanh(x)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(
        description="A user-defined op (LeCun's scaled tanh): check its gradients against "
                    "finite differences, then train a small model with it."
    )
    parser.add_argument("--steps", type=int, default=200, help="training steps (default 200)")
    args = parser.parse_args(argv)

    minigrad.manual_seed(0)
    x = minigrad.randn(5, 3, dtype=minigrad.float64, requires_grad=True)
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
    print(f"graph node of the op: {scaled_tanh(x).grad_fn}")
    return float(loss)


if __name__ == "__main__":
    main()
