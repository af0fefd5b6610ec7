"""The name of every AWS resource the app addresses, derived from one prefix (no Django import:
settings use it). deploy/app-resources.yaml names the resources the same way (tests/deploy
checks that they agree)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Names:
    prefix: str

    def bucket(self, purpose: str) -> str:
        return f"{self.prefix}-{purpose}"

    @property
    def events_queue(self) -> str:
        return f"{self.prefix}-events"

    @property
    def celery_queue(self) -> str:
        return f"{self.prefix}-celery"

    @staticmethod
    def dead_letter(queue: str) -> str:
        return f"{queue}-dlq"

    @property
    def topic(self) -> str:
        return f"{self.prefix}-notifications"

    @property
    def user_pool(self) -> str:
        return f"{self.prefix}-users"

    @property
    def app_client(self) -> str:
        return f"{self.prefix}-web"

    @property
    def state_machine(self) -> str:
        return f"{self.prefix}-order-workflow"

    def parameter(self, name: str) -> str:
        return f"/{self.prefix}/{name}"
