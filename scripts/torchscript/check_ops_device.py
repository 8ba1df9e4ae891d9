"""Runs the committed ops.pt on a device (CUDA by default) against eager PyTorch on the same device.

make_ops.py self-checks every method on CPU float64 tensors before it saves ops.pt. On CUDA other kernels run:
torch._fused_adamw_'s CUDA kernel (two groups, a device step count, a step skipped by found_inf), the foreach norm,
the AMP unscale and scale update, and scaled_dot_product_attention's flash (bf16/fp16, causal)
and memory-efficient (fp32, or with a mask) kernels. This script executes each of those paths on the device at
OPT-125m's attention shape (12 heads of 64) and compares with an eager reference computed in float64 on the same
device: tolerances are the kernels' own precision, printed beside the measured error.

usage: python3 scripts/torchscript/check_ops_device.py [OPS_PT] [--device cuda]
Exit 0 when every check holds; each check prints one line.
"""
import argparse
import sys

import torch

FAILED = []


def report(name: str, err: float, tol: float) -> None:
    ok = err <= tol
    print(f"{'ok  ' if ok else 'FAIL'} {name}: max abs err {err:.3g} (tol {tol:.3g})")
    if not ok:
        FAILED.append(name)


def eager(q, k, v, mask):
    q, k, v, mask = (x.double() for x in (q, k, v, mask))
    return torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1) @ v


def check_sdpa(s, dev: str) -> None:
    b, h, t, d = 4, 12, 128, 64
    causal = torch.full((t, t), float("-inf"), device=dev).triu(1).expand(b, 1, t, t)
    padded = causal.clone()
    padded[0, :, :, :7] = float("-inf")  # row 0 left padded by 7
    padded[0, :, :7, :7] = 0.0  # the padding queries see the padding keys (HF's convention: no fully masked row)
    for dtype, tol, gtol in ((torch.float32, 2e-5, 2e-4), (torch.bfloat16, 2e-2, 1e-1), (torch.float16, 4e-3, 2e-2)):
        g = torch.Generator(device=dev).manual_seed(0)
        q, k, v = (torch.randn(b, h, t, d, device=dev, generator=g).div(2).to(dtype).requires_grad_() for _ in range(3))
        for name, out, mask in (("sdpa_causal", s.sdpa_causal(q, k, v), causal),
                                ("sdpa_masked", s.sdpa_masked(q, k, v, padded.to(dtype)), padded)):
            ref = eager(q, k, v, mask)
            report(f"{name} {dtype}", (out.double() - ref).abs().max().item(), tol)
            got = torch.autograd.grad(out.float().sum(), (q, k, v))
            want = torch.autograd.grad(ref.sum(), (q, k, v))
            report(f"{name} {dtype} grad", max((a.double() - r).abs().max().item() for a, r in zip(got, want)), gtol)
        cap, past = t + 16, t - 1
        kc = torch.zeros(b, h, cap, d, device=dev, dtype=dtype)
        vc = torch.zeros_like(kc)
        with torch.no_grad():
            first = s.cached_sdpa_(q[:, :, :past], k[:, :, :past], v[:, :, :past], kc, vc, 0,
                                   padded[:, :, :past, :past].to(dtype))
            step = s.cached_sdpa_(q[:, :, past:], k[:, :, past:], v[:, :, past:], kc, vc, past,
                                  padded[:, :, past:, :].to(dtype))
            ref = eager(q, k, v, padded)
        got = torch.cat([first, step], 2).double()
        report(f"cached_sdpa_ {dtype}", (got - ref).abs().max().item(), tol)
        report(f"cached_sdpa_ {dtype} cache written", float(not torch.equal(kc[:, :, :t], k.detach())
                                                            or bool(kc[:, :, t:].any())), 0.0)


def check_reorder(s, dev: str) -> None:
    g = torch.Generator(device=dev).manual_seed(3)
    n, worst = 10, 0.0
    for ix in [torch.arange(n, device=dev), torch.zeros(n, dtype=torch.long, device=dev)] + \
              [torch.randint(0, n, (n,), device=dev, generator=g) for _ in range(6)]:
        xs = [torch.randn(n, 12, 40, 64, device=dev, generator=g).bfloat16() for _ in range(4)]
        ref = [x.clone() for x in xs]
        for r in ref:
            r[:, :, :33] = r[:, :, :33].index_select(0, ix)
        s.reorder_rows_(xs, ix, 33)
        worst = max(worst, float(not all(torch.equal(x, r) for x, r in zip(xs, ref))))
    report("reorder_rows_ (bitwise)", worst, 0.0)


