#!/usr/bin/env python3
"""Grade PyTorch's RoPE attention, written the way Hugging Face transformers writes it, against a
ropecert golden suite, in float32 and in float64.

    python3 examples/validate_torch.py GOLDEN_DIR [--out DIR] [--ropecert PATH] [--require-torch]

For every case of the suite (GOLDEN_DIR/manifest.json, GOLDEN_DIR/cases/<tcId>/, written by
`ropecert golden`), this computes in torch, entirely in the dtype (float32, then float64):
  inv_freq = 1 / (base ** (arange(0, r, 2) / r))          HF's default frequencies, r = rotary_dim
             then HF's rope_scaling (linear, dynamic, yarn, llama3, longrope; modeling_rope_utils.py)
  cos, sin of position * inv_freq, times HF's attention factor (yarn, longrope)
  pairing "half": HF's rotate_half; "interleaved": the GPT-J / Meta pairs (2p, 2p+1);
  dimensions r .. d-1 pass through
  softmax(scale * q_rot k_rot^T) V, keys after the query's position masked when causal; positions
  are q_offset + i and k_offset + j, the scale is case.json's (1/sqrt(d), 1/d, or the decimal).
It writes the outputs to OUT/f32/<tcId>.npy and OUT/f64/<tcId>.npy (after removing the .npy files a
previous run left there) and runs `ropecert validate --dtype f32` and `--dtype f64` on them (tables
on stdout, JSON in OUT/f32.json, OUT/f64.json), then prints the largest errors per dtype.
Cases of conventions HF does not have are skipped with a line saying why (they then show as
missing in the tables): kind general, pythagorean angles, and the emulate settings, which model
a rounding rather than the exact convention.

Without torch: prints "torch not installed: skipping" and exits 0 (1 with --require-torch).
Exit codes: 0 both tables printed and every computed case passes in float64 (the float32 verdicts
are measurements: float32 RoPE at positions near 10^6 is expected to fail torch's tolerances);
1 a computed case fails in float64 (float64 is accurate enough for its tolerances, so a convention
of this example differs from the suite's), or torch is missing with --require-torch; 2 bad
arguments, an unreadable suite, or ropecert validate could not grade.
"""
import argparse
import json
import math
import os
import subprocess
import sys

import numpy as np


class Unsupported(Exception):
    """A case whose convention this example does not implement."""


def default_inv_freq(torch, base, dim, dtype):
    """HF's _compute_default_rope_parameters, in `dtype`."""
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(dtype) / dim))


