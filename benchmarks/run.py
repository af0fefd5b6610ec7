"""All benchmarks, one command: `make bench` (or `python -m benchmarks.run`).

Runs the app as production does (gunicorn with 2 sync workers, PostgreSQL, the Celery worker,
the events consumer, the AWS emulator), drives it with wrk from a second process on loopback
(or, for the basket's checkout, which wrk cannot drive, one Python client), and reports every
figure as a ratio to a baseline measured in the same run, because the machine is noisy.
Writes benchmarks/results/latest.json and latest.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import psycopg
import requests

from benchmarks.stack import ROOT, Stack, drop_database, peak_rss_kib, recreate_database
from benchmarks.words import COMMON, RARE, VERY_COMMON

RESULTS = ROOT / "benchmarks" / "results"
LUA = ROOT / "benchmarks" / "wrk" / "report.lua"
LARGE_DATABASE = "bench_large"  # the scale figure's large table
COMMON_WORD = COMMON[42]  # the search figure's common word
SEARCH_PAGE = 10  # the search figure's page size


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


def median_run(runs: list[dict]) -> dict:
    """The run with the median throughput (all its figures from that one run)."""
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


def alternating(measurements: list[Callable[[], dict]], *, rounds: int) -> list[dict]:
    """Each measurement `rounds` times, taking turns, then each one's median run: a slow
    spell on this shared machine then hits every figure of a ratio alike, not just one."""
    runs: list[list[dict]] = [[] for _ in measurements]
    for _ in range(rounds):
        for measure, found in zip(measurements, runs, strict=True):
            found.append(measure())
    return [median_run(found) for found in runs]


def signed_in_user(stack: Stack) -> tuple[str, int]:
    """A real Cognito user on the stack's emulator: (ID token, local user id)."""
    tag = uuid.uuid4().hex[:8]
    identity = {
        "email": f"bench-{tag}@example.com",
        "fullName": f"Bench {tag}",
        "password": "passw0rd-123",
    }
    base = stack.base_url
    requests.post(f"{base}/auth/sign-up", json=identity, timeout=10).raise_for_status()
    requests.post(
        f"{base}/auth/confirm-sign-up",
        timeout=10,
        json={"fullName": identity["fullName"], "confirmationCode": "0"},
    ).raise_for_status()
    response = requests.post(
        f"{base}/auth/sign-in",
        timeout=10,
        json={"email": identity["email"], "password": identity["password"]},
    )
    response.raise_for_status()
    token = response.json()["tokens"]["IdToken"]
    me = requests.get(f"{base}/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return token, me.json()["id"]


def pipeline(stack: Stack, token: str, product_id: str, orders: int) -> dict:
    """Place `orders` orders (8 at a time) with the worker and events running; measure how
    long each took from placement to `shipping`, and the processes' peak memory."""

    def place(_):
        response = requests.post(
            f"{stack.base_url}/orders/create-order",
            json={"id": product_id, "quantity": 1},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        return response.json()["orderId"]

    started = time.time()
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(place, range(orders)))
    placed = time.time() - started
    with psycopg.connect(stack.env["DATABASE_URL"]) as conn:
        deadline = time.monotonic() + 600
        while True:
            done = conn.execute(
                "SELECT count(*) FROM orders_order WHERE id = ANY(%s) AND status = 'shipping'",
                [ids],
            ).fetchone()[0]
            if done == orders or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        rows = conn.execute(
            "SELECT extract(epoch FROM t.at - o.created_at), extract(epoch FROM t.at), "
            "extract(epoch FROM o.created_at) FROM orders_order o JOIN orders_ordertransition t "
            "ON t.order_id = o.id AND t.to_status = 'shipping' WHERE o.id = ANY(%s)",
            [ids],
        ).fetchall()
    delays = sorted(float(r[0]) for r in rows)
    span = max(float(r[1]) for r in rows) - min(float(r[2]) for r in rows)
    return {
        "orders": orders,
        "reached_shipping": len(rows),
        "placement_seconds": round(placed, 2),
        "orders_per_second": round(len(rows) / span, 2) if span else 0.0,
        "delay_p50_s": round(statistics.median(delays), 2) if delays else None,
        "delay_p99_s": round(delays[int(len(delays) * 0.99) - 1], 2) if delays else None,
        "peak_rss_mib": {
            name: round(peak_rss_kib(stack.processes[name].pid) / 1024, 1)
            for name in ("web", "worker", "events")
        },
    }


def orders_in_message(body: str) -> list[str]:
    """The orders a Celery message on SQS carries (the due-work relay sends the ids of many
    placed orders to one orders_process message)."""
    envelope = json.loads(base64.b64decode(body))
    args, _, _ = json.loads(base64.b64decode(envelope["body"]))
    return list(args[0]) if envelope["headers"]["task"] == "orders.tasks.orders_process" else []


class CeleryQueueDrain:
    """Receives and deletes what reaches the Celery queue while no worker runs, counting
    the orders it carries.

    Placement is measured without the worker; left to fill, the queue would make every
    send slower (moto's SendMessage walks the whole queue). The ids prove each placed
    order's task really reached SQS (the due-work relay sends it after the commit). An id
    can come twice: SQS is at-least-once (a send retried after a timeout, seen with the
    emulator starved of CPU), and processing is idempotent."""

    def __init__(self, stack: Stack):
        self.sqs = stack.sqs()
        self.url = self.sqs.get_queue_url(QueueName="bench-celery")["QueueUrl"]
        self.received: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            messages = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            if messages:
                self.sqs.delete_message_batch(
                    QueueUrl=self.url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages)
                    ],
                )
                for message in messages:
                    self.received += orders_in_message(message["Body"])

    def wait_for(self, ids: set[str], timeout: float = 300) -> float:
        """Wait until every order of `ids` arrived; returns the seconds it took."""
        started = time.monotonic()
        while not ids <= set(self.received) and time.monotonic() - started < timeout:
            time.sleep(0.5)
        return round(time.monotonic() - started, 1)

    def __enter__(self) -> CeleryQueueDrain:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)


