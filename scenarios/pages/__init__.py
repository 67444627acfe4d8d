"""Page objects of the four emulators, and `emulator_pages`, the default `--dvc-pages` factory.

    portals = emulator_pages(page, {"national": ..., "provincial": ..., "payment": ..., "postal": ...})
    portals.provincial.home()

To run the journeys on your own provincial portal, write a factory of the same shape that
puts your page objects (satisfying scenarios.portal.ProvincialPortal) in place of
`ProvincialPages`, and pass it with `--dvc-pages mypkg.pages:my_portal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from playwright.sync_api import Page

from ._base import configure
from .national import NationalPages
from .payment import PaymentPages
from .postal import PostalPages
from .provincial import ProvincialPages


@dataclass
class EmulatorPortals:
    """The four emulators' page objects on one browser page (satisfies scenarios.portal.Portals)."""

    national: NationalPages
    provincial: ProvincialPages
    payment: PaymentPages
    postal: PostalPages


def emulator_pages(page: Page, urls: Mapping[str, str]) -> EmulatorPortals:
    """The default `--dvc-pages` factory: the emulators at `urls` (service -> origin)."""
    configure(page)
    return EmulatorPortals(
        national=NationalPages(page, urls["national"]),
        provincial=ProvincialPages(page, urls["provincial"]),
        payment=PaymentPages(page, urls["payment"]),
        postal=PostalPages(page, urls["postal"]),
    )


__all__ = ["EmulatorPortals", "NationalPages", "PaymentPages", "PostalPages", "ProvincialPages", "emulator_pages"]
