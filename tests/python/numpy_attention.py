#!/usr/bin/env python3
"""An honest NumPy implementation of RoPE attention, as a candidate for `ropecert validate`.

Usage: numpy_attention.py GOLDEN_DIR OUT_DIR --dtype f64|f32 [--fault NAME]

Reads every case of a golden suite (ropecert-golden/1), computes softmax attention with the case's
conventions (pairing, rotary_dim, base, offsets, causal mask, scale, HF rope_scaling, emulation) and
writes OUT_DIR/<tcId>.npy in the requested dtype. f64 computes in float64; f32 computes the angles
in float64 (a careful kernel) and everything else in float32.

--fault injects one convention mistake, to check that the validator catches it:
  pairing   half <-> interleaved        base     base * 2
  offset    queries one position late   scale    1/d instead of 1/sqrt(d)
  yarn-factor   YaRN's attention factor dropped
The HF formulas follow proofs-notes/11-rope-scaling.md.
"""
import argparse
import json
import math
import os
import sys

import numpy as np


def default_inv_freq(base, dim):
    return 1.0 / (base ** (np.arange(0, dim, 2, dtype=np.float64) / dim))


def inv_freq_float32(base, dim):
    exponent = np.arange(0, dim, 2, dtype=np.int64).astype(np.float32) / np.float32(dim)
    return (np.float32(1.0) / (np.float32(base) ** exponent)).astype(np.float64)


def yarn_mscale(scale, mscale=1.0):
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


