"""Make the tiny checkpoint fixtures that dev.ouroboros.models.io tests read.

Run from the repository root (needs torch and safetensors; CI never runs this):

    /work/main/.venv/bin/python scripts/golden/make_io_fixtures.py

Writes into models/src/test/resources/io/:
  fp16.bin        torch.save zip pickle of an nn.Linear state_dict (OrderedDict with _metadata -> BUILD),
                  plus a transpose view, a row view, a strided column view, a key tied to the same tensor,
                  and a 0-dim tensor; all share storages the way real checkpoints do
  fp32.bin        zip pickle of a plain dict: an nn.Parameter (_rebuild_parameter), an int64 tensor,
                  an empty tensor and a slice with a storage offset
  bf16.bin        zip pickle with bf16 values that are not exactly representable in fp16
  legacy.bin      torch.save(..., _use_new_zipfile_serialization=False): must be refused
  mixed.safetensors  F32, F16 and BF16 tensors with __metadata__
  expected.json   {file: {"tensors": {key: {dtype, shape, values}}, "metadata": {...}}} with values
                  widened to float by torch itself (the independent reference)
"""
import collections
import json
import pathlib

import torch
from safetensors.torch import save_file

OUT = pathlib.Path(__file__).resolve().parents[2] / "models/src/test/resources/io"
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def describe(sd):
  return {
      k: {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
          "values": [float(v) for v in t.detach().double().flatten().tolist()]}
      for k, t in sd.items()
  }


def main():
  OUT.mkdir(parents=True, exist_ok=True)
  torch.manual_seed(0)
  expected = {}

  lin = torch.nn.Linear(4, 3).half()
  sd = lin.state_dict()  # OrderedDict carrying a _metadata attribute
  w = sd["weight"]
  sd["weight_t"] = w.t()                    # non-contiguous view
  sd["tied"] = w                            # same tensor object under two keys
  sd["row"] = w[1]                          # same storage, storage_offset 4
  sd["col"] = w[:, 2]                       # strided view, offset 2, stride 4
  sd["scalar"] = torch.tensor(-2.5, dtype=torch.float16)
  torch.save(sd, OUT / "fp16.bin")
  expected["fp16.bin"] = {"tensors": describe(sd)}

  base = torch.randn(10)
  sd32 = {
      "param": torch.nn.Parameter(torch.randn(2, 3)),
      "ids": torch.tensor([[1, -2, 3]], dtype=torch.int64),
      "empty": torch.zeros(0, 4),
      "tail": base[6:],
  }
  torch.save(sd32, OUT / "fp32.bin")
  expected["fp32.bin"] = {"tensors": describe(sd32)}

  sdbf = collections.OrderedDict(
      a=torch.tensor([1.0 / 3, 1e30, -7.25e-20, 65504.0 * 3], dtype=torch.bfloat16),
      b=torch.randn(2, 2).to(torch.bfloat16).t())
  torch.save(sdbf, OUT / "bf16.bin")
  expected["bf16.bin"] = {"tensors": describe(sdbf)}

  torch.save({"a": torch.ones(2)}, OUT / "legacy.bin", _use_new_zipfile_serialization=False)

  st = {
      "f32": torch.randn(2, 3),
      "f16": torch.tensor([0.1, -65504.0, 6.1e-5, 5.96e-8], dtype=torch.float16),
      "bf16": torch.tensor([[3.14159, -1e-3], [2.5e38, 0.0]], dtype=torch.bfloat16),
  }
  meta = {"format": "pt", "source": "make_io_fixtures.py"}
  save_file(st, OUT / "mixed.safetensors", metadata=meta)
  expected["mixed.safetensors"] = {"tensors": describe(st), "metadata": meta}

  (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
  main()
