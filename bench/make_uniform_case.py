#!/usr/bin/python3
"""Writes a ropecert-case/1 directory for the benchmark peers (bench/README.md): kind rope, standard angles,
base 10000, half pairing, scale 1/sqrt(d), no mask (--causal for the causal mask); Q, K, V are n x d float64
arrays with entries uniform in [-1, 1] (numpy's default_rng(seed).uniform). Needs numpy.

    /usr/bin/python3 bench/make_uniform_case.py OUT_DIR --n 1024 --d 64 [--seed 1] [--causal]
"""
import argparse
import json
import os
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--d", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--causal", action="store_true")
    args = parser.parse_args()
    if args.n < 1 or args.d < 2 or args.d % 2:
        sys.exit("make_uniform_case.py: error: need n >= 1 and an even d >= 2")
    os.makedirs(args.out, exist_ok=False)
    rng = np.random.default_rng(args.seed)
    for name in ("Q", "K", "V"):
        np.save(os.path.join(args.out, name + ".npy"), rng.uniform(-1.0, 1.0, size=(args.n, args.d)))
    case = {"format": "ropecert-case/1", "kind": "rope", "scale": "inv_sqrt_d",
            "mask": "causal" if args.causal else "none",
            "rope": {"angles": "standard", "base": 10000, "pairing": "half"}}
    with open(os.path.join(args.out, "case.json"), "w") as f:
        json.dump(case, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
