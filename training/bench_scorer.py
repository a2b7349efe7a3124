"""ONNX Runtime (through rascore, in Go) against PyTorch on the same scorer input, in one run.

    /usr/bin/python3 training/bench_scorer.py [--film FILE]

Runs `bin/rascore bench score --json --dump DIR`, which times the whole pipeline and the
scorer network alone in ONNX Runtime, and writes the exact patches of one hand (patches.f32,
N × S × S), their joints (joints.f32, N × 22 one-hot) and the network's outputs (jsn.f32,
erosion.f32); then times the same network in PyTorch on that batch with the same thread
count, checks the outputs agree, and prints the ratio.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from scorer_model import Scorer, ScorerConfig  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default="models/scorer.pt")
    ap.add_argument("--info", default="models/scorer.json")
    ap.add_argument("--film", default="samples/phantom-hand.dcm")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    info = json.loads(Path(args.info).read_text())
    size = info["spec"]["size"]
    joints = len(info["joints"])
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["bin/rascore", "bench", "score", args.film, "--json",
                              "--runs", str(args.runs), "--dump", tmp],
                             check=True, capture_output=True, text=True).stdout
        ort = json.loads(out)
        patches = np.fromfile(Path(tmp) / "patches.f32", dtype="<f4").reshape(-1, 1, size, size)
        onehot = np.fromfile(Path(tmp) / "joints.f32", dtype="<f4").reshape(-1, joints)
        ort_jsn = np.fromfile(Path(tmp) / "jsn.f32", dtype="<f4")
        ort_ero = np.fromfile(Path(tmp) / "erosion.f32", dtype="<f4")

    torch.set_num_threads(args.threads)
    model = Scorer(ScorerConfig(joints=joints,
                                jsn_classes=info["outputs"][0]["shape"][1],
                                erosion_classes=info["outputs"][1]["shape"][1]))
    model.load_state_dict(torch.load(args.weights))
    model.eval()
    x, j = torch.from_numpy(patches), torch.from_numpy(onehot)
    times = []
    with torch.no_grad():
        for _ in range(args.runs):
            start = time.perf_counter()
            a, b = model(x, j)
            times.append((time.perf_counter() - start) * 1000)
    torch_ms = float(np.median(times))
    diff = max(float(np.abs(a.numpy().ravel() - ort_jsn).max()),
               float(np.abs(b.numpy().ravel() - ort_ero).max()))
    print(json.dumps({
        "film": args.film, "threads": args.threads, "runs": args.runs,
        "patches": int(len(patches)),
        "onnxruntime_network_ms": ort["network_median_ms"],
        "pytorch_network_ms": round(torch_ms, 2),
        "pytorch_over_onnxruntime": round(torch_ms / ort["network_median_ms"], 2),
        "max_abs_output_difference": diff,
        "pipeline_median_ms": ort["pipeline_median_ms"],
        "peak_rss_mb": ort["peak_rss_mb"],
    }, indent=2))


if __name__ == "__main__":
    main()
