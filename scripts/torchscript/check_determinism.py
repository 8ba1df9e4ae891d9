"""Is training attention bit-identical run to run on this device, and what does determinism mode cost?

docs/design.md#determinism-on-cuda: in determinism mode (OURO_DETERMINISTIC=1, the default) training on a GPU uses
eager attention (matmul + softmax) instead of SDPA, whose memory-efficient / flash backward accumulates with atomics.
This script runs the two attention paths of ops.pt (sdpa_causal, and the eager formula) forward + backward twice on
identical inputs at a training shape (default OPT-125m's heads, 64 blocks of 64 tokens) and reports whether the
outputs and gradients are bitwise equal between the runs, and the time of each path per call.
CUBLAS_WORKSPACE_CONFIG must be set before the process starts (scripts/ouro does it for the JVM):

  CUBLAS_WORKSPACE_CONFIG=:4096:8 python3 scripts/torchscript/check_determinism.py --device cuda

One line per (path, dtype); exit 0 unless eager (the determinism path) differs between runs.
"""
import argparse
import os
import sys
import time

import torch


def eager(q, k, v):
    t = q.size(2)
    mask = torch.full((t, t), float("-inf"), device=q.device).triu(1)
    scores = (q @ k.transpose(-1, -2)).float() + mask  # fp32 scores and softmax, as the Java eager path
    return torch.softmax(scores, dim=-1).to(v.dtype) @ v


def run(fn, q, k, v, g):
    q, k, v = (x.detach().clone().requires_grad_() for x in (q, k, v))
    out = fn(q, k, v)
    out.backward(g)
    return [out.detach(), q.grad, k.grad, v.grad]


def timed(fn, q, k, v, g, dev, reps):
    sync = torch.cuda.synchronize if dev.startswith("cuda") else (lambda: None)
    run(fn, q, k, v, g)
    sync()
    t0 = time.perf_counter()
    for _ in range(reps):
        run(fn, q, k, v, g)
    sync()
    return (time.perf_counter() - t0) / reps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("ops", nargs="?", default="models/src/main/resources/dev/ouroboros/models/ops.pt")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--reps", type=int, default=20)
    a = ap.parse_args()
    s = torch.jit.load(a.ops, map_location=a.device)
    name = torch.cuda.get_device_name() if a.device.startswith("cuda") else "cpu"
    print(f"{name}, torch {torch.__version__}, CUBLAS_WORKSPACE_CONFIG={os.environ.get('CUBLAS_WORKSPACE_CONFIG')}")
    bad = False
    for dtype in (torch.float32, torch.bfloat16):
        torch.manual_seed(0)
        shape = (a.batch, 12, a.seq, 64)
        q, k, v, g = (torch.randn(shape, device=a.device, dtype=dtype) for _ in range(4))
        q = q / 8
        for label, fn in (("sdpa", lambda q, k, v: s.sdpa_causal(q, k, v)), ("eager", eager)):
            first, second = run(fn, q, k, v, g), run(fn, q, k, v, g)
            same = all(torch.equal(x, y) for x, y in zip(first, second))
            diff = max((x.float() - y.float()).abs().max().item() for x, y in zip(first, second))
            sec = timed(fn, q, k, v, g, a.device, a.reps)
            print(f"{label:5s} {str(dtype)[6:]:8s} run-to-run bitwise equal: {same} (max diff {diff:.3g}); "
                  f"fwd+bwd {sec * 1e3:.3f} ms per call, {shape}")
            bad |= label == "eager" and not same
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
