"""schemathesis against each service's OpenAPI document: whatever it sends, no 5xx, and every answer is
one the document promises (a documented status, a body that fits that status's schema).

Each operation gets a bounded number of generated requests, valid and invalid, sent with
the admin token in a namespace of its own, so the admin surface is fuzzed too. The requests come from
a seed of the run's, so each run tries others and a failure names the seed that repeats it:

    DVC_FUZZ_SEED=N pytest tests/test_openapi_fuzz.py            # the requests of that run again
    DVC_FUZZ_EXAMPLES=100 pytest tests/test_openapi_fuzz.py      # a deeper fuzz than make test's
(schemathesis's own pytest integration does not run on pytest 9 yet, so the operations
are driven with Hypothesis directly.)
"""

from __future__ import annotations

import os
import random

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.core.control import SkipTest

from harness.stack import Stack

# Five of each mode per operation and run: make test's share. Runs differ by their seed, so the runs together
# try far more than one run could.
EXAMPLES = int(os.environ.get("DVC_FUZZ_EXAMPLES") or 5)
SEED = int(os.environ.get("DVC_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
# Not fuzzed: they act on the whole stack (a restore rewinds every test's data) or make the
# fuzz namespace itself misbehave (a 2-minute latency fault). Their bad input is tested by hand.
NOT_FUZZED = {("POST", "/_admin/snapshots"), ("POST", "/_admin/snapshots/{name}/restore"), ("POST", "/_admin/faults")}
FUZZED_SERVICES = ("national", "provincial", "payment", "postal", "vneid")
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def fuzz_operation(stack: Stack, service: str, operation, mode: GenerationMode) -> int:
    """The requests sent: EXAMPLES, fewer for an operation with few distinct inputs, none when no request of
    that mode can be made (an operation without inputs has no invalid request)."""
    headers = {"X-DVC-Namespace": f"fuzz-{service}", "X-Admin-Token": stack.config.credentials.admin_token}
    # With one mode only, schemathesis says at the first draw that an operation has nothing to make invalid
    # (SkipTest) instead of drawing and rejecting a thousand cases first (Hypothesis's Unsatisfiable): that was
    # half of this test's time. The cases it generates for the other operations are the same.
    operation.schema.config.generation.update(modes=[mode])
    sent = 0

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        nonlocal sent
        sent += 1
        case.call_and_validate(base_url=stack.urls[service], headers=headers, checks=CHECKS,
                               timeout=10)

    try:
        run()
    except (SkipTest, Unsatisfiable):
        # Nothing to make invalid: said before any request, never midway (that would cut the fuzzing short).
        assert sent == 0, f"{operation.method.upper()} {operation.path}: gave up after {sent} requests"
    return sent


@pytest.mark.parametrize("service", FUZZED_SERVICES)
def test_every_answer_is_documented_and_none_is_5xx(dvc_stack: Stack, service: str) -> None:
    schema = schemathesis.openapi.from_url(f"{dvc_stack.urls[service]}/openapi.json")
    failures: list[str] = []
    operations = [op for op in (result.ok() for result in schema.get_all_operations())
                  if (op.method.upper(), op.path) not in NOT_FUZZED]
    assert len(operations) >= 5, "the OpenAPI document lists the service's operations"
    sent = {GenerationMode.POSITIVE: 0, GenerationMode.NEGATIVE: 0}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                sent[mode] += fuzz_operation(dvc_stack, service, operation, mode)
            except (Exception, BaseExceptionGroup) as exc:  # collect every failing operation, then fail once
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"[:2000])
    assert not failures, f"repeat with DVC_FUZZ_SEED={SEED}:\n\n" + "\n\n".join(failures)
    # every operation was sent valid requests, and most of them invalid ones
    assert sent[GenerationMode.POSITIVE] >= len(operations) and sent[GenerationMode.NEGATIVE] >= len(operations), sent
