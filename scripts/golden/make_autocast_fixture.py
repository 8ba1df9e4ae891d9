#!/usr/bin/env python3
"""Golden fixture for mixed precision: what torch.autocast computes on the three golden tiny OPT checkpoints.

    .venv/bin/python scripts/golden/make_autocast_fixture.py

For each case in models/src/test/resources/golden and each of fp32 / fp16 / bf16 (torch.autocast("cpu", dtype)),
with dropout 0 and one thread, on fixed ids, with HF's eager attention (top-level keys) and with its SDPA attention
(under "sdpa"): the mean next-token loss (cross-entropy on the
fp32-cast logits), the first 100 logits of the last position of every row, and the L2 norm of every parameter's gradient.
With SDPA, fp16 and bf16 are also computed with torch's math kernel (under "fp16_math", "bf16_math"): torch's default CPU
kernel (flash) and the math kernel differ by half-precision rounding, and libtorch 2.7.1's kernel (DJL) need not match
torch's default on every CPU, so AutocastTest bounds DJL's SDPA in half precision by that spread where exactness fails.
AutocastTest checks that Ouroboros' AutocastStore lands much closer to torch.autocast than to fp32, i.e. that it
casts where autocast casts. Half-precision kernels differ between CPU kinds (AVX2 / AVX-512 / AMX), so the fixture is
per CPU: writes models/src/test/resources/golden/autocast/<sha256(machine)[:12]>.json with the machine's fingerprint
(the same string as dev.ouroboros.models.CpuFingerprint) and the versions inside; AutocastTest uses the one for the CPU
it runs on.
"""
import contextlib
import hashlib
import json
from pathlib import Path

import torch
import transformers
from torch.nn.attention import SDPBackend, sdpa_kernel
from transformers import OPTForCausalLM

GOLDEN = Path("models/src/test/resources/golden")
CASES = ["pre_ln_tied_safetensors", "post_ln_proj_gelu_fp16_bin", "untied_nobias_noaffine_bf16_sharded"]
DTYPES = {"fp32": None, "fp16": torch.float16, "bf16": torch.bfloat16}


FLAGS = {"avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8"}


def machine() -> str:
    """CpuFingerprint.current(): vendor; model name; the kernel-choosing ISA flags, sorted."""
    vendor, model, flags = "", "", None
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if ":" not in line:
            continue
        key, value = (x.strip() for x in line.split(":", 1))
        if key == "vendor_id" and not vendor:
            vendor = value
        elif key == "model name" and not model:
            model = value
        elif key == "flags" and flags is None:
            flags = sorted(f for f in value.split() if f in FLAGS)
    return f"{vendor}; {model}; {' '.join(flags or [])}"


def main() -> None:
    torch.set_num_threads(1)
    out = {"machine": machine(), "torch": torch.__version__, "transformers": transformers.__version__, "cases": {}}
    for name in CASES:
        case = None
        for attn in ("eager", "sdpa"):
            m = OPTForCausalLM.from_pretrained(GOLDEN / name / "model", dtype=torch.float32, dropout=0.0,
                                               attn_implementation=attn).train()
            vocab = m.config.vocab_size
            g = torch.Generator().manual_seed(5)
            ids = torch.randint(2, vocab, (2, 12), generator=g)
            if case is None:
                case = {"input_ids": ids.tolist()}
                target = case
            else:
                target = case.setdefault(attn, {})
            runs = [(label, dtype, None) for label, dtype in DTYPES.items()]
            if attn == "sdpa":
                runs += [(label + "_math", DTYPES[label], SDPBackend.MATH) for label in ("fp16", "bf16")]
            for label, dtype, backend in runs:
                m.zero_grad(set_to_none=True)
                with sdpa_kernel([backend]) if backend else contextlib.nullcontext(), \
                        torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None):
                    logits = m(input_ids=ids).logits
                logits = logits.float()
                loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1))
                loss.backward()
                target[label] = {
                    "loss": loss.item(),
                    "last_logits": [[round(v, 6) for v in row[:100]] for row in logits[:, -1].tolist()],
                    "grad_norms": {k.removeprefix("model."): p.grad.norm().item() for k, p in m.named_parameters()},
                }
        out["cases"][name] = case
    path = GOLDEN / "autocast" / (hashlib.sha256(out["machine"].encode()).hexdigest()[:12] + ".json")
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", path, path.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
