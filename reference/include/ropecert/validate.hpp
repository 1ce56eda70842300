// Grading candidate attention outputs against a golden suite (format "ropecert-golden/1").
//
// A golden suite is a directory DIR with manifest.json and, per test, DIR/cases/<tcId>/ holding the
// case and expected/T.npy (RN64(T)), T_f32.npy, T_f16.npy, T_bf16.npy (bfloat16 bit patterns, '<u2')
// and T_lo.npy, T_hi.npy (float64, T_lo <= T <= T_hi for the exact output T). The manifest lists the
// SHA-256 of every file; load_golden_suite (golden_manifest.hpp) verifies them all.
//
// Every error bound here is rigorous: with the exact T in [T_lo, T_hi], the error of a candidate
// entry c is bounded by err = RU(max(|c - T_lo|, |c - T_hi|)) >= |c - T| (RU: rounded upward to
// binary64 by MPFR, correctly), and derived quantities round in the direction that keeps a pass
// certified: a test never passes unless the exact criterion holds for the exact T.
//
// The parts: validate_policy.hpp (dtypes, policies), validate_inputs.hpp (truth and candidate files),
// validate_grading.hpp (certified grading), validate_hints.hpp (where to look first); the manifest
// and the suite's hash checks are in golden_manifest.hpp.
#pragma once
#include "ropecert/golden_manifest.hpp"
#include "ropecert/validate_grading.hpp"
#include "ropecert/validate_hints.hpp"
#include "ropecert/validate_inputs.hpp"
#include "ropecert/validate_policy.hpp"
