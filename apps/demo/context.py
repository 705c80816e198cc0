"""What the parts of one store's seeding share."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Model

from apps.core.bulk import CopyPipe, JsonText
from apps.demo.data import StoreSpec
from apps.stores.models import Store
from apps.users.models import User


@dataclass(frozen=True)
class Customer:
    id: int
    email: str
    phone: str
    address: JsonText  # the order's snapshot of it, serialised once for all their orders
    country: str  # where their orders go: the tax they pay


@dataclass
class StoreRun:
    store: Store
    spec: StoreSpec
    staff: dict[str, User]  # role → the store's demo login in that role
    rng: random.Random
    now: datetime
    pipe: CopyPipe
    # Keys are handed out here rather than by the database: rows of one order refer to each
    # other before any of them is written.
    next_ids: dict[type[Model], int]
    log: Callable[[str], None]

    def take_id(self, model: type[Model]) -> int:
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value

    def at(self, timestamp: float) -> datetime:
        return datetime.fromtimestamp(timestamp, tz=self.now.tzinfo)
