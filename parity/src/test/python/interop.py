"""Runs the README's Python snippets against real PyTorch, as PythonInteropTest drives it.

usage: interop.py SNIPPETS CHECKPOINT GRADS_DIR STEPS OUT
  SNIPPETS    a .py file holding the README's two snippets (extracted by the test, verbatim)
  CHECKPOINT  an adam4j checkpoint saved with its parameters
  GRADS_DIR   g_<step>_<name>.f32: each parameter's gradient at each step, float32 little-endian
Loads the checkpoint into torch.optim with the first snippet, takes STEPS steps on those gradients,
and writes the optimizer and the parameters to OUT with the second snippet.
"""
import json
import os
import sys

import torch

snippets, checkpoint, grads_dir, steps, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
ns = {}
exec(compile(open(snippets).read(), snippets, "exec"), ns)
torch.set_num_threads(1)

from safetensors import safe_open

with safe_open(checkpoint, framework="pt") as f:
    names = json.loads(f.metadata()["param_names"])
    params = {n: f.get_tensor(n) for n in names}

opt = ns["adam4j_optimizer"](checkpoint, params)
print("torch", torch.__version__, type(opt).__name__, len(opt.param_groups), "groups", file=sys.stderr)
for step in range(steps):
    for n in names:
        raw = bytearray(open(os.path.join(grads_dir, f"g_{step}_{n}.f32"), "rb").read())
        params[n].grad = torch.frombuffer(raw, dtype=torch.float32).reshape(params[n].shape).clone()
    opt.step()
ns["save_for_adam4j"](opt, out, names=names, params=params)
