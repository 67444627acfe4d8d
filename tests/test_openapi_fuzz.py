"""schemathesis against each service's OpenAPI document: whatever it sends, no 5xx, and every answer is
one the document promises (a documented status, a body that fits that status's schema).

Each operation gets a bounded number of generated requests, valid and invalid, sent with
the admin token in a namespace of its own, so the admin surface is fuzzed too.
(schemathesis's own pytest integration does not run on pytest 9 yet, so the operations
are driven with Hypothesis directly.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from harness.stack import Stack

EXAMPLES = 10
# Not fuzzed: they act on the whole stack (a restore rewinds every test's data) or make the
# fuzz namespace itself misbehave (a 2-minute latency fault). Their bad input is tested by hand.
NOT_FUZZED = {("POST", "/_admin/snapshots"), ("POST", "/_admin/snapshots/{name}/restore"), ("POST", "/_admin/faults")}
FUZZED_SERVICES = ("national", "provincial", "payment", "postal", "vneid")
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def fuzz_operation(stack: Stack, service: str, operation, mode: GenerationMode) -> None:
    headers = {"X-DVC-Namespace": f"fuzz-{service}", "X-Admin-Token": stack.config.credentials.admin_token}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=stack.urls[service], headers=headers, checks=CHECKS,
                               timeout=10)

    run()


@pytest.mark.parametrize("service", FUZZED_SERVICES)
def test_every_answer_is_documented_and_none_is_5xx(dvc_stack: Stack, service: str) -> None:
    schema = schemathesis.openapi.from_url(f"{dvc_stack.urls[service]}/openapi.json")
    failures: list[str] = []
    operations = [op for op in (result.ok() for result in schema.get_all_operations())
                  if (op.method.upper(), op.path) not in NOT_FUZZED]
    assert len(operations) >= 5, "the OpenAPI document lists the service's operations"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(dvc_stack, service, operation, mode)
            except Unsatisfiable:
                continue  # no invalid request can be made for an operation without inputs
            except (Exception, BaseExceptionGroup) as exc:  # collect every failing operation, then fail once
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
