"""TorchScript decoding step of an OPT model over a preallocated KV cache (docs/design.md#fused-decoding-step).

Decoding is where a collapse study spends its time, and on a GPU a step of OPT-125m is a few hundred microseconds of
kernels: what decides the speed is the cost around them. Through DJL's ops a step of the 12-layer model makes ~1,400
JNI crossings and ~27 host syncs (every operation with a plain number uploads it). This module runs a whole step in
one call (all layers, cached SDPA, in-place cache writes, the beams' reordering, the logits processors, the top-k),
so that a beam step is one upload (the new tokens, parents and running scores, packed), one call and one read (the
top-k candidates, packed). It is loaded once by dev.ouroboros.models.decode.DecodeOps; the Java model
(dev.ouroboros.models.OptForCausalLM) stays the reference the golden tests check both against.

  new_cache(like, tensors, rows, heads, capacity, head_dim) -> zeroed cache buffers in like's dtype
  prefill(ids, mask, w, caches, cfg) -> logits (B, V) fp32 the prompts (B, W) through the model; caches' first B rows
  sample_step(last, tokens, mask, past, w, caches, cfg, penalty, id_limit, eos_mask) -> scores (N, V) fp32
  beam_step(state, reorder, tokens, mask, past, w, caches, cfg, penalty, id_limit, eos_mask, batch, k)
        -> (B, 2k) fp64: the k best (value, flat id) of each prompt's beams

Weights `w` in this order (absent ones skipped, per cfg): embed_tokens, embed_positions, [project_in], [project_out],
[final_layer_norm weight, bias], [lm_head]; then per layer: q, [q bias], k, [k bias], v, [v bias], out_proj,
[out bias], [self_attn_layer_norm weight, bias], fc1, [fc1 bias], fc2, [fc2 bias], [final_layer_norm weight, bias].
cfg = [layers, heads, layer_norm_before, relu (else gelu), projection, final_layer_norm, enable_bias,
elementwise_affine, tied]. Every op is the Java model's (and HF's) in the same order: same values in fp32.

Usage: .venv/bin/python scripts/torchscript/make_decode.py [OUT]
(default OUT: models/src/main/resources/dev/ouroboros/models/decode.pt). Self-checks against HF transformers'
OPTForCausalLM (random weights, three architectures) before saving. The file is committed; CI needs no Python.
"""
import sys
from pathlib import Path
from typing import List, Optional

import torch
import torch.nn.functional as F

NEG_INF = float("-inf")


def _ln(x: torch.Tensor, w: Optional[torch.Tensor], b: Optional[torch.Tensor]) -> torch.Tensor:
    return F.layer_norm(x, [x.size(-1)], w, b, 1e-5)


def _lin(x: torch.Tensor, w: List[torch.Tensor], at: int, bias: bool) -> torch.Tensor:
    return F.linear(x, w[at], w[at + 1]) if bias else F.linear(x, w[at])


def _norm(w: List[torch.Tensor], at: int, affine: bool):
    if affine:
        return w[at], w[at + 1]
    return None, None


def _additive_mask(m: torch.Tensor, past: int, t: int, dtype: torch.dtype) -> torch.Tensor:
    # (N, S) int64 1 = real → (N, 1, T, S) additive: 0 where query past+i may attend key j (j <= past+i, j real),
    # a large negative number elsewhere (OptForCausalLM.additiveMask)
    s = past + t
    qi = torch.arange(past, s, device=m.device).view(1, 1, t, 1)
    kj = torch.arange(0, s, device=m.device).view(1, 1, 1, s)
    allowed = torch.logical_and(qi >= kj, m.view(m.size(0), 1, 1, s) > 0).to(dtype)
    neg = -6.0e4 if dtype == torch.float16 else -1.0e9
    return (allowed - 1.0) * -neg


