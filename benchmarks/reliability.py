"""Reliability scenarios against the production-shaped stack, each one command:

    python -m benchmarks.reliability oversell [--quick]
    python -m benchmarks.reliability baskets [--quick]
    python -m benchmarks.reliability faults [--quick]
    python -m benchmarks.reliability outage [--quick]
    python -m benchmarks.reliability soak [--quick | --minutes N]

Each starts its own stack (benchmarks/stack.py: the AWS emulator, a fresh PostgreSQL
database `reliability`, gunicorn with 2 sync workers, the Celery worker, beat and the events
consumer, every one a real process), drives it over real HTTP with real Cognito users and
their ID tokens, checks the outcome in the database and in the emulator's SES record, and
appends its figures to benchmarks/results/reliability-<scenario>.json with `"passed"`. The
exit code is 1 when a check failed. Logs: var/reliability-logs/.

Scenarios (the checks are in each function's docstring):
- oversell: 200 concurrent buyers, 50 in stock.
- baskets: 200 concurrent checkouts of 3-product baskets, 5 products with stock for a few.
- faults: SIGKILL the worker (its whole process group) and the events consumer at random
  moments during a burst of 100 orders, restart them.
- outage: stop the AWS emulator mid-burst, keep placing, restart it on the same port.
- soak: steady mixed traffic for N minutes; errors and memory (RSS) over time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import signal
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from benchmarks import stack as stack_module
from benchmarks.stack import ROOT, Stack
from ecommerce import emulator
from ecommerce.names import Names

RESULTS = ROOT / "benchmarks" / "results"
LOGS = ROOT / "var" / "reliability-logs"
PREFIX = "bench"  # Stack's AWS_RESOURCE_PREFIX
ACCOUNT = "123456789012"  # the emulator's
TERMINAL = ("shipping", "failed", "cancelled")
ORDER_IN_BODY = re.compile(r"Order: ([0-9a-f-]{36})")


# --- the stack ---------------------------------------------------------------------------


class ReliabilityStack(Stack):
    """Stack plus what these scenarios need: beat, killing and restarting one process (its
    whole process group: the Celery worker has prefork children), and restarting the
    emulator on its port."""

    # Settings given on the command line (--env KEY=VALUE), over each scenario's own.
    overrides: dict[str, str] = {}

    def __init__(self, env: dict | None = None):
        super().__init__(database="reliability", env={**(env or {}), **self.overrides})

    def __enter__(self) -> ReliabilityStack:
        try:  # Stack's __exit__ does not run when __enter__ fails: clean up here
            self.start_aws_and_database()
            self.start_web()
            self.start_workers()
            self.start_beat()
        except BaseException:
            self.close()
            raise
        return self

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ecommerce",
                "beat",
                "-S",
                "django_celery_beat.schedulers:DatabaseScheduler",
                "--loglevel",
                "WARNING",
            ],
        )

    def kill(self, name: str) -> list[str]:
        """SIGKILL the process and everything in its process group; returns its argv."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # spawned with start_new_session
        process.wait(10)
        return list(process.args)

    def restart(self, name: str, argv: list[str]) -> None:
        self._spawn(name, argv)

    def supervise(self, names: tuple[str, ...]) -> None:
        """Restart any of `names` that exits, as a process manager would in production
        (every exit is recorded in `self.exits`)."""
        self.exits: list[dict] = []
        self._supervising = threading.Event()
        started = time.monotonic()

        def watch() -> None:
            while not self._supervising.wait(0.5):
                for name in names:
                    process = self.processes.get(name)
                    if process is not None and process.poll() is not None:
                        self.exits.append(
                            {
                                "process": name,
                                "code": process.returncode,
                                "at_s": round(time.monotonic() - started, 1),
                            }
                        )
                        self.restart(name, list(process.args))

        self._supervisor = threading.Thread(target=watch, daemon=True)
        self._supervisor.start()

    def stop_supervising(self) -> None:
        if getattr(self, "_supervisor", None):
            self._supervising.set()
            self._supervisor.join()
            self._supervisor = None

    def stop_emulator(self) -> None:
        self.stop("emulator")

    def start_emulator(self) -> float:
        """The emulator again on the same port (it starts empty), then bootstrap_aws;
        returns the seconds it took."""
        started = time.monotonic()
        with open(LOGS / "emulator.log", "ab") as log:
            self.processes["emulator"], _ = emulator.start(port=self.aws_port, log=log)
        self.manage("bootstrap_aws")
        return time.monotonic() - started

    def close(self) -> None:
        self.stop_supervising()
        processes = dict(self.processes)
        # Last started first (restarted ones too), and the emulator after all its users.
        for name in [*reversed([n for n in processes if n != "emulator"]), "emulator"]:
            self.stop(name)
        for process in processes.values():  # leftovers of a group (prefork children)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    # -- data -----------------------------------------------------------------------------

    @property
    def aws_url(self) -> str:
        return self.env["AWS_ENDPOINT_URL"]

    def seed(self, products: int, stock: int) -> list[str]:
        self.run_module("benchmarks.seed", "--products", str(products), "--stock", str(stock))
        return [str(r[0]) for r in self.query("SELECT id FROM products_product ORDER BY id")]

    def make_users(self, count: int) -> list[dict]:
        """Real Cognito users (sign-up, confirm, sign-in through accounts.services, in a
        subprocess with the stack's environment) with their tokens."""
        return json.loads(self.run_module("benchmarks.reliability", "_users", str(count)))

    def sent_emails(self) -> list[dict]:
        found = requests.get(f"{self.aws_url}/moto-api/data.json", timeout=30).json()
        messages = found.get("ses", {}).get("Message", [])
        if isinstance(messages, dict):  # older moto: {region: {id: message}}
            messages = [m for region in messages.values() for m in region.values()]
        return messages

    def queue_depth(self, name: str) -> int:
        """Messages waiting plus in flight on one of the app's queues (-1: unreachable)."""
        from botocore.exceptions import BotoCoreError, ClientError

        sqs = self.sqs()
        try:
            attributes = sqs.get_queue_attributes(
                QueueUrl=f"{self.aws_url}/{ACCOUNT}/{name}",
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
        except (BotoCoreError, ClientError):
            return -1
        return sum(int(v) for v in attributes.values())


def rss_kib(pid: int) -> int:
    """Current resident set (VmRSS) of a process and all its descendants, in KiB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


# --- HTTP ----------------------------------------------------------------------------------


def bearer(user: dict) -> dict:
    return {"Authorization": f"Bearer {user['idToken']}"}


def call(method: str, url: str, *, session=None, timeout: float = 60, **kwargs) -> dict:
    """One request; returns {status (0 = no answer), code, body, ms, at}."""
    started = time.monotonic()
    try:
        response = (session or requests).request(method, url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        return {
            "status": 0,
            "code": type(exc).__name__,
            "body": None,
            "ms": (time.monotonic() - started) * 1000,
            "at": started,
        }
    try:
        body = response.json()
    except ValueError:
        body = None
    return {
        "status": response.status_code,
        "code": body.get("code") if isinstance(body, dict) else None,
        "body": body,
        "ms": (time.monotonic() - started) * 1000,
        "at": started,
    }


def place(stack: Stack, user: dict, product_id: str, *, session=None, timeout=60) -> dict:
    return call(
        "POST",
        f"{stack.base_url}/orders/create-order",
        session=session,
        timeout=timeout,
        json={"id": product_id, "quantity": 1},
        headers=bearer(user),
    )


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50_ms": at(0.50), "p99_ms": at(0.99), "max_ms": round(ordered[-1], 1)}


# --- checks shared by the order scenarios ---------------------------------------------------


def order_statuses(stack: ReliabilityStack, order_ids: list[str]) -> Counter:
    if not order_ids:
        return Counter()
    rows = stack.query("SELECT status FROM orders_order WHERE id = ANY(%s::uuid[])", (order_ids,))
    found = Counter(status for (status,) in rows)
    if sum(found.values()) < len(order_ids):
        found["missing"] = len(order_ids) - sum(found.values())
    return found


def wait_until(predicate, timeout: float, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def wait_for_shipping(stack: ReliabilityStack, order_ids: list[str], timeout: float) -> dict:
    """Poll the database until every order is terminal; returns the time and statuses."""
    started = time.monotonic()
    wait_until(
        lambda: sum(order_statuses(stack, order_ids)[s] for s in TERMINAL) == len(order_ids),
        timeout,
    )
    return {
        "seconds": round(time.monotonic() - started, 1),
        "statuses": dict(order_statuses(stack, order_ids)),
    }


def wait_queues_idle(stack: ReliabilityStack, timeout: float) -> float:
    """Until no email is due and the Celery and events queues hold nothing (waiting or in
    flight), so a late redelivery would have shown its email; returns the seconds waited."""
    names = Names(PREFIX)
    started = time.monotonic()
    wait_until(
        lambda: (
            stack.query("SELECT count(*) FROM ecommerce_email WHERE due_at IS NOT NULL")[0][0] == 0
            and stack.queue_depth(names.celery_queue) == 0
            and stack.queue_depth(names.events_queue) == 0
        ),
        timeout,
    )
    return round(time.monotonic() - started, 1)


def email_census(stack: ReliabilityStack, order_ids: list[str]) -> dict:
    """SES mail per (order, kind) as the emulator recorded it."""
    wanted = set(order_ids)
    per = Counter()
    for message in stack.sent_emails():
        match = ORDER_IN_BODY.search(message.get("body", ""))
        if not match or match.group(1) not in wanted:
            continue
        subject = message.get("subject", "")
        if subject == "Your Order Confirmation":
            kind = "confirmation"
        elif subject.endswith(" now shipping"):
            kind = "shipping"
        elif subject == "Your order could not be processed":
            kind = "failure"
        else:
            kind = "other"
        per[(match.group(1), kind)] += 1
    counts = Counter(n for n in per.values())
    by_kind = Counter()
    for (_, kind), n in per.items():
        by_kind[kind] += n
    return {
        "total": sum(per.values()),
        "by_kind": dict(by_kind),
        "orders_with_confirmation": sum(1 for o in order_ids if per[(o, "confirmation")] >= 1),
        "orders_with_shipping": sum(1 for o in order_ids if per[(o, "shipping")] >= 1),
        "duplicates": sum(n - 1 for n in per.values() if n > 1),
        "copies_histogram": {str(k): v for k, v in sorted(counts.items())},
    }


def shipping_transitions(stack: ReliabilityStack, order_ids: list[str]) -> Counter:
    """How many orders moved into shipping 0, 1, 2... times (orders_ordertransition)."""
    rows = stack.query(
        "SELECT o.id, count(t.id) FROM orders_order o LEFT JOIN orders_ordertransition t"
        " ON t.order_id = o.id AND t.to_status = 'shipping'"
        " WHERE o.id = ANY(%s::uuid[]) GROUP BY o.id",
        (order_ids,),
    )
    return Counter(n for _, n in rows)


def run_paced(rate: float, job, *, count: int | None = None, stop=None, workers: int = 16):
    """Start job(i) at `rate` per second (open loop: on schedule, whatever the answers take)
    until `count` jobs were started or `stop` is set; returns when every job finished."""
    pool = ThreadPoolExecutor(max_workers=workers)
    started = time.monotonic()
    i = 0
    try:
        while (count is None or i < count) and not (stop is not None and stop.is_set()):
            pool.submit(job, i)
            i += 1
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    finally:
        pool.shutdown(wait=True)
    return i


def placed_to_shipping(stack: ReliabilityStack, order_ids: list[str]) -> dict:
    """Seconds from placement to the transition into shipping, per order."""
    rows = stack.query(
        "SELECT extract(epoch FROM t.at - o.created_at) FROM orders_order o"
        " JOIN orders_ordertransition t ON t.order_id = o.id AND t.to_status = 'shipping'"
        " WHERE o.id = ANY(%s::uuid[])",
        (order_ids,),
    )
    seconds = sorted(float(s) for (s,) in rows)
    if not seconds:
        return {}
    return {
        "p50_s": round(seconds[len(seconds) // 2], 1),
        "max_s": round(seconds[-1], 1),
        "over_15_s": sum(1 for s in seconds if s > 15),
    }


def stock_of(stack: ReliabilityStack, product_id: str) -> int:
    return stack.query("SELECT quantity FROM products_product WHERE id = %s", (product_id,))[0][0]


# --- oversell ------------------------------------------------------------------------------


def oversell(args) -> dict:
    """200 concurrent buyers (each its own Cognito user) POST one order each for a product
    with 50 in stock. Checks: exactly 50 201s and 150 409s (no other answer), 50 orders in the
    database, stock 0, every order reaches shipping within the bound, one shipping transition
    each, exactly one confirmation and one shipping email per order in SES (100 in all)."""
    buyers, stock = (100, 25) if args.quick else (200, 50)
    figures: dict = {"buyers": buyers, "stock": stock}
    with ReliabilityStack() as stack:
        [product] = stack.seed(1, stock)
        users = stack.make_users(buyers)
        barrier = threading.Barrier(buyers)
        answers: list[dict | None] = [None] * buyers

        def buy(i: int) -> None:
            barrier.wait()
            answers[i] = place(stack, users[i], product)

        threads = [threading.Thread(target=buy, args=(i,)) for i in range(buyers)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        figures["placement_seconds"] = round(time.monotonic() - started, 2)
        statuses = Counter(a["status"] for a in answers)
        figures["answers"] = {str(k): v for k, v in sorted(statuses.items())}
        figures["latency"] = percentiles([a["ms"] for a in answers])
        order_ids = [str(a["body"]["orderId"]) for a in answers if a["status"] == 201]
        figures["orders_in_db"] = stack.query(
            "SELECT count(DISTINCT order_id) FROM orders_orderline WHERE product_id = %s",
            (product,),
        )[0][0]
        figures["stock_after_placement"] = stock_of(stack, product)
        figures["to_shipping"] = wait_for_shipping(stack, order_ids, 180)
        figures["queues_idle_after_s"] = wait_queues_idle(stack, 60)
        figures["emails"] = email_census(stack, order_ids)
        figures["shipping_transitions_per_order"] = dict(shipping_transitions(stack, order_ids))
        figures["stock_final"] = stock_of(stack, product)

    emails = figures["emails"]
    checks = {
        "exactly_stock_orders_accepted": statuses[201] == stock,
        "the_rest_409": statuses[409] == buyers - stock and len(statuses) == 2,
        "orders_in_db_equal_stock": figures["orders_in_db"] == stock,
        "stock_zero": figures["stock_final"] == 0,
        "all_shipping": figures["to_shipping"]["statuses"] == {"shipping": stock},
        "one_shipping_transition_each": figures["shipping_transitions_per_order"] == {1: stock},
        "one_confirmation_and_one_shipping_email_each": emails["orders_with_confirmation"] == stock
        and emails["orders_with_shipping"] == stock
        and emails["total"] == 2 * stock
        and emails["duplicates"] == 0,
    }
    return {"figures": figures, "checks": checks}


# --- baskets -------------------------------------------------------------------------------

BASKET_PRODUCTS = 5  # products on sale
BASKET_LINES = 3  # distinct products in each buyer's basket, 1 to 3 units each


def log_offsets() -> dict[str, int]:
    """The size of every process log now: what a scenario's run appends comes after."""
    return {path.name: path.stat().st_size for path in LOGS.glob("*.log")}


def log_lines_mentioning(word: str, offsets: dict[str, int]) -> list[str]:
    """Lines of the process logs written since `offsets` that mention `word` (any case),
    each prefixed with its log's name."""
    found = []
    for path in sorted(LOGS.glob("*.log")):
        with open(path, "rb") as log:
            log.seek(offsets.get(path.name, 0))
            for line in log.read().decode(errors="replace").splitlines():
                if word.lower() in line.lower():
                    found.append(f"{path.name}: {line.strip()[:300]}")
    return found


def deadlocks(stack: ReliabilityStack) -> int:
    """PostgreSQL's deadlock count for the stack's database. A backend reports its count
    when idle, within a second or so (up to 10 s when the statistics are busy), and when it
    exits: read it again once the stack's processes are stopped."""
    with stack.db() as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()[0]


def basket_lines(answer: dict) -> dict[str, int]:
    """{productId: quantity} of a GET /cart answer."""
    return {line["productId"]: line["quantity"] for line in (answer["body"] or {}).get("lines", [])}


def baskets(args) -> dict:
    """200 buyers (each its own Cognito user) fill a basket with 3 of 5 products (distinct,
    1-3 units each, drawn with --seed) while nothing is reserved, then all check out at once;
    each product has 60 in stock, about a quarter of what the baskets ask for, so most
    checkouts are refused. Checks: no 5xx and no transport error on any request; every
    basket filled; every checkout 201 or 409 insufficient_stock, some of each; every refusal
    names short lines of the buyer's basket, and a product of it is still short at the end;
    no deadlock (pg_stat_database.deadlocks did not grow, no "deadlock" in the process
    logs); every order placed holds exactly its buyer's basket and emptied it; every
    refused buyer has no order and still the full basket; per product, the initial stock =
    stock left + the units in placed orders; every order reaches shipping with one shipping
    transition (so one Step Functions execution), one confirmation and one shipping email."""
    buyers, stock = (100, 30) if args.quick else (200, 60)
    rng = random.Random(args.seed)
    figures: dict = {
        "buyers": buyers,
        "products": BASKET_PRODUCTS,
        "stock_each": stock,
        "lines_per_basket": BASKET_LINES,
        "seed": args.seed,
    }
    offsets = log_offsets()
    with ReliabilityStack() as stack:
        products = stack.seed(BASKET_PRODUCTS, stock)
        users = stack.make_users(buyers)
        base = stack.base_url
        wanted = [
            {p: rng.randint(1, 3) for p in rng.sample(products, BASKET_LINES)}
            for _ in range(buyers)
        ]
        figures["units_asked_by_product"] = {
            p: sum(basket.get(p, 0) for basket in wanted) for p in products
        }

        # The baskets, untimed. A PUT's stock check is advisory and nothing is reserved
        # yet, so none is refused; a refused line would simply be left out of the basket.
        def fill(i: int) -> list[tuple[str, dict]]:
            return [
                (
                    product,
                    call(
                        "PUT",
                        f"{base}/cart/lines/{product}",
                        json={"quantity": quantity},
                        headers=bearer(users[i]),
                    ),
                )
                for product, quantity in wanted[i].items()
            ]

        with ThreadPoolExecutor(max_workers=8) as pool:
            fills = list(pool.map(fill, range(buyers)))
        fill_answers = [answer for lines in fills for _, answer in lines]
        basket = [
            {product: wanted[i][product] for product, a in fills[i] if a["status"] == 200}
            for i in range(buyers)
        ]
        figures["fill_answers"] = dict(
            Counter(f"{a['status']} {a['code'] or ''}".strip() for a in fill_answers)
        )

        deadlocks_before = deadlocks(stack)
        barrier = threading.Barrier(buyers)
        answers: list[dict] = [{}] * buyers

        def checkout(i: int) -> None:
            barrier.wait()
            answers[i] = call("POST", f"{base}/cart/checkout", headers=bearer(users[i]))

        threads = [threading.Thread(target=checkout, args=(i,)) for i in range(buyers)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        figures["checkout_seconds"] = round(time.monotonic() - started, 2)
        outcomes = Counter(f"{a['status']} {a['code'] or ''}".strip() for a in answers)
        figures["answers"] = dict(sorted(outcomes.items()))
        figures["latency"] = percentiles([a["ms"] for a in answers])
        figures["latency_by_answer"] = {
            outcome: percentiles(
                [a["ms"] for a in answers if f"{a['status']} {a['code'] or ''}".strip() == outcome]
            )
            for outcome in sorted(outcomes)
        }
        placed = {i: str(a["body"]["orderId"]) for i, a in enumerate(answers) if a["status"] == 201}
        refused = [
            i
            for i, a in enumerate(answers)
            if a["status"] == 409 and a["code"] == "insufficient_stock"
        ]
        figures["placed"], figures["refused"] = len(placed), len(refused)
        # Every refusal names only short lines of the buyer's basket, as they were asked.
        refusals_name_short_lines = all(
            answers[i]["body"].get("lines")
            and all(
                basket[i].get(line["productId"]) == line["requested"]
                and line["available"] < line["requested"]
                for line in answers[i]["body"]["lines"]
            )
            for i in refused
        )

        # The baskets as the buyers see them now.
        def read_cart(i: int) -> dict:
            return call("GET", f"{base}/cart", headers=bearer(users[i]))

        with ThreadPoolExecutor(max_workers=8) as pool:
            carts = list(pool.map(read_cart, range(buyers)))
        figures["cart_read_answers"] = dict(Counter(str(a["status"]) for a in carts))

        time.sleep(1.5)  # the backends report their statistics when idle
        figures["deadlocks"] = {"before": deadlocks_before, "after_checkout": deadlocks(stack)}

        rows = stack.query(
            "SELECT o.id::text, u.email, l.product_id::text, l.quantity FROM orders_order o"
            " JOIN accounts_user u ON u.id = o.user_id"
            " LEFT JOIN orders_orderline l ON l.order_id = o.id"
        )
        db_orders: dict[str, dict] = {}
        for order_id, email, product, quantity in rows:
            order = db_orders.setdefault(order_id, {"email": email, "lines": {}})
            if product is not None:
                order["lines"][product] = quantity
        emails_with_orders = Counter(order["email"] for order in db_orders.values())
        figures["orders_in_db"] = len(db_orders)
        figures["lines_per_order"] = dict(
            Counter(len(order["lines"]) for order in db_orders.values())
        )
        order_ids = list(placed.values())
        complete = set(db_orders) == set(order_ids) and all(
            db_orders[order_id]["email"] == users[i]["email"]
            and db_orders[order_id]["lines"] == basket[i]
            and len(basket[i]) == BASKET_LINES
            for i, order_id in placed.items()
        )
        emptied = all(carts[i]["status"] == 200 and not basket_lines(carts[i]) for i in placed)
        refused_whole = all(
            emails_with_orders[users[i]["email"]] == 0
            and carts[i]["status"] == 200
            and basket_lines(carts[i]) == basket[i]
            for i in refused
        )

        figures["to_shipping"] = wait_for_shipping(stack, order_ids, 180)
        figures["queues_idle_after_s"] = wait_queues_idle(stack, 60)
        figures["emails"] = email_census(stack, order_ids)
        figures["shipping_transitions_per_order"] = dict(shipping_transitions(stack, order_ids))
        figures["placed_to_shipping"] = placed_to_shipping(stack, order_ids)
        left = {p: stock_of(stack, p) for p in products}

    # Every backend has exited (and reported its statistics) with the stack's processes.
    time.sleep(1)
    figures["deadlocks"]["after_stack_stopped"] = deadlocks(stack)
    mentions = log_lines_mentioning("deadlock", offsets)
    figures["log_lines_mentioning_deadlock"] = mentions[:20]
    figures["log_tracebacks"] = len(log_lines_mentioning("Traceback", offsets))
    stock_accounting = {
        p: {
            "initial": stock,
            "left": left[p],
            "in_placed_orders": sum(o["lines"].get(p, 0) for o in db_orders.values()),
            "asked": figures["units_asked_by_product"][p],
        }
        for p in products
    }
    figures["stock_by_product"] = stock_accounting
    # Stock only goes down here (nothing fails or is cancelled): a refused basket still has
    # a product it cannot get at the end.
    refusals_justified = all(any(left[p] < q for p, q in basket[i].items()) for i in refused)
    all_answers = fill_answers + answers + carts
    emails = figures["emails"]
    count = len(placed)
    shipping, once = ({"shipping": count}, {1: count}) if count else ({}, {})
    seen = figures["deadlocks"]
    checks = {
        "no_5xx_nor_transport_error": all(0 < a["status"] < 500 for a in all_answers),
        "every_basket_filled": all(a["status"] == 200 for a in fill_answers),
        "every_checkout_201_or_409_insufficient_stock": set(outcomes)
        <= {"201", "409 insufficient_stock"},
        "some_placed_some_refused": 0 < count < buyers and len(refused) > 0,
        "refusals_name_short_lines": bool(refusals_name_short_lines),
        "refusals_justified": refusals_justified,
        "no_deadlock": seen["after_checkout"] == seen["after_stack_stopped"] == seen["before"]
        and not mentions,
        "orders_complete": complete,
        "placed_baskets_emptied": emptied,
        "refused_whole": refused_whole,
        "stock_accounted": all(
            s["initial"] == s["left"] + s["in_placed_orders"] for s in stock_accounting.values()
        ),
        "all_shipping": figures["to_shipping"]["statuses"] == shipping,
        "one_shipping_transition_each": figures["shipping_transitions_per_order"] == once,
        "one_confirmation_and_one_shipping_email_each": emails["orders_with_confirmation"] == count
        and emails["orders_with_shipping"] == count
        and emails["total"] == 2 * count
        and emails["duplicates"] == 0,
    }
    return {"figures": figures, "checks": checks}


# --- faults --------------------------------------------------------------------------------

FAULTS_ENV = {
    # A killed worker's unacknowledged task comes back after this (longer than the 10 s
    # long poll a killed worker can leave open on the emulator, which may swallow a message).
    "SQS_VISIBILITY_TIMEOUT": "20",
    "CELERY_TASK_TIME_LIMIT": "15",
    "EVENTS_VISIBILITY_TIMEOUT": "15",
    # Leases, for what redelivery alone does not recover.
    "ORDER_LEASE_SECONDS": "30",
    "EMAIL_LEASE_SECONDS": "30",
}


def faults(args) -> dict:
    """A burst of orders over HTTP while a killer thread SIGKILLs the worker (its process
    group: prefork children too), the events consumer, or both, at random moments and
    restarts them after a random pause. Checks: every order answered 201 and ends
    `shipping`, exactly one transition into shipping each, exactly one confirmation and one
    shipping email each in SES, nothing failed."""
    count, kills, users_count = (30, 3, 10) if args.quick else (100, 6, 20)
    rng = random.Random(args.seed)
    figures: dict = {"orders": count, "kills_planned": kills, "seed": args.seed}
    with ReliabilityStack(env=FAULTS_ENV) as stack:
        [product] = stack.seed(1, 1_000_000)
        users = stack.make_users(users_count)
        answers: list[dict] = []
        lock = threading.Lock()
        kill_log: list[dict] = []
        rate = 6.0  # orders per second: a burst of count / rate seconds
        burst = count / rate
        # Random moments within the burst (and a little after: orders are still in flight).
        moments = sorted(rng.uniform(1.0, burst + 3.0) for _ in range(kills))

        def one(i: int) -> None:
            answer = place(stack, users[i % len(users)], product)
            with lock:
                answers.append(answer)

        def killer() -> None:
            for moment in moments:
                time.sleep(max(0.0, t0 + moment - time.monotonic()))
                targets = rng.choice([["worker"], ["events"], ["worker", "events"]])
                statuses = dict(
                    stack.query("SELECT status, count(*) FROM orders_order GROUP BY status")
                )
                argvs = {name: stack.kill(name) for name in targets}
                pause = rng.uniform(0.5, 3.0)
                kill_log.append(
                    {
                        "at_s": round(time.monotonic() - t0, 1),
                        "killed": targets,
                        "restarted_after_s": round(pause, 1),
                        "orders_by_status_at_kill": statuses,
                    }
                )
                time.sleep(pause)
                for name, argv in argvs.items():
                    stack.restart(name, argv)

        killer_thread = threading.Thread(target=killer)
        t0 = time.monotonic()
        killer_thread.start()
        run_paced(rate, one, count=count)
        figures["placement_seconds"] = round(time.monotonic() - t0, 1)
        killer_thread.join()
        figures["kills"] = kill_log
        statuses = Counter(a["status"] for a in answers)
        figures["answers"] = {str(k): v for k, v in sorted(statuses.items())}
        order_ids = [str(a["body"]["orderId"]) for a in answers if a["status"] == 201]
        figures["to_shipping"] = wait_for_shipping(stack, order_ids, 300 if not args.quick else 180)
        figures["to_shipping"]["seconds_since_burst_start"] = round(time.monotonic() - t0, 1)
        figures["queues_idle_after_s"] = wait_queues_idle(stack, 90)
        figures["emails"] = email_census(stack, order_ids)
        figures["shipping_transitions_per_order"] = dict(shipping_transitions(stack, order_ids))
        figures["orders_handed_over_again"] = stack.query(
            "SELECT count(*) FROM orders_order WHERE handovers > 1"
        )[0][0]
        figures["placed_to_shipping"] = placed_to_shipping(stack, order_ids)
        figures["email_claims_without_message_id"] = stack.query(
            "SELECT count(*) FROM ecommerce_email WHERE key LIKE 'order:%%' AND ses_message_id = ''"
        )[0][0]

    emails = figures["emails"]
    checks = {
        "all_placed": statuses[201] == count,
        "all_shipping": figures["to_shipping"]["statuses"] == {"shipping": count},
        "one_shipping_transition_each": figures["shipping_transitions_per_order"] == {1: count},
        "one_confirmation_and_one_shipping_email_each": emails["orders_with_confirmation"] == count
        and emails["orders_with_shipping"] == count
        and emails["total"] == 2 * count
        and emails["duplicates"] == 0,
        "kills_happened": len(kill_log) == kills,
        "kills_hit_orders_in_flight": any(
            k["orders_by_status_at_kill"].get("pending", 0)
            + k["orders_by_status_at_kill"].get("processing", 0)
            for k in kill_log
        ),
    }
    return {"figures": figures, "checks": checks, "settings": FAULTS_ENV}


# --- outage --------------------------------------------------------------------------------

OUTAGE_ENV = {
    # Leases recover what the outage lost (queues wiped by the restart).
    "ORDER_LEASE_SECONDS": "15",
    "EMAIL_LEASE_SECONDS": "15",
    "SQS_VISIBILITY_TIMEOUT": "30",
    "CELERY_TASK_TIME_LIMIT": "20",
    "EVENTS_VISIBILITY_TIMEOUT": "15",
}


def outage(args) -> dict:
    """Orders placed at a steady pace; the AWS emulator is stopped mid-burst, placing goes
    on, then the emulator is started again on the same port (empty: moto keeps nothing) and
    bootstrap_aws recreates every resource. Checks: every order answered 201 reaches a
    terminal state (shipping, or failed with its stock released); stock + the quantity of
    live (not failed, not cancelled) orders == the initial stock; every order in the database
    was answered 201 (or its request got no answer); no 5xx but 503, and every request got
    an answer; orders were accepted before and after. A process that exits is restarted at
    once, as a process manager would, and reported (`process_exits_restarted`). Also
    measured, not checked: what the API answers after the restart for an old token, a new
    sign-up and an old user's sign-in (the emulator's Cognito pool is new and empty)."""
    before, down, after = (4, 6, 4) if args.quick else (5, 10, 5)
    stock, users_count, rate = 500, 20, 8.0
    figures: dict = {"phases_s": {"before": before, "down": down, "after": after}}
    figures["rate_per_s"] = rate
    with ReliabilityStack(env=OUTAGE_ENV) as stack:
        [product] = stack.seed(1, stock)
        users = stack.make_users(users_count)
        # Every web process verifies tokens (JWKS and pool ids cached per process).
        warm = Counter(
            call("GET", f"{stack.base_url}/orders", headers=bearer(users[i % users_count]))[
                "status"
            ]
            for i in range(20)
        )
        figures["warm_up_answers"] = dict(warm)
        stack.supervise(("web", "worker", "events", "beat"))

        phase = {"name": "before"}
        answers: list[dict] = []
        lock = threading.Lock()
        stop = threading.Event()

        def one(i: int) -> None:
            phase_name = phase["name"]
            answer = place(stack, users[i % users_count], product, timeout=60)
            answer["phase"] = phase_name
            with lock:
                answers.append(answer)

        pacer_thread = threading.Thread(target=run_paced, args=(rate, one), kwargs={"stop": stop})
        t0 = time.monotonic()
        pacer_thread.start()
        time.sleep(before)
        stack.stop_emulator()
        phase["name"] = "down"
        figures["emulator_stopped_at_s"] = round(time.monotonic() - t0, 1)
        time.sleep(down)
        phase["name"] = "restarting"
        figures["restart_and_bootstrap_s"] = round(stack.start_emulator(), 1)
        phase["name"] = "after"
        time.sleep(after)
        stop.set()
        pacer_thread.join()
        figures["placing_s"] = round(time.monotonic() - t0, 1)

        by_phase: dict = defaultdict(Counter)
        for answer in answers:
            by_phase[answer["phase"]][f"{answer['status']} {answer['code'] or ''}".strip()] += 1
        figures["answers_by_phase"] = {k: dict(v) for k, v in by_phase.items()}
        figures["latency_by_phase"] = {
            name: percentiles([a["ms"] for a in answers if a["phase"] == name]) for name in by_phase
        }
        accepted = [str(a["body"]["orderId"]) for a in answers if a["status"] == 201]

        # After the restart: Cognito is a new, empty pool; the web processes cached the
        # old pool's ids (SSM) and keys. What do sign-up and sign-in answer now?
        extra = place(stack, users[0], product)
        if extra["status"] == 201:
            accepted.append(str(extra["body"]["orderId"]))
        figures["after_restart"] = {
            "old_token_create_order": extra["status"],
            "new_sign_up": call(
                "POST",
                f"{stack.base_url}/auth/sign-up",
                json={
                    "email": "after-restart@example.com",
                    "fullName": "After Restart",
                    "password": "passw0rd-123",
                },
            )["status"],
            "old_user_sign_in": call(
                "POST",
                f"{stack.base_url}/auth/sign-in",
                json={"fullName": users[1]["fullName"], "password": users[1]["password"]},
            )["status"],
        }
        figures["accepted"] = len(accepted)
        figures["to_terminal"] = wait_for_shipping(stack, accepted, 240)
        rows = stack.query(
            "SELECT o.id, o.status, l.quantity, o.handovers FROM orders_order o"
            " JOIN orders_orderline l ON l.order_id = o.id WHERE l.product_id = %s",
            (product,),
        )
        live = sum(q for _, s, q, _ in rows if s not in ("failed", "cancelled"))
        final_stock = stock_of(stack, product)
        figures["stock"] = {"initial": stock, "final": final_stock, "live_order_quantity": live}
        figures["orders_in_db"] = len(rows)
        figures["process_exits_restarted"] = stack.exits
        unanswered = {str(i) for i, *_ in rows} - set(accepted)
        figures["orders_in_db_not_answered_201"] = len(unanswered)
        figures["orders_handed_over_again"] = sum(1 for *_, handovers in rows if handovers > 1)
        figures["failed_reasons"] = dict(
            Counter(
                r
                for (r,) in stack.query(
                    "SELECT t.reason FROM orders_ordertransition t JOIN orders_orderline l"
                    " ON l.order_id = t.order_id WHERE l.product_id = %s"
                    " AND t.to_status = 'failed'",
                    (product,),
                )
            )
        )

    no_answer = [a for a in answers if a["status"] == 0]
    bad_5xx = [a for a in answers if a["status"] >= 500 and a["status"] != 503]
    # An order the client never heard of is fine only if its request got no answer.
    unanswered_ok = len(unanswered) <= len(no_answer)
    checks = {
        "every_accepted_order_terminal": sum(
            figures["to_terminal"]["statuses"].get(s, 0) for s in TERMINAL
        )
        == len(accepted),
        "no_stock_leak": final_stock + live == stock,
        "no_order_unaccounted": unanswered_ok,
        "no_5xx_but_503": not bad_5xx,
        "every_request_answered": not no_answer,
        "accepted_before_and_after": all(
            by_phase[phase]["201"] > 0 for phase in ("before", "after")
        ),
    }
    return {"figures": figures, "checks": checks, "settings": OUTAGE_ENV}


# --- soak ----------------------------------------------------------------------------------

SOAK_ENV = {
    # Behind a proxy: the client address comes from X-Forwarded-For, so the sign-in
    # throttle (10/min per address) applies per simulated client, as in production.
    "NUM_PROXIES": "1",
}
# One second of traffic at 20 req/s: (kind, weight).
SOAK_MIX = [
    ("catalogue", 8),
    ("product", 5),
    ("order", 2),
    ("order_detail", 2),
    ("submit", 1),
    ("sign_in", 1),
    ("me", 1),
]


def soak(args) -> dict:
    """Mixed traffic at a steady 20 req/s (open loop: requests are sent on schedule whatever
    the answers take) for --minutes (default 10; --quick: 1): catalogue pages (varied
    filters and orderings), product detail, order placement and order detail, product
    submission (get-upload-url), sign-in (per-user client address), /auth/me. RSS of web
    (gunicorn master + workers), worker (+ children) and events sampled every 10 s.
    Checks: no error (anything but 2xx); the rate held (at least 95% of the planned
    requests sent); memory flat: for each process group, the average RSS in the last
    window is at most 10% or 5 MiB (whichever is larger) above the average in the baseline
    window; windows are the second and the last minute (runs of 3 minutes or more),
    otherwise the second and the last third of the run. Every order placed also ships; no
    process exited."""
    minutes = 1 if args.quick else args.minutes
    duration = minutes * 60
    rate = 20.0
    sample_every = 10
    figures: dict = {"minutes": minutes, "rate_per_s": rate, "mix_per_s": dict(SOAK_MIX)}
    with ReliabilityStack(env=SOAK_ENV) as stack:
        products = stack.seed(500, 1_000_000)
        users = stack.make_users(20)
        stack.supervise(("web", "worker", "events", "beat"))  # here: to notice any exit
        for i, user in enumerate(users):
            user["address"] = f"10.1.{i // 200}.{i % 200 + 1}"
        rng = random.Random(args.seed)
        orders_by_user: dict[int, list[str]] = defaultdict(list)
        placed: list[str] = []
        lock = threading.Lock()
        results: list[tuple[str, float, int, str | None, float]] = []
        local = threading.local()
        categories = ["books", "garden", "kitchen", "toys", "tools", "music", "sport", "office"]

        def session() -> requests.Session:
            if not hasattr(local, "session"):
                local.session = requests.Session()
            return local.session

        def request(kind: str, n: int) -> None:
            user_index = n % len(users)
            user = users[user_index]
            base = stack.base_url
            if kind == "catalogue":
                params = rng.choice(
                    [
                        {},
                        {"pageSize": 20},
                        {"category": rng.choice(categories)},
                        {"ordering": rng.choice(["productPrice", "-productPrice", "productName"])},
                        {"search": f"{rng.randint(0, 499):03d}"},
                    ]
                )
                answer = call(
                    "GET", f"{base}/products/approve-products", params=params, session=session()
                )
            elif kind == "product":
                answer = call("GET", f"{base}/products/{rng.choice(products)}", session=session())
            elif kind == "order":
                answer = place(stack, user, rng.choice(products), session=session())
                if answer["status"] == 201:
                    with lock:
                        orders_by_user[user_index].append(str(answer["body"]["orderId"]))
                        placed.append(str(answer["body"]["orderId"]))
            elif kind == "order_detail":
                with lock:
                    mine = orders_by_user.get(user_index) or []
                    order_id = mine[-1] if mine else None
                if order_id is None:
                    answer = call("GET", f"{base}/orders", headers=bearer(user), session=session())
                else:
                    answer = call(
                        "GET", f"{base}/orders/{order_id}", headers=bearer(user), session=session()
                    )
            elif kind == "submit":
                answer = call(
                    "POST",
                    f"{base}/products/get-upload-url",
                    json={
                        "fileName": f"soak-{n}.png",
                        "fileType": "image/png",
                        "productName": f"Soak item {n}",
                        "productPrice": 12.5,
                        "description": "Submitted by the soak test.",
                        "quantity": 3,
                        "category": "soak",
                    },
                    headers=bearer(user),
                    session=session(),
                )
            elif kind == "sign_in":
                answer = call(
                    "POST",
                    f"{base}/auth/sign-in",
                    json={"fullName": user["fullName"], "password": user["password"]},
                    headers={"X-Forwarded-For": user["address"]},
                    session=session(),
                )
            else:
                answer = call("GET", f"{base}/auth/me", headers=bearer(user), session=session())
            with lock:
                results.append((kind, answer["at"], answer["status"], answer["code"], answer["ms"]))

        schedule = [kind for kind, weight in SOAK_MIX for _ in range(weight)]
        samples: list[dict] = []
        stop = threading.Event()

        def sample() -> None:
            samples.append(
                {
                    "t_s": round(time.monotonic() - t0, 1),
                    **{
                        name: rss_kib(stack.processes[name].pid)
                        for name in ("web", "worker", "events", "emulator")
                    },
                }
            )

        def sampler() -> None:
            sample()
            while not stop.wait(sample_every):
                sample()

        pool = ThreadPoolExecutor(max_workers=24)
        t0 = time.monotonic()
        sampler_thread = threading.Thread(target=sampler)
        sampler_thread.start()
        sent = 0
        total = int(duration * rate)
        late = 0
        while sent < total:
            second = schedule[:]
            rng.shuffle(second)
            for kind in second:
                if sent >= total:
                    break
                due = t0 + sent / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -1:
                    late += 1
                pool.submit(request, kind, sent)
                sent += 1
        pool.shutdown(wait=True)
        elapsed = time.monotonic() - t0
        stop.set()
        sampler_thread.join()
        sample()  # the end of the run

        figures["requests"] = len(results)
        figures["achieved_rate_per_s"] = round(len(results) / elapsed, 2)
        figures["sent_more_than_1s_late"] = late
        per_kind: dict = {}
        for kind, _ in SOAK_MIX:
            mine = [r for r in results if r[0] == kind]
            per_kind[kind] = {
                "count": len(mine),
                "statuses": {str(k): v for k, v in sorted(Counter(r[2] for r in mine).items())},
                **percentiles([r[4] for r in mine]),
            }
        figures["by_kind"] = per_kind
        errors = [r for r in results if not 200 <= r[2] < 300]
        figures["errors"] = len(errors)
        figures["error_samples"] = [
            {"kind": k, "status": s, "code": c, "t_s": round(at - t0, 1)}
            for k, at, s, c, _ in errors[:20]
        ]
        figures["placed_orders"] = len(placed)
        figures["orders_to_shipping"] = wait_for_shipping(stack, placed, 120)
        figures["process_exits"] = stack.exits

    figures["rss_samples_kib"] = samples
    window = 60 if minutes >= 3 else duration / 3
    figures["memory_windows_s"] = {
        "baseline": [window, 2 * window],
        "last": [duration - window, duration + sample_every],
    }
    memory = {}
    flat = True
    for name in ("web", "worker", "events", "emulator"):
        base = [s[name] for s in samples if window <= s["t_s"] < 2 * window]
        last = [s[name] for s in samples if s["t_s"] >= duration - window]
        b, lst = statistics.mean(base), statistics.mean(last)
        allowed = max(b * 0.10, 5 * 1024)
        memory[name] = {
            "baseline_avg_mib": round(b / 1024, 1),
            "last_avg_mib": round(lst / 1024, 1),
            "growth_pct": round(100 * (lst - b) / b, 1),
            "flat": lst - b <= allowed,
        }
        if name != "emulator":  # the emulator keeps every email and execution: not ours
            flat = flat and memory[name]["flat"]
    figures["memory"] = memory
    checks = {
        "no_errors": figures["errors"] == 0,
        "rate_held": figures["requests"] >= 0.95 * total,
        "memory_flat": flat,
        "no_process_exited": not figures["process_exits"],
        "every_order_shipped": figures["orders_to_shipping"]["statuses"]
        == ({"shipping": len(placed)} if placed else {}),
    }
    return {"figures": figures, "checks": checks, "settings": SOAK_ENV}


# --- users (a subprocess with the stack's environment) ---------------------------------------


def make_users_here(count: int) -> None:
    """Print a JSON list of confirmed, signed-in Cognito users with their tokens."""
    import uuid

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecommerce.settings")
    django.setup()
    from accounts import services

    def one(_: int) -> dict:
        tag = uuid.uuid4().hex[:10]
        full_name, password = f"Buyer {tag}", "passw0rd-123"
        email = f"buyer-{tag}@example.com"
        services.user_sign_up(email=email, full_name=full_name, password=password)
        services.user_confirm_sign_up(full_name=full_name, code="123456")
        tokens = services.user_sign_in(full_name=full_name, password=password)
        from django.db import connection

        connection.close()
        return {
            "fullName": full_name,
            "email": email,
            "password": password,
            "idToken": tokens["IdToken"],
        }

    with ThreadPoolExecutor(max_workers=4) as pool:
        users = list(pool.map(one, range(count)))
    print(json.dumps(users))


# --- main ----------------------------------------------------------------------------------

SCENARIOS = {
    "oversell": oversell,
    "baskets": baskets,
    "faults": faults,
    "outage": outage,
    "soak": soak,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_users"]:
        make_users_here(int(argv[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--quick", action="store_true", help="smaller and shorter")
    parser.add_argument("--minutes", type=int, default=10, help="soak: how long")
    parser.add_argument(
        "--seed", type=int, default=7, help="random choices (baskets, faults, soak)"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an app setting for every process of the stack (repeatable)",
    )
    args = parser.parse_args(argv)

    # SIGTERM unwinds like Ctrl-C, so every process the stack started is stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    ReliabilityStack.overrides = dict(item.split("=", 1) for item in args.env)
    LOGS.mkdir(parents=True, exist_ok=True)
    stack_module.LOGS = LOGS  # this run's process logs, apart from the benchmarks'
    started = time.time()
    outcome = SCENARIOS[args.scenario](args)
    checks = outcome["checks"]
    result = {
        "scenario": args.scenario,
        "command": "python -m benchmarks.reliability " + " ".join(argv),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {**outcome.get("settings", {}), **ReliabilityStack.overrides},
        "figures": outcome["figures"],
        "checks": checks,
        "passed": all(checks.values()),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"reliability-{args.scenario}.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    runs.append(result)
    path.write_text(json.dumps(runs, indent=2, default=str) + "\n")
    summary = {k: v for k, v in result.items() if k != "figures"}
    summary["figures"] = {
        k: v for k, v in result["figures"].items() if k not in ("rss_samples_kib", "kills")
    }
    print(json.dumps(summary, indent=2, default=str))
    print(f"{'PASSED' if result['passed'] else 'FAILED'}: written to {path}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
