"""The worlds the harness's own tests pin (mocks/core/world.py). A namespace whose clock nobody set is in today's
world; a test of the 2022 world's rules (DVCQG passwords, registration with a one-time code, three tiers, the
Quảng Nam catalogue, three-level addresses) runs its namespace from a date of that world, through the plugin's
`dvc_as_of` marker (the per-test form of --dvc-as-of: the namespace's clock)."""

from __future__ import annotations

import pytest

from mocks.core.world import SEED_DAY

IN_2022 = pytest.mark.dvc_as_of(SEED_DAY.isoformat())
