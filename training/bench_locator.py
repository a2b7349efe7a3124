"""ONNX Runtime (through rascore, in Go) against PyTorch on the same locator input, in one run.

    /usr/bin/python3 training/bench_locator.py --weights models/locator.pt [--film FILE]

Runs `bin/rascore bench locate --json --dump DIR`, which times the network in ONNX Runtime and
writes the exact input view and its heat maps; then times the same network in PyTorch on that
input with the same thread count, checks the outputs agree, and prints the ratio.
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
from locator_model import Locator, LocatorConfig  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default="models/locator.pt")
    ap.add_argument("--info", default="models/locator.json")
    ap.add_argument("--film", default="samples/phantom-hand.dcm")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    info = json.loads(Path(args.info).read_text())
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["bin/rascore", "bench", "locate", args.film, "--json",
                              "--runs", str(args.runs), "--dump", tmp],
                             check=True, capture_output=True, text=True).stdout
        ort = json.loads(out)
        view = np.fromfile(Path(tmp) / "view.f32", dtype="<f4")
        ort_maps = np.fromfile(Path(tmp) / "heatmaps.f32", dtype="<f4")

    size = info["input"]["shape"][2]
    torch.set_num_threads(args.threads)
    model = Locator(LocatorConfig(outputs=len(info["channels"])))
    model.load_state_dict(torch.load(args.weights))
    model.eval()
    x = torch.from_numpy(view.reshape(1, 1, size, size))
    times = []
    with torch.no_grad():
        for _ in range(args.runs):
            start = time.perf_counter()
            y = model(x)
            times.append((time.perf_counter() - start) * 1000)
    torch_ms = float(np.median(times))
    diff = float(np.abs(y.numpy().ravel() - ort_maps).max())
    print(json.dumps({
        "film": args.film, "threads": args.threads, "runs": args.runs,
        "onnxruntime_network_ms": ort["network_median_ms"],
        "pytorch_network_ms": round(torch_ms, 2),
        "pytorch_over_onnxruntime": round(torch_ms / ort["network_median_ms"], 2),
        "max_abs_output_difference": diff,
        "locate_median_ms": ort["locate_median_ms"],
    }, indent=2))


if __name__ == "__main__":
    main()
