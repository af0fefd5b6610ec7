"""All benchmarks, one command: `make bench` (or `python -m benchmarks.run`).

Runs the app as production does (gunicorn with 2 sync workers, PostgreSQL, the Celery worker,
the events consumer, the AWS emulator), drives it with wrk from a second process on loopback,
and reports every figure as a ratio to a baseline measured in the same run, because the
machine is noisy. Writes benchmarks/results/latest.json and latest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

from benchmarks.stack import ROOT, Stack

RESULTS = ROOT / "benchmarks" / "results"
LUA = ROOT / "benchmarks" / "wrk" / "report.lua"


def wrk(url: str, *, seconds: int, connections: int = 8, env: dict | None = None) -> dict:
    """One wrk run; returns throughput and latency percentiles (ms)."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA),
        url,
    ]
    run = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed: {run.stdout}\n{run.stderr}")
    out = run.stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    seconds_run = data["duration_us"] / 1e6
    errors = sum(data[k] for k in data if k.startswith("errors_"))
    return {
        "rps": round(data["requests"] / seconds_run, 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "requests": data["requests"],
        "errors": errors,
        "statuses": data["statuses"],
    }


def seed(stack: Stack, products: int) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.seed", "--products", str(products)],
        cwd=ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def ratio(a: dict, b: dict, key: str = "rps") -> float:
    return round(a[key] / b[key], 3) if b[key] else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    parser.add_argument("--quick", action="store_true", help="3 s runs, smaller data sets")
    args = parser.parse_args()
    seconds = 3 if args.quick else args.seconds
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2

    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "python -m benchmarks.run" + (" --quick" if args.quick else ""),
        "figures": {},
    }
    figures = results["figures"]
    with Stack() as stack:
        catalogue_size = 2_000 if args.quick else 10_000
        seed(stack, catalogue_size)
        stack.start_web()

        def listing() -> str:
            return f"{stack.base_url}/products/approve-products"

        wrk(f"{stack.base_url}/healthz", seconds=1)  # warm both workers
        floor = wrk(f"{stack.base_url}/healthz", seconds=seconds)
        warm = wrk(listing(), seconds=seconds)
        figures["floor"] = floor
        figures["catalogue_warm"] = {**warm, "ratio_to_floor": ratio(warm, floor)}

        stack.start_web({"CATALOGUE_CACHE_SECONDS": "0"})
        floor_nocache = wrk(f"{stack.base_url}/healthz", seconds=seconds)
        miss = wrk(listing(), seconds=seconds)
        figures["catalogue_miss"] = {**miss, "ratio_to_floor": ratio(miss, floor_nocache)}

        scale = {}
        for size in (1_000, 10_000 if args.quick else 100_000):
            seed(stack, size)
            wrk(listing(), seconds=1)
            scale[size] = wrk(listing(), seconds=seconds)
        small, large = scale.values()
        figures["scale"] = {
            "p50_ms_by_products": {str(k): v["p50_ms"] for k, v in scale.items()},
            "p50_ratio_large_to_small": ratio(large, small, "p50_ms"),
        }

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(table(results))
    print(table(results))
    return 0


def table(results: dict) -> str:
    f = results["figures"]
    rows = [
        (
            "floor: GET /healthz",
            f"{f['floor']['rps']:.0f} req/s",
            "1.00",
            "-",
            f"{f['floor']['p50_ms']} / {f['floor']['p99_ms']}",
        ),
        (
            "catalogue, warm (cached)",
            f"{f['catalogue_warm']['rps']:.0f} req/s",
            f"{f['catalogue_warm']['ratio_to_floor']:.2f}",
            "≥ 0.80",
            f"{f['catalogue_warm']['p50_ms']} / {f['catalogue_warm']['p99_ms']}",
        ),
        (
            "catalogue, cache miss",
            f"{f['catalogue_miss']['rps']:.0f} req/s",
            f"{f['catalogue_miss']['ratio_to_floor']:.2f}",
            "≥ 0.25",
            f"{f['catalogue_miss']['p50_ms']} / {f['catalogue_miss']['p99_ms']}",
        ),
        (
            "catalogue p50, large / small table",
            "",
            f"{f['scale']['p50_ratio_large_to_small']:.2f}",
            "< 1.20",
            " / ".join(f"{k}: {v} ms" for k, v in f["scale"]["p50_ms_by_products"].items()),
        ),
    ]
    for name in ("order_placement", "order_bare_transaction"):
        if name in f:
            rows.append(
                (
                    name.replace("_", " "),
                    f"{f[name]['rps']:.0f} req/s",
                    f"{f[name].get('ratio', 0):.2f}",
                    f[name].get("target", ""),
                    f"{f[name]['p50_ms']} / {f[name]['p99_ms']}",
                )
            )
    lines = [
        f"Measured {results['started']} with `{results['command']}` on "
        f"{results['machine']['cpus']} cores, Python {results['machine']['python']}.",
        "",
        "| figure | value | ratio | target | p50 / p99 ms |",
        "|---|---|---|---|---|",
        *(f"| {' | '.join(r)} |" for r in rows),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
