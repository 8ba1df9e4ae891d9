"""TorchScript helper with the libtorch ops DJL 0.35.1 does not expose (docs/design.md#torchscript-helper).

DJL's NDArray.toType runs under NoGradGuard (it cuts the autograd graph), and DJL has no multi-tensor
(foreach / fused) kernels, so an optimizer step costs ~10 JNI calls per parameter tensor. This module is
loaded once by dev.ouroboros.models.TorchOps; the casts are called through IValueUtils.forward (so that
autograd records them), the other methods through IValueUtils.runMethod:

  to_fp16(x) / to_bf16(x) / to_fp32(x)   differentiable casts (autograd records them; the gradient of a
                                          fp32 master flows back through the half copy as fp32)
  all_to_fp16(xs) / all_to_bf16(xs)       the same for a list of tensors in one call (the weights of a forward)
  grad_norm_(grads, max_norm, found_inf) -> norm
                                          torch.nn.utils.clip_grad_norm_ (foreach path, same formula); a non-finite
                                          norm sets found_inf instead of a host check (no sync)
  unscale_(grads, found_inf, scale)       torch.amp's fused non-finite check + unscale by 1/scale (no sync)
  update_scale_(scale, tracker, found_inf, growth, backoff, interval) -> [used, scale, tracker]
                                          GradScaler.update on the device (torch._amp_update_scale_)
  adamw_(params, grads, m, v, plain_params, plain_grads, plain_m, plain_v, step, lr, beta1, beta2, eps,
         weight_decay, found_inf)
                                          torch.optim.AdamW(fused=True) for both groups in one call; the step count is
                                          a device tensor and found_inf skips the update on the device (no sync)
  zero_(grads)                            torch._foreach_zero_
  sdpa_causal(q, k, v) / sdpa_masked(q, k, v, mask)
                                          torch.nn.functional.scaled_dot_product_attention (q pre-scaled, scale 1
                                          as HF OPT); causal without padding (flash kernels on CUDA) or an
                                          additive (B, 1, T, S) mask; called through forward so autograd records
  cached_sdpa_(q, k, v, k_cache, v_cache, past, mask)
                                          decoding: writes k, v into the preallocated caches at [past, past + T)
                                          and attends over [0, past + T); one call per layer and step
  reorder_(src, dst, ix, length)          dst[i][:, :, :length] = src[i][:, :, :length][ix], in place (a copy into
                                          another buffer; kept for callers that want one)
  reorder_rows_(xs, ix, length)           beam search: xs[i][:, :, :length] = xs[i][:, :, :length][ix] in place,
                                          reading and writing only the rows r with ix[r] != r, one layer at a time
                                          (no second cache buffer; the temporary is one tensor's changed rows)

Usage: .venv/bin/python scripts/torchscript/make_ops.py [OUT]
(default OUT: models/src/main/resources/dev/ouroboros/models/ops.pt). The file is committed; CI needs no Python.
It self-checks every method against the eager PyTorch reference before saving.
"""
import sys
from pathlib import Path
from typing import List

import torch
import torch.nn.functional as F