def placement(stack: Stack, token: str, product_id: str, seconds: int) -> dict:
    """POST /orders/create-order under wrk; then waits until every placed order's task has
    reached SQS (drained and counted as it arrives)."""
    body = json.dumps({"id": product_id, "quantity": 1})

    def orders() -> set[str]:  # placed through the API (the bare endpoint's lines are "bench")
        rows = stack.query(
            "SELECT DISTINCT order_id::text FROM orders_orderline WHERE product_name <> %s",
            ["bench"],
        )
        return {order_id for (order_id,) in rows}

    before = orders()
    with CeleryQueueDrain(stack) as drain:
        placed = wrk(
            f"{stack.base_url}/orders/create-order",
            seconds=seconds,
            env={"BENCH_METHOD": "POST", "BENCH_BODY": body, "BENCH_AUTH": token},
        )
        time.sleep(1)  # requests wrk left in flight finish
        created = orders() - before
        placed["orders_created"] = len(created)
        placed["tasks_sent_seconds_after"] = drain.wait_for(created)
        arrived = [order_id for order_id in drain.received if order_id in created]
        placed["tasks_reached_sqs"] = len(set(arrived))
        placed["tasks_delivered_twice"] = len(arrived) - len(set(arrived))
    return placed


def one_by_one(
    count: int,
    send: Callable[[requests.Session], requests.Response],
    prepare: Callable[[requests.Session], None] | None = None,
) -> dict:
    """`count` requests one after the other from one client (a requests.Session; gunicorn's
    sync workers close every connection, so each request connects anew, on both sides of a
    ratio alike), each timed alone; `prepare` runs untimed before each. For what wrk cannot
    drive: a request that needs others before it. Returns latency figures, and the rate
    one client gets."""
    session = requests.Session()
    times: list[float] = []
    statuses: dict[str, int] = {}
    for _ in range(count):
        if prepare is not None:
            prepare(session)
        started = time.perf_counter()
        response = send(session)
        times.append((time.perf_counter() - started) * 1000)
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
    session.close()
    times.sort()
    mean = statistics.fmean(times)
    return {
        "rps": round(1000 / mean, 1),  # one client, one request at a time
        "mean_ms": round(mean, 2),
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[min(count - 1, int(count * 0.99))], 2),
        "requests": count,
        "errors": count - statuses.get("201", 0),
        "statuses": statuses,
    }


