"""Train LeNet-5 data-parallel on several processes (and machines) with minigrad.distributed.

Every process (rank) holds a replica of the model and trains on its own share of each
epoch (a DistributedSampler); after each backward, DistributedDataParallel averages the
gradients over the ranks, so all replicas take the same optimizer step. Rank 0 alone
prints the logs, evaluates, and writes the checkpoint and the training curves. The model,
the data and the plots are those of examples/lenet5.py.

    pip install -e ".[examples,distributed]"
    mpiexec -n 4 python -m mpi4py examples/lenet5_ddp.py
    mpiexec -n 2 python -m mpi4py examples/lenet5_ddp.py --epochs 1 --limit 256 --out /tmp/q

``-m mpi4py`` makes an exception on any rank abort the whole job instead of leaving the
other ranks waiting forever in their next collective.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import minigrad
import minigrad.distributed as dist
import minigrad.nn.functional as F
from minigrad import optim
from minigrad.data import DataLoader, Subset
from minigrad.data.datasets import Digits
from minigrad.data.distributed import DistributedSampler
from minigrad.nn.parallel import DistributedDataParallel

sys.path.insert(0, str(Path(__file__).resolve().parent))  # to share lenet5.py's pieces
from lenet5 import METRICS, LeNet5, evaluate, plot_curves, write_metrics


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Train on this rank's shards; return the model, optimizer and (on rank 0) curves."""
    rank, world_size = dist.get_rank(), dist.get_world_size()
    minigrad.manual_seed(args.seed)
    train_set: Any = Digits(train=True)
    if args.limit:
        train_set = Subset(train_set, range(min(args.limit, len(train_set))))
    sampler = DistributedSampler(train_set, shuffle=True, seed=args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, sampler=sampler,
                              num_workers=args.workers)
    test_loader = DataLoader(Digits(train=False), batch_size=256)

    model = DistributedDataParallel(LeNet5(activation=args.activation))
    # the global batch is world_size * batch_size: scale the learning rate with it
    lr = args.lr * world_size if args.scale_lr else args.lr
    optimizer = optim.Adam(model.parameters(), lr=lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    history: dict[str, list[float]] = {name: [] for name in METRICS}
    start = time.perf_counter()
    if rank == 0:
        print(f"{world_size} ranks x batch {args.batch_size} = global batch "
              f"{world_size * args.batch_size}, lr {lr:g}, {len(sampler)} samples per rank")

    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)  # a new shuffle, the same on every rank
        totals = minigrad.zeros(3, dtype=minigrad.float64)  # loss sum, correct, seen
        for images, labels in train_loader:
            optimizer.zero_grad()
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
            loss.backward()  # returns with the gradients averaged over the ranks
            optimizer.step()
            with minigrad.no_grad():
                totals += minigrad.tensor([float(loss) * len(labels),
                                           float((logits.argmax(1) == labels).sum()),
                                           float(len(labels))], dtype=minigrad.float64)
        scheduler.step()
        dist.all_reduce(totals)  # the epoch's statistics over all ranks' samples
        loss_sum, correct, seen = totals.tolist()
        if rank == 0:  # model.module: evaluation on one rank must not communicate
            test_loss, test_acc = evaluate(model.module, test_loader)
            row = (epoch, loss_sum / seen, correct / seen, test_loss, test_acc,
                   time.perf_counter() - start)
            for name, value in zip(METRICS, row):
                history[name].append(value)
            print(f"epoch {epoch:2d}  loss {row[1]:.4f} (test {test_loss:.4f})  "
                  f"acc {row[2]:.4f} (test {test_acc:.4f})", flush=True)
    return {"model": model, "optimizer": optimizer, "history": history}


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32, help="per rank")
    parser.add_argument("--lr", type=float, default=3e-3, help="for one rank")
    parser.add_argument("--no-scale-lr", dest="scale_lr", action="store_false",
                        help="keep --lr instead of multiplying it by the number of ranks")
    parser.add_argument("--activation", choices=["tanh", "relu"], default="tanh")
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    parser.add_argument("--out", type=Path, default=Path("runs/lenet5_ddp"))
    parser.add_argument("--limit", type=int, default=0,
                        help="train on the first N training images only (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    started_here = not dist.is_initialized()
    if started_here:
        dist.init_process_group()
    start = time.perf_counter()
    result = train(args)
    accuracy: list[Any] = [None]
    if dist.get_rank() == 0:  # one writer: the replicas are identical
        history = result["history"]
        args.out.mkdir(parents=True, exist_ok=True)
        checkpoint = args.out / "lenet5_checkpoint.npz"
        minigrad.save({"model": result["model"].module.state_dict(),
                       "optimizer": result["optimizer"].state_dict(),
                       "epochs": args.epochs, "world_size": dist.get_world_size()}, checkpoint)
        plot_curves(history, args.out / "curves.png")
        write_metrics(history, args.out / "metrics.csv")
        accuracy[0] = history["test_acc"][-1]
        print(f"test accuracy {accuracy[0]:.4f}  ({time.perf_counter() - start:.1f} s)")
        print(f"saved {checkpoint} and {args.out / 'curves.png'}")
    dist.broadcast_object_list(accuracy, src=0)
    if started_here:
        dist.destroy_process_group()
    return float(accuracy[0])


if __name__ == "__main__":
    main()
