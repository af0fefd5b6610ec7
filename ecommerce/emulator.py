"""The embedded AWS: moto in server mode on loopback (ecommerce.emulator_server).

`python -m ecommerce.emulator` runs it in the foreground (used by `make run`); the test
suite calls `start()` once per session on a free port.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"{url}/moto-api/", timeout=1).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the AWS emulator at {url} did not start") from None
            time.sleep(0.1)


def configure(url: str) -> None:
    """Emulator-only switches: let Step Functions really execute state machines."""
    requests.post(
        f"{url}/moto-api/config",
        json={"stepfunctions": {"execute_state_machine": True}},
        timeout=5,
    ).raise_for_status()


def start(
    host: str = "127.0.0.1", port: int | None = None, log=None
) -> tuple[subprocess.Popen, str]:
    """Start moto on host:port (a free port when None); returns (process, endpoint url)."""
    port = port or free_port()
    url = f"http://{host}:{port}"
    env = {**os.environ, "MOTO_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "ecommerce.emulator_server", "-H", host, "-p", str(port)],
        env=env,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal reaches the app, not the emulator
    )
    try:
        wait_ready(url)
        configure(url)
    except Exception:
        process.kill()
        raise
    return process, url


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the embedded AWS emulator (moto).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMULATOR_PORT", 4566)))
    args = parser.parse_args()
    process, url = start(args.host, args.port, log=sys.stdout)
    print(f"AWS emulator ready at {url}", flush=True)

    def stop(signum, frame):
        # moto runs in its own session: stopping this runner must stop it too.
        process.terminate()
        process.wait(10)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.exit(process.wait())


if __name__ == "__main__":
    main()
