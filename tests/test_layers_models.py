"""Small models made of the new layers train like their PyTorch twins: the same weights,
the same batches, a few SGD steps, the same losses and weights afterwards."""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad
from minigrad import nn, optim
from tests.torch_pairs import copy_state

torch = pytest.importorskip("torch")


def mobilenet_like(lib_nn: Any) -> Any:
    """Inverted-residual flavoured classifier: ReLU6, Hardswish, a Hardsigmoid gate,
    GroupNorm, PReLU, 1-D pooling of the flattened features."""
    return lib_nn.Sequential(
        lib_nn.Conv2d(3, 8, 3, padding=1), lib_nn.GroupNorm(2, 8), lib_nn.ReLU6(),
        lib_nn.ZeroPad2d((1, 0, 1, 0)), lib_nn.Conv2d(8, 8, 3, groups=8), lib_nn.Hardswish(),
        lib_nn.Conv2d(8, 8, 1), lib_nn.Hardsigmoid(), lib_nn.AdaptiveAvgPool2d(2),
        lib_nn.Flatten(1), lib_nn.Unflatten(1, (1, 32)), lib_nn.MaxPool1d(2),
        lib_nn.Flatten(1), lib_nn.Linear(16, 10), lib_nn.PReLU(),
    )


def unet_like(lib_nn: Any) -> Any:
    """A decoder: reflection padding, instance norm, Mish, bilinear upsampling, pixel
    shuffle back to 3 channels."""
    return lib_nn.Sequential(
        lib_nn.ReflectionPad2d(1), lib_nn.Conv2d(3, 8, 3), lib_nn.InstanceNorm2d(8, affine=True),
        lib_nn.Mish(), lib_nn.Upsample(scale_factor=2, mode="bilinear"),
        lib_nn.Conv2d(8, 12, 3, padding=1), lib_nn.PixelUnshuffle(2),
        lib_nn.Conv2d(48, 12, 1), lib_nn.PixelShuffle(2), lib_nn.SiLU(),
    )


@pytest.mark.parametrize("kind", ["mobilenet", "unet"])
def test_small_models_of_new_layers_train_like_pytorch(kind: str) -> None:
    minigrad.manual_seed(0)
    build = mobilenet_like if kind == "mobilenet" else unet_like
    ours, theirs = build(nn).double(), build(torch.nn).double()
    copy_state(ours, theirs)
    our_opt = optim.SGD(ours.parameters(), lr=0.05, momentum=0.9)
    their_opt = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9)
    rng = numpy.random.default_rng(0)
    our_losses, their_losses = [], []
    for _ in range(4):
        x = rng.standard_normal((4, 3, 6, 6))
        if kind == "mobilenet":
            y = rng.integers(0, 10, 4)
            our_loss = nn.CrossEntropyLoss()(ours(minigrad.tensor(x)), minigrad.tensor(y))
            their_loss = torch.nn.CrossEntropyLoss()(theirs(torch.from_numpy(x)),
                                                     torch.from_numpy(y))
        else:
            target = rng.standard_normal((4, 3, 12, 12))
            our_loss = nn.HuberLoss(delta=0.5)(ours(minigrad.tensor(x)), minigrad.tensor(target))
            their_loss = torch.nn.HuberLoss(delta=0.5)(theirs(torch.from_numpy(x)),
                                                       torch.from_numpy(target))
        for opt, loss in ((our_opt, our_loss), (their_opt, their_loss)):
            opt.zero_grad()
            loss.backward()
            opt.step()
        our_losses.append(float(our_loss))
        their_losses.append(their_loss.item())
    numpy.testing.assert_allclose(our_losses, their_losses, rtol=1e-9)
    theirs_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        numpy.testing.assert_allclose(value.numpy(), theirs_state[name].numpy(), rtol=1e-8,
                                      atol=1e-10, err_msg=name)
