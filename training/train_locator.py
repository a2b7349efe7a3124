"""Trains the locator on shards from `rascore dataset locate` and exports models/locator.onnx.

    /usr/bin/python3 training/train_locator.py --shards /work/shards/locate --out models

The loop only reads bytes and point lists the Go side wrote; see shards.py for the targets.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from locator_model import Locator, LocatorConfig  # noqa: E402
from shards import heatmaps, load_locate  # noqa: E402


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def batch_tensors(part, idx, meta, phantom_only):
    """Images, heat-map targets and a (B, K) weight that is 0 where a channel's target is
    ignored: the channels in phantom_only on atlas views."""
    images = torch.from_numpy(part.images[idx].astype(np.float32) / 255.0)[:, None]
    targets = torch.from_numpy(heatmaps(part.points[idx], meta))
    weight = np.ones((len(idx), len(meta["channels"])), dtype=np.float32)
    atlas = part.sources[idx] == 0
    for c in phantom_only:
        weight[atlas, c] = 0
    return images, targets, torch.from_numpy(weight)


def weighted_mse(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    # Heat maps are mostly zero; weight the Gaussian bumps so the peaks are learnt. Channels
    # with weight 0 add nothing (their element count still divides, so losses stay comparable).
    return ((pred - target) ** 2 * (1 + 20 * target) * weight[:, :, None, None]).mean()


def decode_errors(pred: np.ndarray, points: np.ndarray, weight: np.ndarray,
                  stride: int) -> list[float]:
    """Distance (input px) from each visible, weighted target to its channel's peak (nearest
    hand)."""
    errs = []
    b, k, m, _ = pred.shape
    for i in range(b):
        for c in range(k):
            if weight[i, c] == 0:
                continue
            flat = int(pred[i, c].argmax())
            hy, hx = divmod(flat, m)
            x, y = (hx + 0.5) * stride - 0.5, (hy + 0.5) * stride - 0.5
            vis = points[i, :, c, 2] > 0.5
            if vis.any():
                d = np.hypot(points[i, vis, c, 0] - x, points[i, vis, c, 1] - y)
                errs.append(float(d.min()))
    return errs


def evaluate(model, part, meta, batch, phantom_only):
    model.eval()
    losses, errs = [], []
    with torch.no_grad():
        for s in range(0, len(part.images), batch):
            idx = np.arange(s, min(s + batch, len(part.images)))
            x, y, w = batch_tensors(part, idx, meta, phantom_only)
            p = model(x)
            losses.append(float(weighted_mse(p, y, w)) * len(idx))
            errs += decode_errors(p.numpy(), part.points[idx], w.numpy(),
                                  meta["heatmap_stride"])
    model.train()
    return sum(losses) / len(part.images), float(np.median(errs)), float(np.percentile(errs, 95))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shards", required=True)
    ap.add_argument("--out", default="models")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--minutes", type=float, default=70, help="stop after this long")
    ap.add_argument("--init", help="start from these weights (a .pt this script saved)")
    ap.add_argument("--atlas-share", type=float, default=1.0,
                    help="share of the atlas training views drawn each epoch (phantoms: all)")
    ap.add_argument("--phantom-only", default="",
                    help="comma-separated channels learnt from phantoms only: their atlas "
                         "targets are ignored (where the two sources define a point differently)")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)

    shard = load_locate(args.shards)
    meta = shard.meta
    train, valid = shard.parts["train"], shard.parts["valid"]
    log(f"train {len(train.images)} views, valid {len(valid.images)} views")
    names = [c for c in args.phantom_only.split(",") if c]
    unknown = [c for c in names if c not in meta["channels"]]
    if unknown:
        sys.exit(f"--phantom-only: no channel {', '.join(unknown)} (channels: "
                 f"{', '.join(meta['channels'])})")
    phantom_only = [meta["channels"].index(c) for c in names]

    cfg = LocatorConfig(outputs=len(meta["channels"]))
    model = Locator(cfg)
    if args.init:
        model.load_state_dict(torch.load(args.init))
        log(f"starting from {args.init}")
    atlas = np.flatnonzero(train.sources == 0)
    phantom = np.flatnonzero(train.sources == 1)
    per_epoch = len(phantom) + int(round(args.atlas_share * len(atlas)))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(per_epoch / args.batch)
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total,
                                                pct_start=0.1)
    start = time.time()
    best = (float("inf"), None, 0)
    history = []
    for epoch in range(args.epochs):
        drawn = np.random.permutation(atlas)[:per_epoch - len(phantom)]
        order = np.random.permutation(np.concatenate([phantom, drawn]))
        running = 0.0
        for s in range(0, len(order), args.batch):
            idx = np.sort(order[s:s + args.batch])
            x, y, w = batch_tensors(train, idx, meta, phantom_only)
            loss = weighted_mse(model(x), y, w)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            running += float(loss) * len(idx)
        vloss, vmed, v95 = evaluate(model, valid, meta, 32, phantom_only)
        minutes = (time.time() - start) / 60
        history.append({"epoch": epoch + 1, "train_loss": running / len(order),
                        "valid_loss": vloss, "valid_median_px": vmed, "valid_p95_px": v95,
                        "minutes": round(minutes, 1)})
        log(f"epoch {epoch + 1}: train {running / len(order):.5f} valid {vloss:.5f} "
            f"median {vmed:.2f} px p95 {v95:.2f} px ({minutes:.1f} min)")
        if vloss < best[0]:
            best = (vloss, {k: v.clone() for k, v in model.state_dict().items()}, epoch + 1)
        if minutes > args.minutes:
            log("time limit reached")
            break

    model.load_state_dict(best[1])
    export(model, meta, args, best[2], history)


def export(model, meta, args, best_epoch, history) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / "locator.onnx"
    model.eval()
    size = meta["input_size"]
    dummy = torch.zeros(1, 1, size, size)
    torch.onnx.export(model, dummy, onnx_path, input_names=["image"],
                      output_names=["heatmaps"], opset_version=13,
                      dynamic_axes={"image": {0: "batch"}, "heatmaps": {0: "batch"}})
    # The PyTorch weights too, for the ONNX Runtime against PyTorch benchmark.
    torch.save(model.state_dict(), out / "locator.pt")
    digest = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    info = {
        "schema": "rascore.model/v1",
        "name": "locator",
        "version": time.strftime("%Y%m%d") + f"-s{args.seed}",
        "sha256": digest,
        "input": {"name": "image", "shape": [1, 1, size, size], "dtype": "float32",
                  "range": "0..1, bytes/255 after crop.Normalise"},
        "output": {"name": "heatmaps", "shape": [1, len(meta["channels"]), size // meta[
            "heatmap_stride"], size // meta["heatmap_stride"]], "dtype": "float32"},
        "channels": meta["channels"],
        "heatmap_stride": meta["heatmap_stride"],
        "heatmap_sigma": meta["heatmap_sigma"],
        "normalisation": meta["normalisation"],
        "training": {
            "command": "/usr/bin/python3 training/train_locator.py " + " ".join(sys.argv[1:]),
            "seed": args.seed, "best_epoch": best_epoch, "torch": torch.__version__,
            "shard_options": json.loads(json.dumps(meta.get("options", {}))),
            "history": history,
        },
    }
    (out / "locator.json").write_text(json.dumps(info, indent=2) + "\n")
    log(f"wrote {onnx_path} ({onnx_path.stat().st_size} bytes) and locator.json")


if __name__ == "__main__":
    main()
