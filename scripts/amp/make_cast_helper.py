"""Differentiable dtype-cast helpers for DJL (DJL-NOTES §3 option 2, red flag 2).

DJL's toType runs under NoGradGuard, so a cast inside the model would cut the autograd graph. These TorchScript
modules do the cast inside libtorch instead; called with IValueUtils.forward(block, list, /*isTrain=*/true) the
cast is recorded by autograd and gradients flow back to an fp32 master parameter.

  forward(x)  -> x.to(<half dtype>)
  to_fp32(x)  -> x.to(torch.float32)   (call with an extra array named "module_method:to_fp32")

Usage: .venv/bin/python scripts/amp/make_cast_helper.py harness/src/test/resources/amp
Writes cast_fp16.pt and cast_bf16.pt (scripted with the venv's torch; libtorch 2.7.1 loads file format 3).
"""
import sys
from pathlib import Path

import torch


class CastFp16(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float16)

    @torch.jit.export
    def to_fp32(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float32)


class CastBf16(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16)

    @torch.jit.export
    def to_fp32(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float32)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "harness/src/test/resources/amp")
    out.mkdir(parents=True, exist_ok=True)
    for name, mod in (("cast_fp16.pt", CastFp16()), ("cast_bf16.pt", CastBf16())):
        s = torch.jit.script(mod)
        # self-check: the cast is differentiable in Python too
        w = torch.randn(3, requires_grad=True)
        s(w).float().mul(2).sum().backward()
        assert torch.equal(w.grad, torch.full((3,), 2.0)), w.grad
        s.save(str(out / name))
        print("wrote", out / name, "torch", torch.__version__)


if __name__ == "__main__":
    main()