class Ops(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def to_fp16(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float16)

    @torch.jit.export
    def to_bf16(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16)

    @torch.jit.export
    def to_fp32(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float32)

    @torch.jit.export
    def all_to_fp16(self, xs: List[torch.Tensor]) -> List[torch.Tensor]:
        return [x.to(torch.float16) for x in xs]

    @torch.jit.export
    def all_to_bf16(self, xs: List[torch.Tensor]) -> List[torch.Tensor]:
        return [x.to(torch.bfloat16) for x in xs]

    @torch.jit.export
    def grad_norm_(self, grads: List[torch.Tensor], max_norm: float, found_inf: torch.Tensor) -> torch.Tensor:
        # torch.nn.utils.clip_grad_norm_ (norm_type 2, foreach), exactly: norm of the per-tensor norms; when
        # max_norm > 0 every gradient is multiplied by clamp(max_norm / (norm + 1e-6), max=1) (1.0 below the
        # threshold, an exact no-op). No host sync: a non-finite norm is not tested here but raised into found_inf
        # (0-d fp32, 1.0 = skip), which adamw_ reads on the device; the gradients are garbage then and get zeroed.
        norms = torch._foreach_norm(grads, 2.0)
        total = torch.linalg.vector_norm(torch.stack(norms), 2.0)
        if max_norm > 0.0:
            coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
            torch._foreach_mul_(grads, coef)
        found_inf.copy_(torch.maximum(found_inf, torch.isfinite(total).logical_not().to(found_inf.dtype)))
        return total

    @torch.jit.export
    def unscale_(self, grads: List[torch.Tensor], found_inf: torch.Tensor, scale: torch.Tensor) -> None:
        # torch.amp's fused non-finite check + unscale by 1/scale (GradScaler's inv_scale: the fp32 scale's reciprocal
        # in fp64, rounded to fp32); found_inf (0-d fp32) becomes 1.0 when any gradient holds inf/NaN. No host sync.
        inv = scale.double().reciprocal().float()
        torch._amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv)

    @torch.jit.export
    def update_scale_(self, scale: torch.Tensor, growth_tracker: torch.Tensor, found_inf: torch.Tensor,
                      growth: float, backoff: float, interval: int) -> torch.Tensor:
        # GradScaler.update on the device (torch._amp_update_scale_): found_inf backs the scale off and resets the
        # count of good steps, the interval-th good step grows it. Returns [scale used, scale now, good steps] (fp32)
        # for the step's figures, read later with the loss.
        used = scale.clone()
        torch._amp_update_scale_(scale, growth_tracker, found_inf, growth, backoff, interval)
        return torch.stack([used, scale, growth_tracker.to(torch.float32)])

    @torch.jit.export
    def adamw_(self, params: List[torch.Tensor], grads: List[torch.Tensor], exp_avgs: List[torch.Tensor],
               exp_avg_sqs: List[torch.Tensor], plain_params: List[torch.Tensor], plain_grads: List[torch.Tensor],
               plain_exp_avgs: List[torch.Tensor], plain_exp_avg_sqs: List[torch.Tensor], step: torch.Tensor,
               lr: float, beta1: float, beta2: float, eps: float, weight_decay: float,
               found_inf: torch.Tensor) -> None:
        # torch.optim.AdamW(fused=True) for both groups in one call: weight decay for the first, none for the plain_
        # one. step (0-d fp32 on the device) counts applied updates: it advances unless found_inf is 1.0, and then
        # the fused kernel returns before touching anything (as GradScaler.step skips). No host sync.
        step.add_(1.0 - found_inf)
        if len(params) > 0:
            torch._fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, [], [step for _ in params], lr=lr,
                                beta1=beta1, beta2=beta2, weight_decay=weight_decay, eps=eps, amsgrad=False,
                                maximize=False, found_inf=found_inf)
        if len(plain_params) > 0:
            torch._fused_adamw_(plain_params, plain_grads, plain_exp_avgs, plain_exp_avg_sqs, [],
                                [step for _ in plain_params], lr=lr, beta1=beta1, beta2=beta2, weight_decay=0.0,
                                eps=eps, amsgrad=False, maximize=False, found_inf=found_inf)

    @torch.jit.export
    def zero_(self, grads: List[torch.Tensor]) -> None:
        torch._foreach_zero_(grads)

    @torch.jit.export
    def sdpa_causal(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=1.0)

    @torch.jit.export
    def sdpa_masked(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=_mask_as(mask, q), scale=1.0)

    @torch.jit.export
    def cached_sdpa_(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, k_cache: torch.Tensor,
                     v_cache: torch.Tensor, past: int, mask: torch.Tensor) -> torch.Tensor:
        s = past + q.size(2)
        k_cache[:, :, past:s] = k
        v_cache[:, :, past:s] = v
        return F.scaled_dot_product_attention(q, k_cache[:, :, :s], v_cache[:, :, :s], attn_mask=_mask_as(mask, q),
                                              scale=1.0)

    @torch.jit.export
    def reorder_(self, src: List[torch.Tensor], dst: List[torch.Tensor], ix: torch.Tensor, length: int) -> None:
        for i in range(len(src)):
            torch.index_select(src[i][:, :, :length], 0, ix, out=dst[i][:, :, :length])

    @torch.jit.export
    def reorder_rows_(self, xs: List[torch.Tensor], ix: torch.Tensor, length: int) -> None:
        # row r of every x (N, H, capacity, D) becomes the old row ix[r] on positions [0, length), in place. Only the
        # rows whose parent is another row are touched; their sources are gathered first (old values, so a row that
        # is both a source and overwritten is read before it is written), one tensor at a time, so the temporary is
        # at most one tensor's changed rows. On the device throughout (nonzero syncs on CUDA; nothing is copied to
        # the host).
        rows = torch.nonzero(ix != torch.arange(ix.size(0), device=ix.device, dtype=ix.dtype)).squeeze(1)
        if rows.size(0) == 0:
            return
        src = ix.index_select(0, rows)
        for x in xs:
            view = x[:, :, :length]
            view.index_copy_(0, rows, view.index_select(0, src))