def _mask_as(mask: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    if q.dtype == torch.float16:
        mask = mask.clamp(min=-65504.0)
    return mask.to(q.dtype)


def _layer(x: torch.Tensor, add: torch.Tensor, w: List[torch.Tensor], i: int, kc: torch.Tensor, vc: torch.Tensor,
           past: int, cfg: List[int]):
    # one OptDecoderLayer on x (N, T, C) whose weights start at w[i] → (y (N, T, C), the next layer's first index)
    n, t, c = x.size(0), x.size(1), x.size(2)
    heads, pre, relu, bias, affine = cfg[1], cfg[2] != 0, cfg[3] != 0, cfg[6] != 0, cfg[7] != 0
    d = c // heads
    s = past + t
    nb = 2 if bias else 1
    na = 2 if affine else 0
    q_at, k_at, v_at, o_at = i, i + nb, i + 2 * nb, i + 3 * nb
    fc1_at = i + 4 * nb + na
    fc2_at = fc1_at + nb
    ln1_w, ln1_b = _norm(w, i + 4 * nb, affine)
    ln2_w, ln2_b = _norm(w, fc2_at + nb, affine)
    # --- self-attention
    residual = x
    h = _ln(x, ln1_w, ln1_b) if pre else x
    q = (_lin(h, w, q_at, bias) * (d ** -0.5)).view(n, t, heads, d).transpose(1, 2)  # (N, H, T, D)
    k = _lin(h, w, k_at, bias).view(n, t, heads, d).transpose(1, 2)
    v = _lin(h, w, v_at, bias).view(n, t, heads, d).transpose(1, 2)
    kc[:, :, past:s] = k
    vc[:, :, past:s] = v
    ctx = F.scaled_dot_product_attention(q, kc[:, :, :s], vc[:, :, :s], attn_mask=_mask_as(add, q), scale=1.0)
    ctx = ctx.transpose(1, 2).reshape(n, t, c)  # (N, T, C)
    h = residual + _lin(ctx, w, o_at, bias)
    if not pre:
        h = _ln(h, ln1_w, ln1_b)
    # --- MLP
    residual = h
    m = _ln(h, ln2_w, ln2_b) if pre else h
    m = _lin(m, w, fc1_at, bias)  # (N, T, F)
    m = F.relu(m) if relu else F.gelu(m)
    h = residual + _lin(m, w, fc2_at, bias)  # (N, T, C)
    if not pre:
        h = _ln(h, ln2_w, ln2_b)
    return h, fc2_at + nb + na


def _forward(ids: torch.Tensor, mask: torch.Tensor, past: int, w: List[torch.Tensor], caches: List[torch.Tensor],
             cfg: List[int]) -> torch.Tensor:
    # ids (N, T) new tokens; mask (N, >= past + T) int64; caches k_0, v_0, … (N, H, capacity, D), [0, past) filled
    # → the last position's logits (N, V) in the weights' dtype
    layers, project, final_ln, affine, tied = cfg[0], cfg[4] != 0, cfg[5] != 0, cfg[7] != 0, cfg[8] != 0
    n, t = ids.size(0), ids.size(1)
    s = past + t
    m = mask[:, :s]
    pos = (m.cumsum(1) * m - 1)[:, past:] + 2  # (N, T): positions from the mask, offset 2
    i = 2
    x = F.embedding(ids, w[0])  # (N, T, E)
    proj_in: Optional[torch.Tensor] = None
    proj_out: Optional[torch.Tensor] = None
    if project:
        proj_in, proj_out, i = w[2], w[3], 4
        x = F.linear(x, proj_in)  # (N, T, C)
    x = x + F.embedding(pos, w[1])
    fin_w: Optional[torch.Tensor] = None
    fin_b: Optional[torch.Tensor] = None
    if final_ln and affine:
        fin_w, fin_b, i = w[i], w[i + 1], i + 2
    head = w[0]
    if not tied:
        head, i = w[i], i + 1
    add = _additive_mask(m, past, t, x.dtype)
    for layer in range(layers):
        x, i = _layer(x, add, w, i, caches[2 * layer], caches[2 * layer + 1], past, cfg)
    if final_ln:
        x = _ln(x, fin_w, fin_b)
    if proj_out is not None:
        x = F.linear(x, proj_out)
    return F.linear(x[:, -1:, :], head).view(n, -1)  # (N, V)


def _scores(logits: torch.Tensor, seen: torch.Tensor, penalty: float, id_limit: int, eos_mask: int,
            log_softmax: bool) -> torch.Tensor:
    # HF's order on the last-position scores: (beams: log_softmax), repetition penalty, ids >= id_limit, EOS while
    # too short (Generator.processed)
    s = logits.float()
    if log_softmax:
        s = s.log_softmax(1)
    if penalty != 1.0:
        g = s.gather(1, seen)
        s = s.scatter(1, seen, torch.where(g < 0, g * penalty, g / penalty))
    if id_limit < s.size(1):
        s[:, id_limit:] = float("-inf")
    if eos_mask >= 0:
        s[:, eos_mask] = float("-inf")
    return s


def _reorder_caches_(xs: List[torch.Tensor], ix: torch.Tensor, length: int) -> None:
    # row r of every x becomes the old row ix[r] on [0, length), in place. CUDA: every row (HF's index_select; no
    # host sync). CPU: only the rows whose parent is another row (nonzero is free there; less memory traffic).
    if ix.is_cuda:
        for x in xs:
            view = x[:, :, :length]
            view.copy_(view.index_select(0, ix))
        return
    rows = torch.nonzero(ix != torch.arange(ix.size(0), dtype=ix.dtype)).squeeze(1)
    if rows.size(0) == 0:
        return
    src = ix.index_select(0, rows)
    for x in xs:
        view = x[:, :, :length]
        view.index_copy_(0, rows, view.index_select(0, src))


class Decode(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def new_cache(self, like: torch.Tensor, tensors: int, rows: int, heads: int, capacity: int,
                  head_dim: int) -> List[torch.Tensor]:
        # zeroed (rows, heads, capacity, head_dim) buffers in like's dtype and device (DJL 0.35.1 cannot make bf16)
        return [torch.zeros(rows, heads, capacity, head_dim, dtype=like.dtype, device=like.device)
                for _ in range(tensors)]

    @torch.jit.export
    def prefill(self, ids: torch.Tensor, mask: torch.Tensor, w: List[torch.Tensor], caches: List[torch.Tensor],
                cfg: List[int]) -> torch.Tensor:
        # fp32 logits (N, V), as HF generate casts them
        b = ids.size(0)
        with torch.no_grad():
            return _forward(ids, mask, 0, w, [c[:b] for c in caches], cfg).float()

    @torch.jit.export
    def sample_step(self, last: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor, past: int,
                    w: List[torch.Tensor], caches: List[torch.Tensor], cfg: List[int], penalty: float, id_limit: int,
                    eos_mask: int) -> torch.Tensor:
        # last (N) int64: the tokens of the previous step, written at column `past` of tokens (N, capacity)
        with torch.no_grad():
            tokens[:, past] = last
            logits = _forward(last.view(-1, 1), mask, past, w, caches, cfg)
            return _scores(logits, tokens[:, :past + 1], penalty, id_limit, eos_mask, False)

    @torch.jit.export
    def beam_step(self, state: torch.Tensor, reorder: bool, tokens: torch.Tensor, mask: torch.Tensor, past: int,
                  w: List[torch.Tensor], caches: List[torch.Tensor], cfg: List[int], penalty: float, id_limit: int,
                  eos_mask: int, batch: int, k: int) -> torch.Tensor:
        # state (N, 3) fp64 on the device: each row's last token, parent row and running score (one upload)
        with torch.no_grad():
            last = state[:, 0].long()
            if reorder:
                parent = state[:, 1].long()
                _reorder_caches_(caches, parent, past)
                tokens[:, :past] = tokens[:, :past].index_select(0, parent)
            tokens[:, past] = last
            logits = _forward(last.view(-1, 1), mask, past, w, caches, cfg)
            s = _scores(logits, tokens[:, :past + 1], penalty, id_limit, eos_mask, True)
            acc = (s + state[:, 2].float().view(-1, 1)).view(batch, -1)  # (B, beams·V)
            vals, idx = acc.topk(k, 1, True, True)
            return torch.cat([vals.double(), idx.double()], 1)  # (B, 2k)


LAYER_NAMES = ["self_attn.q_proj.weight", "self_attn.q_proj.bias", "self_attn.k_proj.weight", "self_attn.k_proj.bias",
               "self_attn.v_proj.weight", "self_attn.v_proj.bias", "self_attn.out_proj.weight",
               "self_attn.out_proj.bias", "self_attn_layer_norm.weight", "self_attn_layer_norm.bias", "fc1.weight",
               "fc1.bias", "fc2.weight", "fc2.bias", "final_layer_norm.weight", "final_layer_norm.bias"]


def hf_weights(model, cfg: List[int]) -> List[torch.Tensor]:
    """The weights of an HF OPTForCausalLM in this module's order (what DecodeOps.weights builds in Java)."""
    sd = {k.removeprefix("model."): v for k, v in model.state_dict().items()}
    names = ["decoder.embed_tokens.weight", "decoder.embed_positions.weight"]
    if cfg[4]:
        names += ["decoder.project_in.weight", "decoder.project_out.weight"]
    if cfg[5] and cfg[7]:
        names += ["decoder.final_layer_norm.weight", "decoder.final_layer_norm.bias"]
    if not cfg[8]:
        names += ["lm_head.weight"]
    for i in range(cfg[0]):
        for n in LAYER_NAMES:
            if (n.endswith(".bias") and "layer_norm" not in n and not cfg[6]) or ("layer_norm" in n and not cfg[7]):
                continue
            names.append(f"decoder.layers.{i}.{n}")
    return [sd[n] for n in names]


def self_check(s: torch.jit.ScriptModule) -> None:
    from transformers import OPTConfig, OPTForCausalLM
    variants = [
        dict(do_layer_norm_before=True, activation_function="relu"),
        dict(do_layer_norm_before=False, activation_function="gelu", word_embed_proj_dim=12),
        dict(do_layer_norm_before=True, enable_bias=False, layer_norm_elementwise_affine=False,
             tie_word_embeddings=False),
    ]
    for v in variants:
        torch.manual_seed(0)
        conf = OPTConfig(vocab_size=97, hidden_size=16, num_hidden_layers=2, num_attention_heads=4, ffn_dim=24,
                         max_position_embeddings=40, dropout=0.0, attention_dropout=0.0, **v)
        conf._attn_implementation = "eager"
        hf = OPTForCausalLM(conf).eval()
        with torch.no_grad():
            for p in hf.parameters():
                p.add_(torch.randn_like(p) * 0.3)  # LN weights away from 1, biases away from 0
        final_ln = conf.do_layer_norm_before and not conf._remove_final_layer_norm
        cfg = [2, 4, int(conf.do_layer_norm_before), int(conf.activation_function == "relu"),
               int(conf.word_embed_proj_dim != conf.hidden_size), int(final_ln), int(conf.enable_bias),
               int(conf.layer_norm_elementwise_affine), int(conf.tie_word_embeddings)]
        w = hf_weights(hf, cfg)
        b, width, new, cap = 3, 6, 5, 12
        ids = torch.randint(3, 97, (b, width + new))
        mask = torch.ones(b, cap, dtype=torch.long)
        mask[1, :2] = 0  # left padding
        mask[2, :5] = 0
        ids[1, :2] = 1
        ids[2, :5] = 1
        caches = [torch.zeros(b, 4, cap, 4) for _ in range(4)]
        got = [s.prefill(ids[:, :width], mask, w, caches, cfg)]
        tokens = torch.zeros(b, cap, dtype=torch.long)
        tokens[:, :width] = ids[:, :width]
        for g in range(new - 1):
            past = width + g
            scores = s.sample_step(ids[:, past].clone(), tokens, mask, past, w, caches, cfg, 1.0, 97, -1)
            got.append(scores)
        with torch.no_grad():
            ref = hf(input_ids=ids[:, :width + new - 1], attention_mask=mask[:, :width + new - 1]).logits
        for g, x in enumerate(got):
            want = ref[:, width - 1 + g]
            assert torch.allclose(x.float(), want, atol=2e-5), (v, g, (x - want).abs().max())
        # beam_step = the processors and top-k over the same logits
        torch.manual_seed(1)
        state = torch.stack([ids[:, width + 3].double(), torch.tensor([0.0, 0.0, 1.0]),
                             torch.randn(b).double()], 1)
        tokens2, caches2 = tokens.clone(), [c.clone() for c in caches]
        top = s.beam_step(state, True, tokens2, mask, width + 3, w, caches2, cfg, 3.0, 90, 2, 1, 4)
        parent = torch.tensor([0, 0, 1])
        tok_ref = tokens.index_select(0, parent)
        tok_ref[:, width + 3] = ids[:, width + 3]
        caches3 = [c.index_select(0, parent) for c in caches]
        logits = s.sample_step(ids[:, width + 3].clone(), tok_ref.clone(), mask, width + 3, w, caches3, cfg, 1.0,
                               97, -1)
        sc = logits.log_softmax(1)
        seen = tok_ref[:, :width + 4]
        g_ = sc.gather(1, seen)
        sc = sc.scatter(1, seen, torch.where(g_ < 0, g_ * 3.0, g_ / 3.0))
        sc[:, 90:] = NEG_INF
        sc[:, 2] = NEG_INF
        vals, idx = (sc + state[:, 2].float().view(-1, 1)).view(1, -1).topk(4, 1, True, True)
        assert torch.equal(top, torch.cat([vals.double(), idx.double()], 1)), (top, vals, idx)
        assert torch.equal(tokens2, tok_ref)
        check_half(s, hf, cfg)
    print("self-check: prefill + steps = HF OPTForCausalLM logits (3 architectures; bitwise in bf16 and fp16);"
          " beam_step = its reference")


def check_half(s: torch.jit.ScriptModule, hf, cfg: List[int]) -> None:
    """In bf16 and fp16 (every weight in that dtype, as HF's torch_dtype model), prefill and a cached step give
    bit-identical logits to HF's SDPA model under this torch."""
    for dtype in (torch.bfloat16, torch.float16):
        model = hf.to(dtype)
        model.config._attn_implementation = "sdpa"
        w = hf_weights(model, cfg)
        b, width, cap = 2, 5, 8
        ids = torch.randint(3, 97, (b, width + 1))
        mask = torch.ones(b, cap, dtype=torch.long)
        mask[1, :2] = 0
        ids[1, :2] = 1
        caches = s.new_cache(w[0], 4, b, 4, cap, 4)
        got = s.prefill(ids[:, :width], mask, w, caches, cfg)
        tokens = torch.zeros(b, cap, dtype=torch.long)
        tokens[:, :width] = ids[:, :width]
        step = s.sample_step(ids[:, width].clone(), tokens, mask, width, w, caches, cfg, 1.0, 97, -1)
        with torch.no_grad():
            ref = model(input_ids=ids, attention_mask=mask[:, :width + 1]).logits.float()
        assert torch.equal(got, ref[:, width - 1]), (dtype, (got - ref[:, width - 1]).abs().max())
        assert torch.equal(step, ref[:, width]), (dtype, (step - ref[:, width]).abs().max())
    hf.float()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "models/src/main/resources/dev/ouroboros/models/decode.pt")
    out.parent.mkdir(parents=True, exist_ok=True)
    s = torch.jit.script(Decode())
    self_check(s)
    s.save(str(out))
    print("wrote", out, "torch", torch.__version__)


if __name__ == "__main__":
    main()
