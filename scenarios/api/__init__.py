"""The API driver: the journeys over HTTP (no browser), and its seam for a team's portal (`ProvincialApi`).

    from scenarios.api import api_portals, emulator_api
    portals = api_portals(emulator_api(requests.Session(), urls, namespace="my-test"))
"""

from .portals import ApiDriverPortals, api_portals, dossier_view
from .seam import (
    DEFAULT_API,
    SEAM_METHODS,
    ApiPortals,
    EmulatorProvincialApi,
    Factory,
    ProvincialApi,
    emulator_api,
    resolve_factory,
)

__all__ = ["DEFAULT_API", "SEAM_METHODS", "ApiDriverPortals", "ApiPortals", "EmulatorProvincialApi", "Factory",
           "ProvincialApi", "api_portals", "dossier_view", "emulator_api", "resolve_factory"]
