"""The provincial portal's model: the parts wired together (catalogue, accounts, dossiers, payments, post, sync,
and the one-stop back office: officers, the workflow of transitions, the campaign statistics).

Each part lives in its own module; this is the one object the API, the pages and the
tests construct, from the core Store, Clock, Outbox and the stack's configuration.
"""

from __future__ import annotations

from typing import Any

import requests

from mocks.core.clock import Clock
from mocks.core.config import StackConfig
from mocks.core.outbox import Outbox
from mocks.core.storage import Store
from mocks.core.world import Worlds

from .accounts import Accounts
from .catalogue import Catalogue
from .delivery import POSTAL_KIND, PostalClient, PostalHandOver, PostalOrderSender
from .dossier.dossiers import Dossiers
from .dossier.postal import PostalOrders
from .dossier.store import DossierStore
from .dossier.transitions import Transitions
from .dossier.workflow import Workflow
from .eras import load_eras
from .handover import HandOver
from .notifications import Notifications
from .officers import Officers
from .payments import PaymentPlatformClient, Payments
from .sending import HistorySending, LiveSending
from .sso import national_sso
from .stats import CampaignStats
from .sync import SYNC_KIND, SyncGateway, SyncQueue
from .workdays import WorkCalendar


class ProvincialPortal:
    """history=True: the portal of `dvc-harness seed-history`, whose moves of the past send nothing one by one
    (sending.HistorySending; `self.sending.flush()` queues their national sync at the end)."""

    def __init__(self, store: Store, clock: Clock, outbox: Outbox, config: StackConfig, *,
                 catalogue: Catalogue | None = None, calendar: WorkCalendar | None = None,
                 http: requests.Session | None = None, history: bool = False) -> None:
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.config = config
        # the eras of the province (eras.py): what is offered follows each namespace's date; `catalogue` is the first
        self.catalogues = load_eras(config.profile)
        self.catalogue = catalogue or self.catalogues.first
        self.worlds = Worlds(clock)
        self.calendar = calendar or WorkCalendar.from_data()
        self.accounts = Accounts(store, clock)
        self.postal_orders = PostalOrders(store, clock)
        self.notifications = Notifications(store, clock)
        rows = DossierStore(store, self.postal_orders)
        hand_over = PostalHandOver(config, self.catalogues, self.postal_orders, outbox)
        self.sending: LiveSending | HistorySending = (
            HistorySending(rows, outbox, hand_over) if history
            else LiveSending(SyncQueue(outbox), self.notifications, hand_over))
        self.moves = Transitions(rows, clock, self.calendar, self.catalogues, self.sending)
        self.dossiers = Dossiers(self.moves, clock, self.catalogues, self.postal_orders)
        self.payments = Payments(store, clock, config, self.dossiers, PaymentPlatformClient(config, clock, http))
        self.officers = Officers(store, clock, self.catalogues)
        self.workflow = Workflow(self.moves, self.officers, self.accounts, self.catalogues)
        self.stats = CampaignStats(store, clock, self.catalogues)
        # 1 July 2025: the dossiers in flight at district agencies pass to the receiving units (handover.py)
        self.reorganisation = HandOver(self.catalogues, self.worlds, self.moves)
        self.sso = national_sso(config, http)
        self.postal = PostalClient(config, http)
        self.sync_gateway = SyncGateway(config, store, http)
        outbox.register(SYNC_KIND, self.sync_gateway)
        outbox.register(POSTAL_KIND, PostalOrderSender(self.postal_orders, self.postal))

    def catalogue_for(self, ns: str) -> Catalogue:
        """The catalogue in force on the namespace's date: Quảng Nam's, or thành phố Đà Nẵng's from 1 July 2025."""
        return self.catalogues.in_force(self.worlds.of(ns))

    def batch(self) -> Any:
        """One transaction for many operations (each joins it): bulk work, such as a history, commits less often."""
        return self.store.transaction()

    @property
    def tracking_base(self) -> str:
        return self.config.url("postal").rstrip("/")

    def reset(self, ns: str) -> None:
        """Erase the namespace's accounts, officers, dossiers, counters, files, notices, payments, postal orders and
        sync session."""
        self.payments.reset(ns)
        self.officers.reset(ns)
        self.postal_orders.reset(ns)
        self.notifications.reset(ns)
        self.dossiers.reset(ns)
        self.accounts.reset(ns)
        self.sync_gateway.reset(ns)
