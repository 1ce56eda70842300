#!/usr/bin/env python3
"""End to end: `ropecert golden --suite smoke`, the NumPy candidates of numpy_attention.py, `ropecert validate`.

Usage: test_numpy_candidates.py ROPECERT_BINARY

An honest float64 and an honest float32 implementation pass under the torch policy; each injected
convention mistake fails, on a case that names it, with the matching hint. Exit 0 when all hold.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# fault -> (a tcId prefix that must fail, a word the hint must contain)
FAULTS = {
    "pairing": ("rope-half-", "pairing"),
    "base": ("base-", "base"),
    "offset": ("offsets-", "offset"),
    "scale": ("scale-", "scale"),
    "yarn-factor": ("scaling-yarn-", "YaRN"),
}


def run(command):
    return subprocess.run(command, capture_output=True, text=True)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ropecert = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        golden = os.path.join(tmp, "golden")
        made = run([ropecert, "golden", "--suite", "smoke", "--out", golden])
        if made.returncode != 0:
            sys.exit("golden failed: " + made.stderr)

        def candidate(name, dtype, fault=None):
            out = os.path.join(tmp, name)
            command = [sys.executable, os.path.join(HERE, "numpy_attention.py"), golden, out, "--dtype", dtype]
            if fault:
                command += ["--fault", fault]
            made = run(command)
            if made.returncode != 0:
                sys.exit("numpy_attention.py failed: " + made.stderr)
            return run([ropecert, "validate", "--golden", golden, "--candidate", out, "--dtype", dtype])

        for dtype in ("f64", "f32"):
            result = candidate("honest-" + dtype, dtype)
            if result.returncode != 0:
                failures.append("honest %s candidate did not pass:\n%s%s" % (dtype, result.stdout, result.stderr))
        for fault, (prefix, hint) in FAULTS.items():
            result = candidate("fault-" + fault, "f64", fault)
            lines = [line for line in result.stdout.splitlines() if line.startswith("FAIL " + prefix)]
            if result.returncode != 1 or not lines:
                failures.append("fault %s: expected exit 1 and a FAIL line for %s*, got exit %d" %
                                (fault, prefix, result.returncode))
                continue
            # The hint lines follow the FAIL line of that case.
            block = result.stdout.split(lines[0], 1)[1].split("\nFAIL ", 1)[0]
            if hint.lower() not in block.lower():
                failures.append("fault %s: no hint naming '%s' after %s" % (fault, hint, lines[0][:60]))
    for failure in failures:
        print("FAILED: " + failure)
    print("numpy candidates: %d checks failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
