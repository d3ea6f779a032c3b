"""Learning-rate tables from real PyTorch, for LRSchedulerTablesTest (committed as test data).

Run with Debian's python3-torch (1.13.1):  /usr/bin/python3 optim-api/src/test/python/gen_lr_tables.py
Each table: the scheduler's configuration on its first line, then one line per step t: t, each
group's lr (float.hex) and, for the momentum-cycling schedulers, each group's momentum (Adam's beta1,
or SGD's momentum where torch 1.13 cannot cycle Adam's: CyclicLR; PyTorch 2.x writes the same values
into betas[0]). Two groups, lr 0.1 and 0.01. The loop is PyTorch's documented order: the lr in force
at step t is recorded, then optimizer.step(), then scheduler.step().
"""
import math
import os
import sys

import torch
from torch.optim import lr_scheduler as S

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "resources", "lr")
STEPS = 1200


def optimizer(kind="adam"):
    a, b = torch.zeros(2), torch.zeros(3)
    groups = [{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.01}]
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9) if kind == "sgd" else torch.optim.Adam(groups)


def momentum(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def hf_linear(warmup, total):
    return lambda s: float(s) / float(max(1, warmup)) if s < warmup else max(
        0.0, float(total - s) / float(max(1, total - warmup)))


def hf_cosine(warmup, total, cycles=0.5):
    def f(s):
        if s < warmup:
            return float(s) / float(max(1, warmup))
        progress = float(s - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(cycles) * 2.0 * progress)))
    return f


CASES = {
    "lambda_hf_linear": (lambda o: S.LambdaLR(o, hf_linear(100, 1000)), False),
    "lambda_hf_cosine": (lambda o: S.LambdaLR(o, hf_cosine(100, 1000)), False),
    "lambda_hf_cosine_cycles": (lambda o: S.LambdaLR(o, hf_cosine(50, 1100, 2.5)), False),
    "multiplicative": (lambda o: S.MultiplicativeLR(o, lambda e: 0.997), False),
    "step": (lambda o: S.StepLR(o, step_size=30, gamma=0.7), False),
    "multistep": (lambda o: S.MultiStepLR(o, milestones=[100, 300, 300, 700], gamma=0.5), False),
    "constant": (lambda o: S.ConstantLR(o, factor=0.25, total_iters=40), False),
    "linear": (lambda o: S.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=500), False),
    "exponential": (lambda o: S.ExponentialLR(o, gamma=0.995), False),
    "polynomial": (lambda o: S.PolynomialLR(o, total_iters=900, power=2.0), False),
    "cosine": (lambda o: S.CosineAnnealingLR(o, T_max=250, eta_min=1e-4), False),
    "cosine_warm_restarts": (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=50, T_mult=2, eta_min=1e-5), False),
    "one_cycle": (lambda o: S.OneCycleLR(o, max_lr=0.2, total_steps=STEPS), True),
    "one_cycle_linear_three_phase": (lambda o: S.OneCycleLR(o, max_lr=0.2, total_steps=STEPS, anneal_strategy="linear",
                                                            three_phase=True, pct_start=0.25), True),
    "cyclic_triangular": (lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=70, step_size_down=130), "sgd"),
    "cyclic_triangular2": (lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=100, mode="triangular2"), "sgd"),
    "cyclic_exp_range": (lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=90, mode="exp_range",
                                              gamma=0.999), "sgd"),
    "sequential": (lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.01, total_iters=100),
                                                S.CosineAnnealingLR(o, T_max=1100)], milestones=[100]), False),
    "chained": (lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=60),
                                              S.ExponentialLR(o, gamma=0.998)]), False),
}


def metric(t):
    """A validation loss that improves, plateaus and wobbles (deterministic)."""
    return 1.0 / (1.0 + 0.01 * min(t, 300)) + 0.001 * math.sin(0.7 * t)


def write(name, rows, header):
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.write("# " + header + "\n")
        for r in rows:
            f.write(" ".join([str(r[0])] + [float.hex(x) for x in r[1:]]) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (make, mom) in CASES.items():
        opt = optimizer("sgd" if mom == "sgd" else "adam")
        sched = make(opt)
        rows = []
        for t in range(STEPS):
            rows.append([t] + [g["lr"] for g in opt.param_groups] + (momentum(opt) if mom else []))
            opt.step()
            sched.step()
        write(name, rows, "torch " + torch.__version__ + " " + name)
    for name, kw in {"plateau_min_rel": dict(mode="min", factor=0.5, patience=5, threshold=1e-3, cooldown=3, min_lr=1e-4),
                     "plateau_max_abs": dict(mode="max", factor=0.3, patience=2, threshold=1e-4, threshold_mode="abs",
                                             min_lr=2e-3)}.items():
        opt = optimizer()
        sched = S.ReduceLROnPlateau(opt, **kw)
        rows = []
        for t in range(STEPS):
            rows.append([t] + [g["lr"] for g in opt.param_groups])
            opt.step()
            m = metric(t)
            sched.step(-m if kw["mode"] == "max" else m)
        write(name, rows, "torch " + torch.__version__ + " " + name)


main()