def _mask_as(mask: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    # SDPA wants the additive mask in the query's dtype; -1e9 would overflow fp16 to -inf (a fully masked padding row
    # would then give NaN, and 0 * NaN reaches real rows through v), so clamp to fp16's finite minimum first
    if q.dtype == torch.float16:
        mask = mask.clamp(min=-65504.0)
    return mask.to(q.dtype)


def eager_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1) @ v


def check_attention(s: torch.jit.ScriptModule) -> None:
    torch.manual_seed(1)
    b, h, t, d = 2, 3, 5, 4
    q, k, v = (torch.randn(b, h, t, d, dtype=torch.float64, requires_grad=True) for _ in range(3))
    causal = torch.full((t, t), -1e9, dtype=torch.float64).triu(1).expand(b, 1, t, t).clone()
    padded = causal.clone()
    padded[0, :, :, :2] = -1e9  # row 0 left padded by 2: its first two queries see nothing
    for mask, out in ((causal, s.sdpa_causal(q, k, v)), (padded, s.sdpa_masked(q, k, v, padded))):
        ref = eager_attention(q, k, v, mask)
        assert torch.allclose(out, ref, atol=1e-12), (out - ref).abs().max()
        gq, gk, gv = torch.autograd.grad(out.sum(), (q, k, v))
        rq, rk, rv = torch.autograd.grad(ref.sum(), (q, k, v))
        assert all(torch.allclose(a, r, atol=1e-10) for a, r in ((gq, rq), (gk, rk), (gv, rv)))
    half = s.sdpa_masked(q.detach().half(), k.detach().half(), v.detach().half(), padded.float())
    assert torch.isfinite(half).all(), "fully masked rows must stay finite in fp16"

    cap = 9
    kc, vc = torch.zeros(b, h, cap, d, dtype=torch.float64), torch.zeros(b, h, cap, d, dtype=torch.float64)
    with torch.no_grad():
        first = s.cached_sdpa_(q[:, :, :4], k[:, :, :4], v[:, :, :4], kc, vc, 0, padded[:, :, :4, :4])
        step = s.cached_sdpa_(q[:, :, 4:], k[:, :, 4:], v[:, :, 4:], kc, vc, 4, padded[:, :, 4:, :])
        full = eager_attention(q, k, v, padded)
    got = torch.cat([first, step], 2)
    got[0, :, :2], full[0, :, :2] = 0, 0  # fully masked padding queries: a uniform mix over however many keys
    assert torch.allclose(got, full, atol=1e-12), (got - full).abs().max()
    assert torch.equal(kc[:, :, :5], k.detach()) and not kc[:, :, 5:].any()

    dst = [torch.zeros_like(kc), torch.zeros_like(vc)]
    ix = torch.tensor([1, 1])
    s.reorder_([kc, vc], dst, ix, 5)
    assert torch.equal(dst[0][:, :, :5], kc[ix, :, :5]) and not dst[0][:, :, 5:].any()

    gen = torch.Generator().manual_seed(3)
    n = 6
    parents = [torch.arange(n), torch.zeros(n, dtype=torch.long), torch.tensor([1, 0, 3, 2, 5, 4]),
               torch.tensor([0, 0, 0, 3, 3, 3])] + [torch.randint(0, n, (n,), generator=gen) for _ in range(8)]
    for ix in parents:
        xs = [torch.randn(n, h, cap, d, generator=gen) for _ in range(3)]
        ref = [x.clone() for x in xs]
        for r in ref:
            r[:, :, :5] = r[:, :, :5].index_select(0, ix)
        s.reorder_rows_(xs, ix, 5)
        assert all(torch.equal(x, r) for x, r in zip(xs, ref)), ix


