"""numpy peer for the @x benchmarks: times one operation on inputs written by the Node harness.

Reads a JSON request on stdin: {"op", "n", "files": [...], "budget": {...}}. The matrices are raw
little-endian float64 files (row-major n x n). Thread count comes from OPENBLAS_NUM_THREADS /
OMP_NUM_THREADS, which the harness sets before this interpreter starts. Prints one JSON line:
{"ms", "minMs", "reps", "relErr", "numpy", "blas"}. The timing loop follows apps/bench/src/timing.ts
(warmup, then repeat until the time budget is spent; median).
"""
import json
import sys
import time

import numpy as np


def load(path, n):
    return np.fromfile(path, dtype="<f8").reshape(n, n)


def rel(x, ref):
    return float(np.linalg.norm(x - ref) / np.linalg.norm(ref))


def main():
    req = json.load(sys.stdin)
    op, n, budget = req["op"], req["n"], req["budget"]
    mats = [load(f, n) for f in req["files"]]
    a = mats[0]
    if op == "matmul":
        b = mats[1]
        fn = lambda: a @ b
        check = lambda r: rel(r, a @ b)
    elif op == "matmul32":
        a32, b32 = a.astype(np.float32), mats[1].astype(np.float32)
        ref = a @ mats[1]
        fn = lambda: a32 @ b32
        check = lambda r: rel(r.astype(np.float64), ref)
    elif op == "svd":
        fn = lambda: np.linalg.svd(a, full_matrices=False)
        check = lambda r: rel((r[0] * r[1]) @ r[2], a)
    elif op == "eigh":
        s = mats[1]
        fn = lambda: np.linalg.eigh(s)
        check = lambda r: rel((r[1] * r[0]) @ r[1].T, s)
    elif op == "qr":
        fn = lambda: np.linalg.qr(a)
        check = lambda r: rel(r[0] @ r[1], a)
    else:
        raise SystemExit(f"unknown op {op}")
    last = None
    for _ in range(budget["warmup"]):
        last = fn()
    samples = []
    spent = 0.0
    while True:
        t0 = time.perf_counter()
        last = fn()
        dt = (time.perf_counter() - t0) * 1000
        samples.append(dt)
        spent += dt
        k = len(samples)
        if k >= budget["maxReps"]:
            break
        if k >= budget["floorReps"] and spent >= budget["maxTimeMs"]:
            break
        if k >= budget["minReps"] and spent >= budget["minTimeMs"]:
            break
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]["name"]
    except Exception:  # older numpy
        blas = "unknown"
    print(json.dumps({
        "ms": float(np.median(samples)),
        "minMs": float(min(samples)),
        "reps": len(samples),
        "relErr": check(last),
        "numpy": np.__version__,
        "blas": blas,
    }))


main()
