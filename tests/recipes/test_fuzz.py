"""Property-based run of schemathesis against the live OpenAPI document.

Every operation of the SPEC §4 surface (/posts… and /members…) in /api/openapi.json gets
generated requests, valid and invalid, from an authenticated member, with path ids that are
random or that name real recipes and comments (so success paths are fuzzed too). A stateful
run follows the spec's links (create a recipe → read, edit, like, comment on it → like,
edit, delete the comment …). Every answer must be free of 5xx and conform to the spec: a
documented status code, content type, headers and body schema.

Bounded and reproducible: few examples per operation, derandomized, no example database.
The other features' operations (JWKS, health, metrics) are left to their own suites.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_headers_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.helpers import PASSWORD

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Operations that end the fuzzing member's session (or the member): kept out of the
# stateful run, and run last in the per-operation run (each operation logs in afresh).
SESSION_ENDING = {
    "POST /members/logout",
    "DELETE /members/{user_id}",
    "DELETE /members/sessions",
    "DELETE /members/sessions/{session_id}",
}
# Failures in other features' operations, known and reported to their owners. While one
# lasts the test xfails; once it is fixed the test fails until its entry is removed here.
KNOWN_ELSEWHERE: dict[str, str] = {}
BOUNDED = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def schema(app):
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return loaded.include(path_regex=r"^/(posts|members)")


@pytest.fixture
def kitchen(join, kim, make_post, make_comment):
    """The fuzzer and real ids: their own recipe and comment, and kim's to like."""
    fuzzer = join("fuzzer")
    kim_post, own_post = make_post(kim), make_post(fuzzer, title="퍼저의 레시피")
    ids = {
        "post_id": [kim_post, own_post],
        "comment_id": [make_comment(kim, kim_post), make_comment(fuzzer, own_post)],
        "user_id": [fuzzer.user_id],
    }
    return fuzzer, ids


def login(client, username: str) -> dict[str, str]:
    response = client.post("/members/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def cases_for(operation, known_ids):
    """Valid and invalid requests; for an id in the path, also requests naming real rows."""
    variants = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    for name in re.findall(r"{(\w+)}", operation.path):
        if name in known_ids:
            variants.append(
                st.sampled_from(known_ids[name]).flatmap(
                    lambda value, name=name: operation.as_strategy(path_parameters={name: value})
                )
            )
    return st.one_of(variants)


def fuzz(operation, known_ids, headers: dict[str, str]) -> None:
    """Send one operation its bounded set of generated requests and check every answer."""

    @BOUNDED
    @given(case=cases_for(operation, known_ids))
    def exercise(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    exercise()


def order(operation) -> tuple[bool, bool]:
    # Deletions after everything that needs the rows, session-enders after everything.
    return operation.label in SESSION_ENDING, operation.method.upper() == "DELETE"


def test_every_operation_answers_within_the_spec(schema, kitchen, client):
    fuzzer, known_ids = kitchen
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=order)
    assert len(operations) >= 25
    failures: dict[str, str] = {}
    for operation in operations:
        try:
            fuzz(operation, known_ids, headers=login(client, fuzzer.username))
        except FailureGroup as found:  # the report, with a curl line to reproduce
            failures[operation.label] = str(found)
    unexpected = {
        label: report for label, report in failures.items() if label not in KNOWN_ELSEWHERE
    }
    assert not unexpected, "\n\n".join(f"{label}\n{report}" for label, report in unexpected.items())
    fixed = set(KNOWN_ELSEWHERE) - set(failures)
    assert not fixed, f"fixed now, remove from KNOWN_ELSEWHERE: {sorted(fixed)}"
    if failures:
        pytest.xfail("; ".join(KNOWN_ELSEWHERE[label] for label in sorted(failures)))


def test_stateful_links_answer_within_the_spec(schema, kitchen, client):
    fuzzer, _ = kitchen
    headers = login(client, fuzzer.username)
    workflow = schema.exclude(func=lambda ctx: ctx.operation.label in SESSION_ENDING)

    class Authenticated(workflow.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    run_state_machine_as_test(
        Authenticated, settings=settings(BOUNDED, max_examples=6, stateful_step_count=8)
    )
