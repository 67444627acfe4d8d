"""The scenario suites: `pytest scenarios/suites` (see docs/scenarios.md)."""
