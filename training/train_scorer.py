"""Trains the scorer on shards from `rascore dataset score` and exports models/scorer.onnx.

    /usr/bin/python3 training/train_scorer.py --shards /work/shards/score --out /work/train-score

Loss: the negative log-likelihood of the true grade under each ordinal head (a head is skipped
where its grade is -1, not scored at that joint). After training, each head's temperature is
fitted on the validation part (the NLL over a grid), which calibrates the probabilities.
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
from scorer_model import Scorer, ScorerConfig  # noqa: E402
from shards import ScorePart, load_score  # noqa: E402


def load_scores(folders):
    """Loads and joins shard folders; their patch spec and joint order must agree."""
    metas, joined = [], {}
    for f in folders:
        meta, parts = load_score(f)
        if metas and (meta["spec"] != metas[0]["spec"] or meta["joints"] != metas[0]["joints"]):
            raise ValueError(f"{f}: patch spec or joints differ from {folders[0]}")
        metas.append(meta)
        for name, p in parts.items():
            if name in joined:
                q = joined[name]
                p = ScorePart(name, np.concatenate([q.images, p.images]),
                              np.concatenate([q.labels, p.labels]),
                              np.concatenate([q.sources, p.sources]))
            joined[name] = p
    meta = dict(metas[0])
    meta["options"] = [m.get("options", {}) for m in metas]
    meta["parts"] = [{"folder": f, "parts": m["parts"]} for f, m in zip(folders, metas)]
    return meta, joined


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def tensors(part, idx, joints):
    x = torch.from_numpy(part.images[idx].astype(np.float32) / 255.0)[:, None]
    onehot = torch.zeros(len(idx), joints)
    onehot[torch.arange(len(idx)), torch.from_numpy(part.labels[idx, 0].astype(np.int64))] = 1
    jsn = torch.from_numpy(part.labels[idx, 1].astype(np.int64))
    ero = torch.from_numpy(part.labels[idx, 2].astype(np.int64))
    return x, onehot, jsn, ero


def nll(probs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    mask = target >= 0
    if not mask.any():
        return probs.sum() * 0
    p = probs[mask].gather(1, target[mask][:, None]).squeeze(1)
    return -(p + 1e-7).log().mean()


def predict(model, part, joints, batch=256):
    model.eval()
    pj, pe = [], []
    with torch.no_grad():
        for s in range(0, len(part.images), batch):
            idx = np.arange(s, min(s + batch, len(part.images)))
            x, j, _, _ = tensors(part, idx, joints)
            a, b = model(x, j)
            pj.append(a)
            pe.append(b)
    model.train()
    return torch.cat(pj), torch.cat(pe)


def summary(pj, pe, part):
    out = {}
    for name, p, col in (("jsn", pj, 1), ("erosion", pe, 2)):
        t = torch.from_numpy(part.labels[:, col].astype(np.int64))
        m = t >= 0
        out[name + "_nll"] = float(nll(p, t))
        out[name + "_exact"] = float((p[m].argmax(1) == t[m]).float().mean())
    return out


def fit_temperature(model, head, part, joints, col):
    """The temperature that minimises the head's validation NLL (grid search).

    The network runs once: the head's scores are kept and only the temperature varies.
    """
    scores = []
    captured = head.score.register_forward_hook(lambda m, i, o: scores.append(o.detach()))
    predict(model, part, joints)
    captured.remove()
    s = torch.cat(scores)
    target = torch.from_numpy(part.labels[:, col].astype(np.int64))
    best = (float("inf"), 1.0)
    with torch.no_grad():
        b = head.thresholds()[None]
        for t in np.exp(np.linspace(math.log(0.5), math.log(3.0), 41)):
            cum = torch.sigmoid((s - b) / float(t))
            upper = torch.cat([torch.ones_like(cum[:, :1]), cum], 1)
            lower = torch.cat([cum, torch.zeros_like(cum[:, :1])], 1)
            loss = float(nll((upper - lower).clamp_min(0), target))
            if loss < best[0]:
                best = (loss, float(t))
    head.temperature.fill_(best[1])
    return best[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shards", required=True, nargs="+",
                    help="one or more shard folders with the same patch spec; parts are joined")
    ap.add_argument("--out", default="models")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--minutes", type=float, default=45, help="stop after this long")
    ap.add_argument("--init", help="start from these weights (a .pt this script saved)")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)

    meta, parts = load_scores(args.shards)
    train, valid = parts["train"], parts["valid"]
    joints = len(meta["joints"])
    log(f"train {len(train.images)} patches, valid {len(valid.images)} patches")

    cfg = ScorerConfig(joints=joints, jsn_classes=meta["max_jsn"] + 1,
                       erosion_classes=meta["max_erosion"] + 1)
    model = Scorer(cfg)
    if args.init:
        model.load_state_dict(torch.load(args.init))
        model.jsn.temperature.fill_(1.0)
        model.erosion.temperature.fill_(1.0)
        log(f"starting from {args.init} (temperatures reset to 1)")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = math.ceil(len(train.images) / args.batch) * args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps,
                                                pct_start=0.15)
    start = time.time()
    best = (float("inf"), None, 0)
    history = []
    for epoch in range(args.epochs):
        order = np.random.permutation(len(train.images))
        running, n = 0.0, 0
        for s in range(0, len(order), args.batch):
            idx = np.sort(order[s:s + args.batch])
            x, j, tj, te = tensors(train, idx, joints)
            pj, pe = model(x, j)
            loss = nll(pj, tj) + nll(pe, te)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched.last_epoch + 1 < steps:
                sched.step()
            running, n = running + float(loss) * len(idx), n + len(idx)
            if (s // args.batch) % 200 == 0:
                log(f"epoch {epoch + 1} step {s // args.batch}: loss {running / n:.4f}")
            if (time.time() - start) / 60 > args.minutes:
                break
        v = summary(*predict(model, valid, joints), valid)
        minutes = (time.time() - start) / 60
        row = {"epoch": epoch + 1, "train_loss": running / n, **v, "minutes": round(minutes, 1)}
        history.append(row)
        log(json.dumps(row))
        vloss = v["jsn_nll"] + v["erosion_nll"]
        if vloss < best[0]:
            best = (vloss, {k: t.clone() for k, t in model.state_dict().items()}, epoch + 1)
        if minutes > args.minutes:
            log("time limit reached")
            break

    model.load_state_dict(best[1])
    tj = fit_temperature(model, model.jsn, valid, joints, 1)
    te = fit_temperature(model, model.erosion, valid, joints, 2)
    calibrated = summary(*predict(model, valid, joints), valid)
    log(f"temperatures jsn {tj:.3f} erosion {te:.3f}; valid after {calibrated}")
    export(model, meta, args, best[2], history, {"jsn": tj, "erosion": te}, calibrated)


def export(model, meta, args, best_epoch, history, temps, calibrated) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / "scorer.onnx"
    model.eval()
    size = meta["spec"]["size"]
    joints = len(meta["joints"])
    dummy = (torch.zeros(1, 1, size, size), torch.zeros(1, joints))
    torch.onnx.export(model, dummy, onnx_path, input_names=["image", "joint"],
                      output_names=["jsn", "erosion"], opset_version=13,
                      dynamic_axes={"image": {0: "batch"}, "joint": {0: "batch"},
                                    "jsn": {0: "batch"}, "erosion": {0: "batch"}})
    torch.save(model.state_dict(), out / "scorer.pt")
    digest = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    info = {
        "schema": "rascore.model/v1",
        "name": "scorer",
        "version": time.strftime("%Y%m%d") + f"-s{args.seed}",
        "sha256": digest,
        "inputs": [
            {"name": "image", "shape": [-1, 1, size, size], "dtype": "float32",
             "range": "0..1, bytes/255 after crop.SitePatch"},
            {"name": "joint", "shape": [-1, joints], "dtype": "float32",
             "range": "one-hot over joints"},
        ],
        "outputs": [
            {"name": "jsn", "shape": [-1, meta["max_jsn"] + 1], "dtype": "float32"},
            {"name": "erosion", "shape": [-1, meta["max_erosion"] + 1], "dtype": "float32"},
        ],
        "joints": meta["joints"],
        "spec": meta["spec"],
        "normalisation": meta["normalisation"],
        "temperatures": temps,
        "valid_after_calibration": calibrated,
        "training": {
            "command": "/usr/bin/python3 training/train_scorer.py " + " ".join(sys.argv[1:]),
            "seed": args.seed, "best_epoch": best_epoch, "torch": torch.__version__,
            "shard_options": json.loads(json.dumps(meta.get("options", {}))),
            "shard_counts": meta["parts"],
            "history": history,
        },
    }
    (out / "scorer.json").write_text(json.dumps(info, indent=2) + "\n")
    log(f"wrote {onnx_path} ({onnx_path.stat().st_size} bytes) and scorer.json")


if __name__ == "__main__":
    main()
