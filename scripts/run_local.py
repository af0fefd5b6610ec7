"""`make run`: the whole stack on the embedded AWS, in the foreground, Ctrl-C stops it all.

1. starts the AWS emulator (moto, server mode) on loopback and lets Step Functions execute;
2. resets the local SQLite database: the emulator keeps its state in memory, so a fresh
   emulator with an old database would disagree (users without a Cognito identity, images
   without objects) — both start empty together, every run;
3. migrates, runs bootstrap_aws, writes missing image renditions, creates the local admin
   user;
4. runs web, worker, beat and events with prefixed logs (honcho) until Ctrl-C.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR = ROOT / "var"


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    from honcho.manager import Manager

    from ecommerce import emulator

    web_port = int(os.environ.get("WEB_PORT", "8000"))
    aws_port = int(os.environ.get("EMULATOR_PORT", "4566"))
    for name, port in (("web", web_port), ("AWS emulator", aws_port)):
        if not port_free(port):
            print(
                f"port {port} (for the {name}) is in use; stop what holds it, or set "
                f"{'WEB_PORT' if name == 'web' else 'EMULATOR_PORT'}",
                file=sys.stderr,
            )
            return 1

    VAR.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{aws_port}",
        "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "true"),
        # Local front-ends on any port may call the API and PUT images to the buckets.
        "CORS_ALLOWED_ORIGINS": os.environ.get(
            "CORS_ALLOWED_ORIGINS", "http://localhost:*,http://127.0.0.1:*"
        ),
        "PYTHONUNBUFFERED": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    if "DATABASE_URL" not in os.environ:
        (VAR / "db.sqlite3").unlink(missing_ok=True)
    else:
        print("DATABASE_URL is set: that database is kept, but the emulator starts empty.")

    with open(VAR / "emulator.log", "ab") as log:
        moto, url = emulator.start("127.0.0.1", aws_port, log=log)
    try:
        manage("migrate", "--no-input", "-v", "0", env=env)
        manage("bootstrap_aws", env=env)
        manage("image_renditions", env=env)  # images from before renditions (a kept database)
        admin_password = os.environ.get("LOCAL_ADMIN_PASSWORD", "admin")
        manage(
            "createsuperuser",
            "--no-input",
            "--username",
            "admin",
            "--email",
            "admin@localhost",
            env={**env, "DJANGO_SUPERUSER_PASSWORD": admin_password},
        )

        print(
            f"\n  API      http://127.0.0.1:{web_port}/"
            f"\n  Docs     http://127.0.0.1:{web_port}/api/docs"
            f"\n  Admin    http://127.0.0.1:{web_port}/admin/  (admin / {admin_password})"
            f"\n  AWS      {url}  (moto; log in var/emulator.log)"
            "\n  Ctrl-C stops everything.\n",
            flush=True,
        )
        manager = Manager()
        py = sys.executable
        processes = {
            "web": f"{py} manage.py runserver 127.0.0.1:{web_port} --noreload",
            "worker": f"{py} -m celery -A ecommerce worker --loglevel INFO --concurrency 2 "
            "--without-gossip --without-mingle --without-heartbeat",
            "beat": f"{py} -m celery -A ecommerce beat --loglevel INFO "
            f"--schedule {VAR / 'celerybeat-schedule'} "
            "--scheduler django_celery_beat.schedulers:DatabaseScheduler",
            "events": f"{py} manage.py consume_events",
        }
        for name, command in processes.items():
            manager.add_process(name, command, cwd=str(ROOT), env=env)
        manager.loop()
        return manager.returncode or 0
    finally:
        moto.terminate()
        try:
            moto.wait(10)
        except subprocess.TimeoutExpired:
            moto.kill()


if __name__ == "__main__":
    sys.exit(main())