def check_optimizer(s, dev: str) -> None:
    # both parameter groups in one call, the step count a device tensor, one step skipped by found_inf
    torch.manual_seed(0)
    p = [torch.randn(768, 768, device=dev), torch.randn(768, device=dev), torch.randn(50272, 64, device=dev)]
    q = [x.clone().requires_grad_() for x in p]
    opt = torch.optim.AdamW([{"params": [q[0], q[2]]}, {"params": [q[1]], "weight_decay": 0.0}], lr=1e-3,
                            betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, fused=True)
    m = [torch.zeros_like(x) for x in p]
    v = [torch.zeros_like(x) for x in p]
    step = torch.zeros([], device=dev)
    changed_by_skip = 0.0
    for k in range(1, 7):
        gs = [torch.randn_like(x) for x in p]
        skip = k == 4
        if not skip:
            for x, gx in zip(q, gs):
                x.grad = gx.clone()
            opt.step()
        before = [x.clone() for x in p + m + v]
        found = torch.full([], 1.0 if skip else 0.0, device=dev)
        s.adamw_([p[0], p[2]], [gs[0], gs[2]], [m[0], m[2]], [v[0], v[2]], [p[1]], [gs[1]], [m[1]], [v[1]], step,
                 1e-3, 0.9, 0.95, 1e-8, 0.1, found)
        if skip:
            changed_by_skip = max((a - b).abs().max().item() for a, b in zip(before, p + m + v))
    report("adamw_ vs AdamW(fused=True), two groups", max((a - b.detach()).abs().max().item() for a, b in zip(p, q)),
           1e-6)
    report("adamw_ skipped by found_inf changes nothing", changed_by_skip, 0.0)
    report("adamw_ step count (5 applied of 6)", abs(step.item() - 5.0), 0.0)

    g = [torch.randn(768, 768, device=dev), torch.randn(50272, 64, device=dev)]
    ref = [x.clone().requires_grad_() for x in g]
    for r, x in zip(ref, g):
        r.grad = x.clone()
    ref_norm = torch.nn.utils.clip_grad_norm_(ref, 1.0)
    ours = [x.clone() for x in g]
    found = torch.zeros([], device=dev)
    norm = s.grad_norm_(ours, 1.0, found)
    report("grad_norm_ norm (relative)", abs(norm.item() / ref_norm.item() - 1), 1e-6)
    report("grad_norm_ clipped grads", max((r.grad - o).abs().max().item() for r, o in zip(ref, ours)), 1e-7)
    report("grad_norm_ finite: found_inf stays 0", found.item(), 0.0)
    s.grad_norm_([torch.tensor([1.0, float("nan")], device=dev)], 1.0, found)
    report("grad_norm_ NaN: found_inf 1", abs(found.item() - 1.0), 0.0)
    found = torch.zeros([], device=dev)
    grads = [torch.full((2,), 4.0, device=dev), torch.tensor([2.0, float("inf")], device=dev)]
    s.unscale_(grads, found, torch.full([], 2.0, device=dev))
    report("unscale_ finds inf", abs(found.item() - 1.0), 0.0)
    found = torch.zeros([], device=dev)
    grads = [torch.full((3,), 4.0, device=dev)]
    s.unscale_(grads, found, torch.full([], 2.0, device=dev))
    report("unscale_ scales", found.item() + (grads[0] - 2.0).abs().max().item(), 0.0)
    scale, tracker = torch.full([], 8.0, device=dev), torch.zeros([], dtype=torch.int32, device=dev)
    seen = [s.update_scale_(scale, tracker, torch.full([], f, device=dev), 2.0, 0.5, 2).tolist()
            for f in (0.0, 0.0, 1.0)]
    report("update_scale_ GradScaler's rule", float(seen != [[8, 8, 1], [8, 16, 0], [16, 8, 0]]), 0.0)
    s.zero_(ours)
    report("zero_", max(x.abs().max().item() for x in ours), 0.0)


def check_casts(s, dev: str) -> None:
    w = torch.randn(5, device=dev, requires_grad=True)
    s.to_fp32(s.to_bf16(w)).mul(2).sum().backward()
    report("to_bf16 grad flows", (w.grad - 2.0).abs().max().item(), 0.0)
    w.grad = None
    s.to_fp32(s.all_to_fp16([w])[0]).mul(3).sum().backward()
    report("all_to_fp16 grad flows", (w.grad - 3.0).abs().max().item(), 0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("ops", nargs="?", default="models/src/main/resources/dev/ouroboros/models/ops.pt")
    ap.add_argument("--device", default="cuda")
    a = ap.parse_args()
    s = torch.jit.load(a.ops, map_location=a.device)
    name = torch.cuda.get_device_name() if a.device.startswith("cuda") else "cpu"
    print(f"ops.pt on {a.device} ({name}), torch {torch.__version__}")
    for check in (check_casts, check_optimizer, check_reorder, check_sdpa):
        check(s, a.device)
    print("FAILED: " + ", ".join(FAILED) if FAILED else "all ops.pt checks passed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
