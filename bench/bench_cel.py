"""Benchmark the CEL facade against raw cel-expr-python (plain script: prints medians).

python bench/bench_cel.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers" / "core"))

from cel_expr_python import cel  # noqa: E402

from kroless.cel import CELEnvironment  # noqa: E402

EXPR = 'schema.spec.name + "-" + db.status.endpoint'
DATA = {
    "schema": {"metadata": {"name": "demo", "namespace": "default"}, "spec": {"name": "app", "replicas": 3}},
    "db": {"status": {"endpoint": "db.example.internal:5432", "ready": True}},
}
N = 50_000
ROUNDS = 7


def rate(fn) -> float:
    samples = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        fn()
        samples.append(N / (time.perf_counter() - t0))
    return statistics.median(samples)


def main() -> None:
    raw_env = cel.NewEnv(variables={"schema": cel.Type.DYN, "db": cel.Type.DYN})
    raw_expr = raw_env.compile(EXPR)
    raw_act = raw_env.Activation(DATA)

    def raw() -> None:
        ev = raw_expr.eval
        for _ in range(N):
            ev(raw_act).value()

    env = CELEnvironment(["schema", "db"])
    t0 = time.perf_counter()
    prog = env.compile(EXPR)
    compile_ms = (time.perf_counter() - t0) * 1000
    act = prog.activation(DATA)
    assert prog.evaluate(act) == "app-db.example.internal:5432"

    def facade() -> None:
        ev = prog.evaluate
        for _ in range(N):
            ev(act)

    def facade_dict() -> None:
        ev = prog.evaluate
        for _ in range(N // 10):
            ev(DATA)

    t0 = time.perf_counter()
    CELEnvironment(["schema", "db", "x"], allow_omit=True, allow_runtime=True)
    env_ms = (time.perf_counter() - t0) * 1000

    r_raw = rate(raw)
    r_fac = rate(facade)
    r_dict = rate(facade_dict) / 10
    print(f"expression: {EXPR}")
    print(f"raw cel-expr-python (prebuilt activation): {r_raw:>10,.0f} evals/s")
    print(f"facade Program.evaluate(activation):      {r_fac:>10,.0f} evals/s  (goal >= 100,000)")
    print(f"facade Program.evaluate(dict):            {r_dict:>10,.0f} evals/s  (activation built per call)")
    print(f"facade / raw ratio:                       {r_fac / r_raw:>10.2f}")
    print(f"CELEnvironment() build: {env_ms:.1f} ms; first compile (check + analysis): {compile_ms:.2f} ms")


if __name__ == "__main__":
    main()
