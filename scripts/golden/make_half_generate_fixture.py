"""HF generate in bf16 and fp16 on the golden checkpoints: models/src/test/resources/golden/half_generate.json.

The reference for the Java Generator's half-precision decoding (Generator.precision, the fused step of decode.pt):
each golden model loaded with torch_dtype bf16 / fp16 (every weight in that dtype, as the Java side casts them),
SDPA attention, on CPU, continuing the two left-padded prompts of pre_ln_tied_safetensors/generate.json:
greedy 16 new tokens and the Shumailov protocol (5 beams, repetition penalty 3.0, exactly 64 new tokens).

Half-precision kernels differ between libtorch builds (the Java side runs libtorch 2.7.1; this script the installed
torch), so besides the tokens it records, per greedy step and row, the gap between the best and second-best
processed score: a divergence is only acceptable at a step whose gap is within the dtype's rounding.

Usage: .venv/bin/python scripts/golden/make_half_generate_fixture.py
"""
import json
from pathlib import Path

import torch
from transformers import OPTForCausalLM

GOLDEN = Path("models/src/test/resources/golden")
CASES = ["pre_ln_tied_safetensors", "post_ln_proj_gelu_fp16_bin", "untied_nobias_noaffine_bf16_sharded"]
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def main() -> None:
    gen = json.loads((GOLDEN / "pre_ln_tied_safetensors" / "generate.json").read_text())
    inputs = dict(input_ids=torch.tensor(gen["input_ids"]), attention_mask=torch.tensor(gen["attention_mask"]))
    common = dict(do_sample=False, eos_token_id=2, pad_token_id=1, bos_token_id=2, return_dict_in_generate=True,
                  output_scores=True)
    beam_args = dict(num_beams=5, repetition_penalty=3.0, min_new_tokens=64, max_new_tokens=64, length_penalty=1.0,
                     early_stopping=False)
    width = inputs["input_ids"].shape[1]
    out = {"torch": torch.__version__, "input_ids": gen["input_ids"], "attention_mask": gen["attention_mask"]}
    for case in CASES:
        out[case] = {}
        for name, dtype in DTYPES.items():
            model = OPTForCausalLM.from_pretrained(str(GOLDEN / case / "model"), dtype=dtype,
                                                   attn_implementation="sdpa").eval()
            with torch.no_grad():
                greedy = model.generate(**inputs, **common, max_new_tokens=16)
                beam = model.generate(**inputs, **common, **beam_args)
            gaps = [[round(float(g), 6) for g in (lambda t: t[:, 0] - t[:, 1])(s.float().topk(2, dim=-1).values)]
                    for s in greedy.scores]  # [step][row]
            out[case][name] = {
                "greedy": {"new_tokens": greedy.sequences[:, width:].tolist(), "top2_gap": gaps},
                "beam": {"new_tokens": beam.sequences[:, width:].tolist(),
                         "sequence_scores": beam.sequences_scores.tolist()},
            }
    (GOLDEN / "half_generate.json").write_text(json.dumps(out) + "\n")
    print("wrote", GOLDEN / "half_generate.json", "torch", torch.__version__)


if __name__ == "__main__":
    main()