def checkout(stack: Stack, token: str, products: list[str], count: int) -> dict:
    """POST /cart/checkout of a basket of one unit of each of `products`, timed; the
    basket is filled again before each (three PUT /cart/lines, untimed)."""
    headers = {"Authorization": f"Bearer {token}"}

    def fill(session: requests.Session) -> None:
        for product in products:
            session.put(
                f"{stack.base_url}/cart/lines/{product}",
                json={"quantity": 1},
                headers=headers,
                timeout=30,
            ).raise_for_status()

    def check_out(session: requests.Session) -> requests.Response:
        return session.post(f"{stack.base_url}/cart/checkout", headers=headers, timeout=30)

    return one_by_one(count, check_out, prepare=fill)


def bare_checkout(stack: Stack, user_id: int, products: list[str], count: int) -> dict:
    """The checkout's baseline (benchmarks/urls.py: its stock updates and inserts only),
    timed the same way."""
    url = f"{stack.base_url}/bench/checkout?products={','.join(products)}&user={user_id}"
    return one_by_one(count, lambda session: session.post(url, timeout=30))


def seed(stack: Stack, products: int, env: dict | None = None) -> str:
    return stack.run_module("benchmarks.seed", "--products", str(products), env=env)


def ratio(a: dict, b: dict, key: str = "rps") -> float:
    return round(a[key] / b[key], 3) if b[key] else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating runs per compared figure (median)"
    )
    parser.add_argument("--quick", action="store_true", help="3 s runs, smaller data sets")
    args = parser.parse_args()
    seconds = 3 if args.quick else args.seconds
    rounds = 1 if args.quick else args.rounds
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

        def floor_url() -> str:
            return f"{stack.base_url}/healthz"

        wrk(floor_url(), seconds=1)  # warm both workers
        wrk(listing(), seconds=1)

        def get(url: str) -> Callable[[], dict]:
            return partial(wrk, url, seconds=seconds)

        floor, warm = alternating([get(floor_url()), get(listing())], rounds=rounds)
        figures["floor"] = floor
        figures["catalogue_warm"] = {**warm, "ratio_to_floor": ratio(warm, floor)}

        stack.start_web({"CATALOGUE_CACHE_SECONDS": "0"})
        floor_nocache, miss = alternating([get(floor_url()), get(listing())], rounds=rounds)
        figures["catalogue_miss"] = {**miss, "ratio_to_floor": ratio(miss, floor_nocache)}

        # Scale: the same page (cache off) with a small and a large table, each in its own
        # database behind its own gunicorn, measured in turns. One after the other, a slow
        # spell of this machine landed on one size only: 1,000 products at 12-21 ms p50 and
        # 100,000 at 9-28 ms within a few minutes, either way round.
        sizes = (1_000, 10_000 if args.quick else 100_000)
        seed(stack, sizes[0])
        large_db = {"DATABASE_URL": recreate_database(LARGE_DATABASE)}
        stack.manage("migrate", "--no-input", "-v", "0", env=large_db)
        seed(stack, sizes[1], env=large_db)
        large_url = stack.start_web({"CATALOGUE_CACHE_SECONDS": "0", **large_db}, name="web-large")
        large_listing = f"{large_url}/products/approve-products"
        wrk(large_listing, seconds=1)
        small, large = alternating([get(listing()), get(large_listing)], rounds=rounds)
        figures["scale"] = {
            "p50_ms_by_products": {str(sizes[0]): small["p50_ms"], str(sizes[1]): large["p50_ms"]},
            "p50_ratio_large_to_small": ratio(large, small, "p50_ms"),
        }
        # Search: the same two catalogues, searched for a common word (in 1 name in 100), a
        # rare one (in the same 20 names at either size) and, without a target, a very
        # common one (1 in 10: ranking reads every match), each in turns as the page above.
        # A page of 10, which each word fills at both sizes: the answers are the same size,
        # so the figure compares the search, not the rendering of 1 row against 50.
        figures["search"] = {}
        for kind, word in (("common", COMMON_WORD), ("rare", RARE), ("very_common", VERY_COMMON)):
            query = f"/products/approve-products?search={word}&pageSize={SEARCH_PAGE}"
            small, large = alternating(
                [get(f"{stack.base_url}{query}"), get(f"{large_url}{query}")], rounds=rounds
            )
            figures["search"][kind] = {
                "word": word,
                "p50_ms_by_products": {
                    str(sizes[0]): small["p50_ms"],
                    str(sizes[1]): large["p50_ms"],
                },
                "p50_ratio_large_to_small": ratio(large, small, "p50_ms"),
            }
        stack.stop("web-large")
        drop_database(LARGE_DATABASE)

        # Order placement, without the worker (the benchmark drains its queue; the events
        # process hands due orders over), the emulator in the background
        # (stack.emulator_in_background says why); then once more with the emulator
        # competing for the cores at normal priority, for comparison.
        product_id = seed(stack, 1_000)
        stack.start_web()
        stack.start_events()
        token, user_id = signed_in_user(stack)
        with stack.emulator_in_background():
            floor = wrk(f"{stack.base_url}/healthz", seconds=seconds)
            bare_url = f"{stack.base_url}/bench/reserve?product={product_id}&user={user_id}"
            bare, placed = alternating(
                [
                    partial(wrk, bare_url, seconds=seconds, env={"BENCH_METHOD": "POST"}),
                    partial(placement, stack, token, product_id, seconds),
                ],
                rounds=rounds,
            )
            # Checkout of a 3-line basket against its bare transaction, by one client
            # (each checkout empties the basket: wrk cannot drive it), the queue drained
            # as in placement.
            basket = [
                str(p)
                for (p,) in stack.query(
                    "SELECT id FROM products_product WHERE id <> %s ORDER BY id LIMIT 3",
                    [product_id],
                )
            ]
            count = 100 if args.quick else 200
            with CeleryQueueDrain(stack):
                checkout(stack, token, basket, 10)  # warm both sides
                bare_checkout(stack, user_id, basket, 10)
                bare_basket, basket_checkout = alternating(
                    [
                        partial(bare_checkout, stack, user_id, basket, count),
                        partial(checkout, stack, token, basket, count),
                    ],
                    rounds=rounds,
                )
        shared = placement(stack, token, product_id, seconds)
        figures["order_bare_transaction"] = {
            **bare,
            "ratio": ratio(bare, floor),
            "target": "(baseline, about 0.2 of the floor)",
        }
        figures["order_placement"] = {
            **placed,
            "ratio": ratio(placed, bare),
            "ratio_to_floor": ratio(placed, floor),
            "target": "≥ 0.60 of the bare transaction",
        }
        figures["order_placement_emulator_not_niced"] = {
            **shared,
            "ratio": ratio(shared, bare),
            "target": "(the emulator competing for the 2 cores)",
        }
        figures["checkout_bare_transaction"] = {
            **bare_basket,
            "target": "(baseline: 3 stock updates, the order and its 3 lines)",
        }
        figures["checkout"] = {
            **basket_checkout,
            "lines": len(basket),
            "ratio": ratio(bare_basket, basket_checkout, "p50_ms"),
            "ratio_of_means": ratio(bare_basket, basket_checkout, "mean_ms"),
            "target": "≥ 0.60 of the bare transaction",
        }

        # The pipeline: placement to shipping with one worker and one events consumer.
        product_id = seed(stack, 1_000)
        stack.purge_queues()  # the placement benchmark's orders are gone with the old table
        stack.start_web()
        token, _ = signed_in_user(stack)
        stack.start_workers()
        figures["pipeline"] = pipeline(stack, token, product_id, 50 if args.quick else 200)

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
            "≥ 0.85",
            f"{f['catalogue_warm']['p50_ms']} / {f['catalogue_warm']['p99_ms']}",
        ),
        (
            "catalogue, cache miss",
            f"{f['catalogue_miss']['rps']:.0f} req/s",
            f"{f['catalogue_miss']['ratio_to_floor']:.2f}",
            "≥ 0.30",
            f"{f['catalogue_miss']['p50_ms']} / {f['catalogue_miss']['p99_ms']}",
        ),
        (
            "catalogue p50, large / small table",
            "",
            f"{f['scale']['p50_ratio_large_to_small']:.2f}",
            "≤ 1.20",
            " / ".join(f"{k}: {v} ms" for k, v in f["scale"]["p50_ms_by_products"].items()),
        ),
    ]
    for kind, target in (("common", "≤ 1.50"), ("rare", "≤ 1.50"), ("very_common", "-")):
        if kind in f.get("search", {}):
            found = f["search"][kind]
            rows.append(
                (
                    f"search p50 ({kind} word: {found['word']}), large / small table",
                    "",
                    f"{found['p50_ratio_large_to_small']:.2f}",
                    target,
                    " / ".join(f"{k}: {v} ms" for k, v in found["p50_ms_by_products"].items()),
                )
            )
    labels = {
        "order_placement": "order placement (emulator at nice 19)",
        "order_placement_emulator_not_niced": "order placement (emulator at nice 0)",
        "order_bare_transaction": "order bare transaction",
    }
    for name, label in labels.items():
        if name in f:
            notes = ""
            if "tasks_reached_sqs" in f[name]:
                notes += (
                    f"; tasks in SQS: {f[name]['tasks_reached_sqs']} of "
                    f"{f[name]['orders_created']} orders"
                    f" ({f[name].get('tasks_delivered_twice', 0)} delivered twice)"
                )
            rows.append(
                (
                    label,
                    f"{f[name]['rps']:.0f} req/s",
                    f"{f[name].get('ratio', 0):.2f}",
                    f[name].get("target", ""),
                    f"{f[name]['p50_ms']} / {f[name]['p99_ms']}{notes}",
                )
            )
    if "checkout" in f:
        c, b = f["checkout"], f["checkout_bare_transaction"]
        rows.append(
            (
                "basket checkout, 3 lines (one client; ratio of p50s)",
                f"mean {c['mean_ms']} ms",
                f"{c['ratio']:.2f}",
                c["target"],
                f"{c['p50_ms']} / {c['p99_ms']}; ratio of means {c['ratio_of_means']:.2f}",
            )
        )
        rows.append(
            (
                "checkout bare transaction",
                f"mean {b['mean_ms']} ms",
                "",
                b["target"],
                f"{b['p50_ms']} / {b['p99_ms']}",
            )
        )
    if "pipeline" in f:
        p = f["pipeline"]
        rows.append(
            (
                "order pipeline: placed → shipping",
                f"{p['orders_per_second']} orders/s",
                "",
                "",
                f"delay p50 {p['delay_p50_s']} s / p99 {p['delay_p99_s']} s",
            )
        )
        rows.append(
            (
                "peak RSS (MiB)",
                ", ".join(f"{k} {v}" for k, v in p["peak_rss_mib"].items()),
                "",
                "",
                "",
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
