"""The scenario suites' fixtures, for our tests of the journeys."""

from scenarios.suites.conftest import citizen_address, dvc_journey, journey_catalogue, sample_files

__all__ = ["citizen_address", "dvc_journey", "journey_catalogue", "sample_files"]
