"""Tests of the Python module `ropecert` (python/ropecert_module.cpp).

Run by ctest as `python3 tests/python/test_module.py` with PYTHONPATH=<build>/python and
ROPECERT_CLI=<build>/ropecert (the CLI writes the golden suite that load_golden reads).
Checks are exact where the arithmetic is: n = 1 and equal-logit rows have exactly known outputs,
whose roundings must match NumPy's conversions of the exact value bit for bit.
"""
import decimal
import json
import math
import os
import subprocess
import tempfile
import threading
import time
import unittest

import numpy as np

import ropecert


def bfloat16_bits(x):
    """Bit pattern of RN_bfloat16(x) for a float64 x in bfloat16's normal range (8-bit significand)."""
    m, e = math.frexp(x)  # x = m 2^e, 0.5 <= |m| < 1; m * 256 is exact, round() ties to even
    rounded = math.ldexp(round(m * 256), e - 8)
    return int(np.array([rounded], dtype=np.float32).view(np.uint32)[0] >> 16)


class Attention(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(20261129)

    def assert_exact_roundings(self, exact, result):
        """`exact` (float64 array) holds the exact outputs: every field must be its rounding."""
        np.testing.assert_array_equal(result["T"], exact)
        self.assertEqual(result["T_f32"].dtype, np.float32)
        np.testing.assert_array_equal(result["T_f32"], exact.astype(np.float32))
        self.assertEqual(result["T_f16"].dtype, np.float16)
        np.testing.assert_array_equal(result["T_f16"], exact.astype(np.float16))
        self.assertEqual(result["T_bf16"].dtype, np.uint16)
        expected_bf16 = np.array([bfloat16_bits(x) for x in exact.ravel()], dtype=np.uint16).reshape(exact.shape)
        np.testing.assert_array_equal(result["T_bf16"], expected_bf16)
        self.assertTrue(np.all(result["lo"] <= exact) and np.all(exact <= result["hi"]))
        self.assertEqual(result["undecided"], 0)

    def test_n1_returns_v(self):
        q, k = self.rng.standard_normal((1, 8)), self.rng.standard_normal((1, 8))
        v = self.rng.standard_normal((1, 5))
        for pairing in ("half", "interleaved"):
            self.assert_exact_roundings(v, ropecert.attention(q, k, v, pairing=pairing, q_offset=7, k_offset=3))

    def test_equal_logits_give_the_mean(self):
        # q = 0: both logits are 0, T = (v_0 + v_1) / 2 exactly: float64 numbers at and near rounding
        # boundaries. float32 (ulp 2^-24 in [1/2, 1)): a tie down to even, a tie up to even, below half
        # an ulp; bfloat16 (ulp 2^-7 in [1, 2)): a tie down; float16 (ulp 2^-10): a tie down, a
        # negative tie away from zero to even.
        q = np.zeros((3, 4))
        k = self.rng.standard_normal((2, 4))
        v = np.array([[1.0, 1.0, 1.0, 1.0, 1.0, -1.0],
                      [2.0**-24, 3 * 2.0**-24, 2.0**-30, 1 + 2.0**-7, 1 + 2.0**-10, -(1 + 3 * 2.0**-10)]])
        exact = np.tile((v[0] + v[1]) / 2, (3, 1))
        self.assert_exact_roundings(exact, ropecert.attention(q, k, v))
        # Causal with query positions 1, 2, 3 and keys at 0, 1: every row sees both keys.
        self.assert_exact_roundings(exact, ropecert.attention(q, k, v, causal=True, q_offset=1))

    def test_enclosure_and_roundings_of_a_random_case(self):
        q, k = self.rng.uniform(-1, 1, (6, 8)), self.rng.uniform(-1, 1, (6, 8))
        v = self.rng.uniform(-1, 1, (6, 3))
        r = ropecert.attention(q, k, v, causal=True, rotary_dim=4, base=500000.0, scale="0.3")
        self.assertEqual(r["undecided"], 0)
        self.assertEqual(r["T"].shape, (6, 3))
        self.assertTrue(np.all(r["lo"] <= r["T"]) and np.all(r["T"] <= r["hi"]))
        # The enclosure decided RN64(T), so its outward-rounded ends are within an ulp of T.
        self.assertTrue(np.all(r["hi"] - r["lo"] <= 2 * np.spacing(np.maximum(np.abs(r["lo"]), np.abs(r["hi"])))))
        # Rounding is monotone: RN32(T) lies between RN32(lo) and RN32(hi).
        self.assertTrue(np.all(r["lo"].astype(np.float32) <= r["T_f32"]))
        self.assertTrue(np.all(r["T_f32"] <= r["hi"].astype(np.float32)))
        # Causal row 0 sees key 0 only.
        np.testing.assert_array_equal(r["T"][0], v[0])
        # The same values as float32 inputs, and another thread count, give identical outputs.
        q32, k32, v32 = (x.astype(np.float32) for x in (q, k, v))
        a = ropecert.attention(q32, k32, v32, threads=1)
        b = ropecert.attention(q32.astype(np.float64), k32.astype(np.float64), v32.astype(np.float64), threads=2)
        for key in ("T", "T_f32", "T_f16", "T_bf16", "lo", "hi"):
            np.testing.assert_array_equal(a[key], b[key])

    def test_general_kind(self):
        # W = 0: every logit is 0, each row the mean of V.
        q, k = self.rng.standard_normal((3, 2)), self.rng.standard_normal((3, 2))
        v = np.array([[1.0, 2.0], [2.0, 4.0], [4.0, 8.0]])
        r = ropecert.attention(q, k, v, kind="general", W=np.zeros((5, 2, 2)), causal=True)
        exact = np.array([[1.0, 2.0], [1.5, 3.0], [7.0 / 3, 14.0 / 3]])
        np.testing.assert_array_equal(r["T"], exact)
        np.testing.assert_array_equal(r["T_f32"], exact.astype(np.float32))

    def test_bad_input_raises_value_error(self):
        q, k, v = np.ones((2, 4)), np.ones((2, 4)), np.ones((2, 3))
        nan_q = q.copy()
        nan_q[1, 2] = np.nan
        cases = [
            ((nan_q, k, v), {}, "q: value at index (1, 2) is NaN"),
            ((q, np.ones((2, 6)), v), {}, "k: shape (2, 6) but q has d = 4"),
            ((q, k, np.ones((3, 3))), {}, "v: has 3 rows but k has 2"),
            ((q.astype(np.int64), k, v), {}, "q: dtype int64 is not supported"),
            ((np.ones(4), k, v), {}, "q: expected a 2-D array"),
            ((q, k, v), {"kind": "ropes"}, "kind is 'ropes'"),
            ((q, k, v), {"rotary_dim": 3}, "rotary_dim = 3 must be even"),
            ((q, k, v), {"scale": "abc"}, 'scale "abc" is not a decimal number'),
            ((q, k, v), {"base": 2**60 + 1}, "is not exactly a float64 number"),
            ((q, k, v), {"causal": True, "q_offset": 0, "k_offset": 1}, "no visible key"),
            ((q, k, v), {"kind": "general"}, "kind 'general' needs W"),
            ((q, k, v), {"W": np.zeros((3, 4, 4))}, "W applies only to kind 'general'"),
            ((q, k, v), {"kind": "general", "W": np.zeros((3, 4, 4)), "pairing": "interleaved"},
             "kind 'general' takes no RoPE setting"),
            ((q, k, v), {"rope_scaling": {"rope_type": "yarn", "facter": 4}}, "rope_scaling: unknown key 'facter'"),
            ((q, k, v), {"rope_scaling": {"factor": 4}}, "rope_scaling: missing key 'rope_type'"),
            ((q, k, v), {"rope_scaling": {"rope_type": "linear"}}, "linear"),
            ((q, k, v), {"emulate": {"cos_sin": "fp8"}}, "emulate['cos_sin'] is 'fp8'"),
            ((q, k, v), {"max_prec": 32}, "max_prec = 32 must be between 64"),
        ]
        for args, kwargs, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(ValueError) as caught:
                    ropecert.attention(*args, **kwargs)
                self.assertIn(message, str(caught.exception))

    def test_errors_name_the_arguments_not_case_files(self):
        q, k, v = np.ones((2, 4)), np.ones((2, 4)), np.ones((2, 3))
        inf_v = v.copy()
        inf_v[0, 1] = -np.inf
        cases = [
            ((q, np.ones((2, 6)), v), {}, "attention(): k: shape (2, 6) but q has d = 4"),
            ((q, k, inf_v), {}, "attention(): v: value at index (0, 1) is -Inf; all values must be finite"),
            ((q, np.ones((3, 4)), np.ones((3, 3))), {"kind": "general", "W": np.zeros((3, 4, 4))},
             "attention(): k: kind general needs n_q = n_k, got n_q = 2 (q) and n_k = 3 (k)"),
            ((q, k, v), {"kind": "general", "W": np.zeros((2, 4, 4))}, "attention(): W: holds 2 matrices"),
            ((q, k, v), {"rotary_dim": 6}, "attention(): rope.rotary_dim = 6 must be even"),
        ]
        for args, kwargs, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(ValueError) as caught:
                    ropecert.attention(*args, **kwargs)
                text = str(caught.exception)
                self.assertTrue(text.startswith(message), text)
                for file in ("Q.npy", "K.npy", "V.npy", "W.npy", "case.json"):
                    self.assertNotIn(file, text)

    def test_rope_scaling_reaches_the_evaluator(self):
        q, k = self.rng.uniform(-1, 1, (4, 8)), self.rng.uniform(-1, 1, (4, 8))
        v = self.rng.uniform(-1, 1, (4, 2))
        plain = ropecert.attention(q, k, v)
        linear = ropecert.attention(q, k, v, rope_scaling={"rope_type": "linear", "factor": 2.0})
        legacy = ropecert.attention(q, k, v, rope_scaling={"type": "linear", "factor": 2})
        self.assertFalse(np.array_equal(plain["T"], linear["T"]))
        np.testing.assert_array_equal(linear["T"], legacy["T"])
        # Factor 1 and rope_type "default" leave the frequencies as they are: the same exact T.
        for scaling in ({"rope_type": "linear", "factor": 1}, {"rope_type": "default", "factor": None}):
            np.testing.assert_array_equal(ropecert.attention(q, k, v, rope_scaling=scaling)["T"], plain["T"])
        # The float32 emulation of HF's inv_freq changes T (slightly) at large positions.
        emulated = ropecert.attention(q, k, v, q_offset=10**6, emulate={"inv_freq": "float32"})
        exact = ropecert.attention(q, k, v, q_offset=10**6)
        self.assertFalse(np.array_equal(emulated["T"], exact["T"]))

    def test_scale_as_a_number_is_its_exact_binary_value(self):
        q, k, v = (self.rng.uniform(-1, 1, (4, 4)) for _ in range(3))
        for number in (0.125, 0.1, np.float32(0.1)):
            with self.subTest(scale=number):
                exact_decimal = str(decimal.Decimal(float(number)))
                np.testing.assert_array_equal(ropecert.attention(q, k, v, scale=number)["T"],
                                              ropecert.attention(q, k, v, scale=exact_decimal)["T"])

    def test_the_gil_is_released_during_the_evaluation(self):
        # The main thread records times while another evaluates; with the GIL held throughout the
        # evaluation, no time could be recorded strictly inside it.
        q, k, v = (self.rng.uniform(-1, 1, (128, 32)) for _ in range(3))
        span = []

        def evaluate():
            start = time.perf_counter()
            ropecert.attention(q, k, v, threads=1, route="mpfi")  # the slow route: long enough to observe
            span.extend((start, time.perf_counter()))

        worker = threading.Thread(target=evaluate)
        samples = []
        worker.start()
        while worker.is_alive():
            samples.append(time.perf_counter())
            time.sleep(0.001)
        worker.join()
        start, end = span
        inside = [t for t in samples if start + 0.01 < t < end - 0.01]
        self.assertGreater(end - start, 0.05, "the evaluation is too short to observe")
        self.assertGreater(len(inside), 5)

    def test_routes_agree_and_a_bad_route_is_refused(self):
        q, k, v = (self.rng.uniform(-1, 1, (40, 8)) for _ in range(3))
        fast = ropecert.attention(q, k, v, causal=True)
        slow = ropecert.attention(q, k, v, causal=True, route="mpfi")
        self.assertEqual(fast["fast_route_rows"], 40)
        self.assertEqual(slow["fast_route_rows"], 0)
        for name in ("T", "T_f32", "T_f16", "T_bf16"):
            self.assertEqual(fast[name].tobytes(), slow[name].tobytes(), name)
        self.assertTrue(np.all(fast["lo"] <= fast["T"]) and np.all(fast["T"] <= fast["hi"]))
        with self.assertRaisesRegex(ValueError, "route = 'quick' must be"):
            ropecert.attention(q, k, v, route="quick")

    def test_version(self):
        self.assertRegex(ropecert.__version__, r"^\d+\.\d+\.\d+$")


def case_arguments(test):
    """The keyword arguments of attention() for a test of load_golden (its case.json)."""
    case = test["case"]
    kwargs = {"kind": case["kind"], "scale": case.get("scale", "inv_sqrt_d"),
              "causal": case.get("mask", "none") == "causal"}
    rope = case.get("rope", {})
    for key in ("angles", "base", "pairing", "rotary_dim", "q_offset", "k_offset"):
        if key in rope:
            kwargs[key] = rope[key]
    if "scaling" in rope:
        kwargs["rope_scaling"] = rope["scaling"]
    if "emulate" in rope:
        kwargs["emulate"] = rope["emulate"]
    if "W" in test:
        kwargs["W"] = test["W"]
    return kwargs


class LoadGolden(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cli = os.environ.get("ROPECERT_CLI", "build/ropecert")
        if not os.path.exists(cli):
            raise RuntimeError(f"ROPECERT_CLI: no ropecert binary at {cli!r}")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.suite = os.path.join(cls.tmp.name, "smoke")
        helped = subprocess.run([cli, "golden", "--help"], capture_output=True, text=True)
        cls.absent = "unknown command" in helped.stderr
        if not cls.absent:
            subprocess.run([cli, "golden", "--suite", "smoke", "--out", cls.suite], check=True,
                           capture_output=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        if self.absent:
            self.skipTest("`ropecert golden` is not available in this build")

    def test_arrays_and_metadata(self):
        with open(os.path.join(self.suite, "manifest.json")) as f:
            manifest = json.load(f)
        tests = ropecert.load_golden(self.suite)
        listed = [(g["groupId"], t) for g in manifest["testGroups"] for t in g["tests"]]
        self.assertEqual(len(tests), manifest["numberOfTests"])
        self.assertEqual([t["tcId"] for t in tests], [t["tcId"] for _, t in listed])
        dtypes = {"Q": np.float64, "T": np.float64, "T_f32": np.float32, "T_f16": np.float16,
                  "T_bf16": np.uint16, "T_lo": np.float64, "T_hi": np.float64}
        for test, (group, entry) in zip(tests, listed):
            with self.subTest(tcId=test["tcId"]):
                self.assertEqual(test["group"], group)
                self.assertEqual(test["comment"], entry["comment"])
                self.assertEqual(test["flags"], entry["flags"])
                self.assertEqual(test["shape"], tuple(entry["shape"]))
                case_dir = os.path.join(self.suite, "cases", test["tcId"])
                with open(os.path.join(case_dir, "case.json")) as f:
                    self.assertEqual(test["case"], json.load(f))
                self.assertEqual("W" in test, os.path.exists(os.path.join(case_dir, "W.npy")))
                for name in ("Q", "K", "V", "W", "T", "T_f32", "T_f16", "T_bf16", "T_lo", "T_hi"):
                    if name == "W" and "W" not in test:
                        continue
                    folder = case_dir if name in ("Q", "K", "V", "W") else os.path.join(case_dir, "expected")
                    stored = np.load(os.path.join(folder, name + ".npy"))
                    self.assertEqual(test[name].dtype, dtypes.get(name, np.float64))
                    np.testing.assert_array_equal(test[name], stored)

    def test_attention_reproduces_every_expected_output(self):
        for test in ropecert.load_golden(self.suite):
            with self.subTest(tcId=test["tcId"]):
                r = ropecert.attention(test["Q"], test["K"], test["V"], **case_arguments(test))
                self.assertEqual(r["undecided"], 0)
                for ours, theirs in (("T", "T"), ("T_f32", "T_f32"), ("T_f16", "T_f16"), ("T_bf16", "T_bf16"),
                                     ("lo", "T_lo"), ("hi", "T_hi")):
                    self.assertEqual(r[ours].tobytes(), test[theirs].tobytes(), ours)

    def test_modified_suite_is_refused(self):
        victim = os.path.join(self.suite, "cases", ropecert.load_golden(self.suite)[0]["tcId"], "expected", "T.npy")
        with open(victim, "rb") as f:
            original = f.read()
        try:
            with open(victim, "r+b") as f:
                f.seek(-1, os.SEEK_END)
                f.write(bytes([original[-1] ^ 1]))
            with self.assertRaises(ValueError) as caught:
                ropecert.load_golden(self.suite)
            self.assertIn("SHA-256 mismatch", str(caught.exception))
        finally:
            with open(victim, "wb") as f:
                f.write(original)

    def test_not_a_suite(self):
        with self.assertRaises(ValueError) as caught:
            ropecert.load_golden(os.path.join(self.suite, "cases"))
        self.assertIn("manifest.json", str(caught.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2)