def scaled_inv_freq(torch, rope, dim, dtype):
    """(inv_freq, attention_factor) of HF's rope_scaling (modeling_rope_utils.py), in `dtype`."""
    base = rope.get("base", 10000.0)
    s = rope.get("scaling", {"rope_type": "default"})
    kind = s["rope_type"]
    arange = torch.arange(0, dim, 2, dtype=torch.int64).to(dtype) / dim
    if kind == "default":
        return default_inv_freq(torch, base, dim, dtype), 1.0
    if kind == "linear":
        return default_inv_freq(torch, base, dim, dtype) / s["factor"], 1.0
    if kind == "dynamic":
        big_m = s["max_position_embeddings"]
        seq_len = max(s.get("sequence_length") or big_m, big_m)
        f = s["factor"]
        base = base * ((f * seq_len / big_m) - (f - 1)) ** (dim / (dim - 2))
        return default_inv_freq(torch, base, dim, dtype), 1.0
    if kind == "yarn":
        big_l = s["original_max_position_embeddings"]
        f = s.get("factor") or s["max_position_embeddings"] / big_l

        def get_mscale(scale, mscale=1.0):
            return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0

        attention_factor = s.get("attention_factor")
        if attention_factor is None:
            if s.get("mscale") and s.get("mscale_all_dim"):
                attention_factor = get_mscale(f, s["mscale"]) / get_mscale(f, s["mscale_all_dim"])
            else:
                attention_factor = get_mscale(f)

        def correction_dim(rotations):
            return (dim * math.log(big_l / (rotations * 2 * math.pi))) / (2 * math.log(base))

        low, high = correction_dim(s.get("beta_fast") or 32), correction_dim(s.get("beta_slow") or 1)
        if s.get("truncate", True):
            low, high = math.floor(low), math.ceil(high)
        low, high = max(low, 0), min(high, dim - 1)
        if low == high:
            high += 0.001
        ramp = torch.clamp((torch.arange(dim // 2, dtype=dtype) - low) / (high - low), 0, 1)
        extrapolation = 1 - ramp
        pos_freqs = base ** arange
        inv_freq = (1.0 / (f * pos_freqs)) * (1 - extrapolation) + (1.0 / pos_freqs) * extrapolation
        return inv_freq, attention_factor
    if kind == "llama3":
        inv_freq = default_inv_freq(torch, base, dim, dtype)
        f, low_ff, high_ff = s["factor"], s.get("low_freq_factor", 1.0), s.get("high_freq_factor", 4.0)
        old_context = s["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old_context / low_ff, old_context / high_ff
        wavelen = 2 * math.pi / inv_freq
        llama = torch.where(wavelen > low_wavelen, inv_freq / f, inv_freq)
        smooth = (old_context / wavelen - low_ff) / (high_ff - low_ff)
        smoothed = (1 - smooth) * llama / f + smooth * llama
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        return torch.where(medium, smoothed, llama), 1.0
    if kind == "longrope":
        big_l = s["original_max_position_embeddings"]
        f = s.get("factor") or s["max_position_embeddings"] / big_l
        attention_factor = s.get("attention_factor")
        if attention_factor is None:
            attention_factor = 1.0 if f <= 1 else math.sqrt(1 + math.log(f) / math.log(big_l))
        seq_len = s.get("sequence_length")
        factors = s["long_factor"] if seq_len and seq_len > big_l else s["short_factor"]
        return 1.0 / (torch.tensor(factors, dtype=dtype) * base ** arange), attention_factor
    raise Unsupported(f"rope_scaling rope_type {kind!r}")


def rotate(torch, x, positions, inv_freq, attention_factor, pairing, r):
    """RoPE on the first r columns of x (n, d) at `positions` (n,); the rest passes through."""
    freqs = positions[:, None] * inv_freq[None, :]  # (n, r/2)
    x_rot, x_pass = x[:, :r], x[:, r:]
    if pairing == "half":  # HF: q * cos + rotate_half(q) * sin, emb = cat(freqs, freqs)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos() * attention_factor, emb.sin() * attention_factor
        rotated = x_rot * cos + torch.cat((-x_rot[:, r // 2:], x_rot[:, : r // 2]), dim=-1) * sin
    else:  # GPT-J rotate_every_two / Meta's complex pairs (2p, 2p+1)
        cos = freqs.cos().repeat_interleave(2, dim=-1) * attention_factor
        sin = freqs.sin().repeat_interleave(2, dim=-1) * attention_factor
        rotated = x_rot * cos + torch.stack((-x_rot[:, 1::2], x_rot[:, ::2]), dim=-1).flatten(-2) * sin
    return torch.cat((rotated, x_pass), dim=-1)


def softmax_scale(case, d):
    """case.json's scale as a Python float (HF multiplies the float32 scores by such a float)."""
    scale = case.get("scale", "inv_sqrt_d")
    if scale == "inv_sqrt_d":
        return d ** -0.5  # HF: self.scaling = head_dim ** -0.5
    if scale == "inv_d":
        return 1.0 / d
    return float(scale)


def torch_attention(torch, case, q, k, v, dtype):
    """HF-style RoPE attention of one golden case in `dtype`; q, k, v float64 NumPy arrays."""
    if case["kind"] != "rope":
        raise Unsupported(f"kind {case['kind']!r} (a general coupling W; HF has only RoPE)")
    rope = case.get("rope", {})
    if rope.get("angles", "standard") != "standard":
        raise Unsupported(f"angles {rope['angles']!r} (not a convention of real models)")
    if "emulate" in rope:
        raise Unsupported(f"emulate {rope['emulate']} (models a framework's rounding, not the exact convention)")
    q, k, v = (torch.from_numpy(x).to(dtype) for x in (q, k, v))
    d = q.shape[1]
    r = rope.get("rotary_dim", d)
    inv_freq, attention_factor = scaled_inv_freq(torch, rope, r, dtype)
    q_pos = torch.arange(q.shape[0], dtype=torch.int64) + rope.get("q_offset", 0)
    k_pos = torch.arange(k.shape[0], dtype=torch.int64) + rope.get("k_offset", 0)
    pairing = rope.get("pairing", "half")
    q_rot = rotate(torch, q, q_pos.to(dtype), inv_freq, attention_factor, pairing, r)
    k_rot = rotate(torch, k, k_pos.to(dtype), inv_freq, attention_factor, pairing, r)
    scores = (q_rot @ k_rot.T) * softmax_scale(case, d)
    if case.get("mask", "none") == "causal":
        scores = scores.masked_fill(k_pos[None, :] > q_pos[:, None], float("-inf"))
    return (torch.softmax(scores, dim=-1) @ v).numpy()


def prepare(directory):
    """Creates `directory` and removes the .npy candidates a previous run left in it."""
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".npy"):
            os.remove(os.path.join(directory, name))


def graded_cases(report_path):
    """The cases of a `ropecert validate --json` report that had a candidate."""
    with open(report_path) as f:
        return [c for c in json.load(f)["cases"] if c["max_abs_error"] is not None]


def summary(cases, dtype_name):
    """One line: the largest max abs error and normwise ulps over the graded cases."""
    if not cases:
        return f"{dtype_name}: no case graded"
    worst_abs = max(cases, key=lambda c: c["max_abs_error"])
    worst_ulps = max(cases, key=lambda c: c["normwise_ulps"])
    passed = sum(c["verdict"] == "pass" for c in cases)
    return (f"{dtype_name}: {len(cases)} cases graded, {passed} pass; max abs error {worst_abs['max_abs_error']:.3g} "
            f"({worst_abs['tcId']}), max normwise error {worst_ulps['normwise_ulps']:.3g} ulps ({worst_ulps['tcId']})")


def main():
    """Computes the candidates, runs ropecert validate for f32 and f64; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("golden", help="golden suite directory (written by `ropecert golden`)")
    parser.add_argument("--out", default="validate-torch-out", help="output directory (default %(default)s)")
    parser.add_argument("--ropecert", default="./build/ropecert", help="the ropecert binary (default %(default)s)")
    parser.add_argument("--require-torch", action="store_true", help="exit 1 instead of 0 when torch is missing")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("torch not installed: skipping")
        return 1 if args.require_torch else 0
    if not os.access(args.ropecert, os.X_OK):
        print(f"validate_torch: --ropecert {args.ropecert}: not an executable file", file=sys.stderr)
        return 2
    manifest_path = os.path.join(args.golden, "manifest.json")
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as error:
        print(f"validate_torch: {manifest_path}: {error}", file=sys.stderr)
        return 2

    dtypes = {"f32": torch.float32, "f64": torch.float64}
    for name in dtypes:
        prepare(os.path.join(args.out, name))
    written = skipped = 0
    for group in manifest["testGroups"]:
        for test in group["tests"]:
            tc_id = test["tcId"]
            case_dir = os.path.join(args.golden, "cases", tc_id)
            try:
                with open(os.path.join(case_dir, "case.json")) as f:
                    case = json.load(f)
                q, k, v = (np.load(os.path.join(case_dir, name + ".npy")) for name in ("Q", "K", "V"))
            except (OSError, ValueError) as error:
                print(f"validate_torch: {case_dir}: {error}", file=sys.stderr)
                return 2
            try:
                for name, dtype in dtypes.items():
                    np.save(os.path.join(args.out, name, tc_id + ".npy"), torch_attention(torch, case, q, k, v, dtype))
                written += 1
            except Unsupported as reason:
                print(f"skip {tc_id}: {reason}")
                skipped += 1
    print(f"torch {torch.__version__}: {written} cases computed, {skipped} skipped; candidates in {args.out}/f32, "
          f"{args.out}/f64\n")

    lines, f64_failures = [], []
    for name in dtypes:
        report = os.path.join(args.out, name + ".json")
        command = [args.ropecert, "validate", "--golden", args.golden, "--candidate", os.path.join(args.out, name),
                   "--dtype", name, "--json", report]
        print("$ " + " ".join(command), flush=True)
        code = subprocess.run(command).returncode
        print(flush=True)
        if code not in (0, 1):  # 1: some test failed or is missing, which is a measurement
            print(f"validate_torch: ropecert validate exited with {code}", file=sys.stderr)
            return 2
        cases = graded_cases(report)
        lines.append(summary(cases, name))
        if name == "f64":
            f64_failures = [c["tcId"] for c in cases if c["verdict"] != "pass"]
    print("\n".join(lines))
    if f64_failures:
        print(f"validate_torch: float64 fails on {', '.join(f64_failures)}: a convention of this example differs "
              "from the suite's", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