def scaled_frequencies(base, dim, scaling, fault):
    """(inv_freq, attention_factor) for HF's rope_scaling dict (None: default)."""
    if not scaling or scaling.get("rope_type", "default") == "default":
        return default_inv_freq(base, dim), 1.0
    kind = scaling["rope_type"]
    L = scaling.get("original_max_position_embeddings")
    M = scaling.get("max_position_embeddings")
    factor = scaling.get("factor")
    if kind == "linear":
        return default_inv_freq(base, dim) / factor, 1.0
    if kind == "dynamic":
        seq = max(scaling.get("sequence_length") or 0, M)
        base = base * ((factor * seq / M) - (factor - 1)) ** (dim / (dim - 2))
        return default_inv_freq(base, dim), 1.0
    if kind == "yarn":
        if factor is None:
            factor = M / L
        mscale, mscale_all = scaling.get("mscale"), scaling.get("mscale_all_dim")
        if "attention_factor" in scaling:
            attention = scaling["attention_factor"]
        elif mscale and mscale_all:
            attention = yarn_mscale(factor, mscale) / yarn_mscale(factor, mscale_all)
        else:
            attention = yarn_mscale(factor)
        if fault == "yarn-factor":
            attention = 1.0
        beta_fast = scaling.get("beta_fast") or 32
        beta_slow = scaling.get("beta_slow") or 1

        def correction_dim(rotations):
            return (dim * math.log(L / (rotations * 2 * math.pi))) / (2 * math.log(base))

        low, high = correction_dim(beta_fast), correction_dim(beta_slow)
        if scaling.get("truncate", True):
            low, high = math.floor(low), math.ceil(high)
        low, high = max(low, 0), min(high, dim - 1)
        if low == high:
            high += 0.001
        ramp = np.clip((np.arange(dim // 2, dtype=np.float64) - low) / (high - low), 0, 1)
        extrapolation = 1 - ramp
        freqs = default_inv_freq(base, dim)
        return freqs / factor * (1 - extrapolation) + freqs * extrapolation, attention
    if kind == "llama3":
        low_f, high_f = scaling.get("low_freq_factor", 1.0), scaling.get("high_freq_factor", 4.0)
        freqs = default_inv_freq(base, dim)
        wavelen = 2 * math.pi / freqs
        scaled = np.where(wavelen > L / low_f, freqs / factor, freqs)
        smooth = (L / wavelen - low_f) / (high_f - low_f)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < L / high_f) & ~(wavelen > L / low_f)
        return np.where(medium, smoothed, scaled), 1.0
    if kind == "longrope":
        seq = scaling.get("sequence_length") or 0
        ext = np.array(scaling["long_factor"] if seq > L else scaling["short_factor"], dtype=np.float64)
        if factor is None:
            factor = M / L
        attention = scaling.get("attention_factor",
                                1.0 if factor <= 1 else math.sqrt(1 + math.log(factor) / math.log(L)))
        return 1.0 / (ext * base ** (np.arange(0, dim, 2, dtype=np.float64) / dim)), attention
    raise SystemExit("numpy_attention.py: unknown rope_type " + kind)


def round_to(x, name):
    """Round float64 values to a format (nearest even), back as float64."""
    if name == "float32":
        return x.astype(np.float32).astype(np.float64)
    if name == "float16":
        return x.astype(np.float16).astype(np.float64)
    if name == "bfloat16":  # round float64 -> float32 exactly enough, then to the top 16 bits, ties to even
        bits = x.astype(np.float32).view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return x


def rotate(x, positions, rope, fault):
    d = x.shape[1]
    r = rope.get("rotary_dim", d)
    base = rope.get("base", 10000.0) * (2 if fault == "base" else 1)
    emulate = rope.get("emulate", {})
    if rope.get("angles", "standard") == "pythagorean":
        u = np.arange(r // 2, dtype=np.float64) + 2
        inv_freq, attention = np.arctan2(2 * u, u * u - 1), 1.0
    elif emulate.get("inv_freq", "exact") == "float32":
        inv_freq, attention = inv_freq_float32(base, r), 1.0
    else:
        inv_freq, attention = scaled_frequencies(base, r, rope.get("scaling"), fault)
    angles = np.outer(positions.astype(np.float64), inv_freq)
    cos, sin = attention * np.cos(angles), attention * np.sin(angles)
    cos_sin = emulate.get("cos_sin", "exact")
    cos, sin = round_to(cos, cos_sin), round_to(sin, cos_sin)
    pairing = rope.get("pairing", "half")
    if fault == "pairing":
        pairing = "interleaved" if pairing == "half" else "half"
    if pairing == "half":
        a, b = np.arange(r // 2), np.arange(r // 2) + r // 2
    else:
        a, b = np.arange(0, r, 2), np.arange(1, r, 2)
    y = x.copy()  # HF scales cos and sin by the attention factor: pass-through dimensions stay as they are
    y[:, a] = x[:, a] * cos - x[:, b] * sin
    y[:, b] = x[:, a] * sin + x[:, b] * cos
    return y


def attention_case(case_dir, dtype, fault):
    settings = json.load(open(os.path.join(case_dir, "case.json")))
    Q, K, V = (np.load(os.path.join(case_dir, name + ".npy")) for name in ("Q", "K", "V"))
    n_q, d = Q.shape
    n_k = K.shape[0]
    scale_rule = settings.get("scale", "inv_sqrt_d")
    if fault == "scale" or scale_rule == "inv_d":
        scale = 1.0 / d
    elif scale_rule == "inv_sqrt_d":
        scale = 1.0 / math.sqrt(d)
    else:
        scale = float(scale_rule)
    rope = settings.get("rope", {})
    q_offset, k_offset = rope.get("q_offset", 0), rope.get("k_offset", 0)
    q_positions = np.arange(n_q) + q_offset + (1 if fault == "offset" else 0)
    k_positions = np.arange(n_k) + k_offset
    if settings.get("kind", "rope") == "general":
        W = np.load(os.path.join(case_dir, "W.npy"))
        M = np.empty((n_q, n_k))
        for i in range(n_q):
            for j in range(n_k):
                M[i, j] = Q[i] @ W[i - j + n_k - 1] @ K[j]
        M *= scale
    else:
        Qr, Kr = rotate(Q, q_positions, rope, fault), rotate(K, k_positions, rope, fault)
        if dtype == "f32":
            Qr, Kr = Qr.astype(np.float32), Kr.astype(np.float32)
        M = (Qr @ Kr.T) * (np.float32(scale) if dtype == "f32" else scale)
    if dtype == "f32":
        M, V = M.astype(np.float32), V.astype(np.float32)
    if settings.get("mask", "none") == "causal":
        M = np.where(q_positions[:, None] - (1 if fault == "offset" else 0) >= k_positions[None, :], M, -np.inf)
    M = M - M.max(axis=1, keepdims=True)
    weights = np.exp(M)
    T = (weights @ V) / weights.sum(axis=1, keepdims=True)
    return T.astype(np.float32 if dtype == "f32" else np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("golden")
    parser.add_argument("out")
    parser.add_argument("--dtype", choices=["f64", "f32"], default="f64")
    parser.add_argument("--fault", choices=["pairing", "base", "offset", "scale", "yarn-factor"])
    args = parser.parse_args()
    manifest = json.load(open(os.path.join(args.golden, "manifest.json")))
    if manifest.get("format") != "ropecert-golden/1":
        sys.exit("numpy_attention.py: not a ropecert-golden/1 suite: " + args.golden)
    os.makedirs(args.out, exist_ok=True)
    for group in manifest["testGroups"]:
        for test in group["tests"]:
            T = attention_case(os.path.join(args.golden, "cases", test["tcId"]), args.dtype, args.fault)
            np.save(os.path.join(args.out, test["tcId"] + ".npy"), T)


if __name__ == "__main__":
    main()