def check_training(s: torch.jit.ScriptModule) -> None:
    # clipping: the norm and the clipped gradients equal clip_grad_norm_'s; found_inf is raised only by a non-finite
    # norm and never past 1.0 (the fused kernel skips on exactly 1.0)
    g = [torch.randn(4, 5), torch.randn(7)]
    ref = [x.clone().requires_grad_() for x in g]
    for r, x in zip(ref, g):
        r.grad = x.clone()
    ref_norm = torch.nn.utils.clip_grad_norm_(ref, 0.5)
    ours = [x.clone() for x in g]
    found = torch.zeros([])
    norm = s.grad_norm_(ours, 0.5, found)
    assert torch.equal(norm, ref_norm) and found.item() == 0.0, (norm, ref_norm)
    for r, o in zip(ref, ours):
        assert torch.equal(r.grad, o), (r.grad, o)
    below = [x.clone() for x in g]
    s.grad_norm_(below, 1e9, found)
    assert all(torch.equal(a, b) for a, b in zip(below, g)), "below the threshold nothing changes"
    for bad in (float("inf"), float("nan")):
        for start in (0.0, 1.0):
            found = torch.full([], start)
            s.grad_norm_([torch.tensor([1.0, bad])], 1.0, found)
            assert found.item() == 1.0, (bad, start, found)

    # unscale: found_inf on inf/NaN, gradients divided by the scale otherwise
    found = torch.zeros([])
    grads = [torch.full((2,), 4.0), torch.tensor([2.0, float("inf")])]
    s.unscale_(grads, found, torch.full([], 2.0))
    assert found.item() == 1.0
    found = torch.zeros([])
    grads = [torch.full((2,), 4.0)]
    s.unscale_(grads, found, torch.full([], 2.0))
    assert found.item() == 0.0 and torch.equal(grads[0], torch.full((2,), 2.0))

    # update_scale_: GradScaler's rule (backoff on found_inf, growth on the interval-th good step)
    scale, tracker = torch.full([], 8.0), torch.zeros([], dtype=torch.int32)
    seen = []
    for inf in (0.0, 0.0, 0.0, 1.0, 0.0):
        seen.append(s.update_scale_(scale, tracker, torch.full([], inf), 2.0, 0.5, 2).tolist())
    assert seen == [[8, 8, 1], [8, 16, 0], [16, 16, 1], [16, 8, 0], [8, 8, 1]], seen

    # AdamW: both groups against torch.optim.AdamW(fused=True) bit for bit; a step with found_inf changes nothing
    torch.manual_seed(0)
    p = [torch.randn(6, 3), torch.randn(3)]
    q = [x.clone().requires_grad_() for x in p]
    opt = torch.optim.AdamW([{"params": [q[0]]}, {"params": [q[1]], "weight_decay": 0.0}], lr=1e-2,
                            betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, fused=True)
    m = [torch.zeros_like(x) for x in p]
    v = [torch.zeros_like(x) for x in p]
    step = torch.zeros([])
    for k in range(1, 5):
        gs = [torch.randn_like(x) for x in p]
        skip = k == 3
        if not skip:
            for x, gx in zip(q, gs):
                x.grad = gx.clone()
            opt.step()
        before = [x.clone() for x in p + m + v]
        s.adamw_([p[0]], [gs[0]], [m[0]], [v[0]], [p[1]], [gs[1]], [m[1]], [v[1]], step, 1e-2, 0.9, 0.95, 1e-8,
                 0.1, torch.full([], 1.0 if skip else 0.0))
        if skip:
            assert all(torch.equal(a, b) for a, b in zip(before, p + m + v)), "a skipped step changed state"
    assert step.item() == 3.0, step
    for a, b in zip(p, q):
        assert torch.equal(a, b.detach()), (a - b).abs().max()


def self_check(s: torch.jit.ScriptModule) -> None:
    w = torch.randn(3, requires_grad=True)
    s.to_fp32(s.to_fp16(w)).mul(2).sum().backward()
    assert torch.equal(w.grad, torch.full((3,), 2.0)), w.grad
    w.grad = None
    s.to_fp32(s.to_bf16(w)).mul(2).sum().backward()
    assert torch.equal(w.grad, torch.full((3,), 2.0)), w.grad
    w.grad = None
    v = torch.randn(2, requires_grad=True)
    h = s.all_to_bf16([w, v])
    assert h[0].dtype == torch.bfloat16 and h[1].dtype == torch.bfloat16
    (s.to_fp32(h[0]).sum() * 3 + s.to_fp32(s.all_to_fp16([v])[0]).sum()).backward()
    assert torch.equal(w.grad, torch.full((3,), 3.0)) and torch.equal(v.grad, torch.ones(2)), (w.grad, v.grad)

    check_training(s)
    gs = [torch.randn(3), torch.randn(2, 2)]
    s.zero_(gs)
    assert all(not x.any() for x in gs)
    check_attention(s)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "models/src/main/resources/dev/ouroboros/models/ops.pt")
    out.parent.mkdir(parents=True, exist_ok=True)
    s = torch.jit.script(Ops())
    self_check(s)
    s.save(str(out))
    print("wrote", out, "torch", torch.__version__)


if __name__ == "__main__":
    main()
