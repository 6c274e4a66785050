"""schemathesis against the app's own OpenAPI document: every operation, a fixed seed, as the county admin and as a
grid member.  No answer may be a server error or break its documented schema (status, content type, headers,
body); invalid input must be refused.

Checks: all of schemathesis's except ``positive_data_acceptance``, which takes "matches the schema" for "valid":
a schema-valid request for another township's area, a month without data or an id that names nothing is rightly
refused (404/409/422), and that is the rule the API documents.  Per operation, the exceptions below say why.

On PostgreSQL only (the stricter database: NUL, integer ranges; and the suite's time budget), bounded by
GRIDPATROL_FUZZ_EXAMPLES examples per operation and role (default 5)."""
from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from typing import Any, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import missing_required_header, negative_data_rejection, positive_data_acceptance

from server.app import create_app
from server.db import make_engine
from tests.conftest import FakeClock, _test_config, _truncate
from tests.fake_wechat import FakeWeChat

EXAMPLES = int(os.environ.get("GRIDPATROL_FUZZ_EXAMPLES", "5"))
URL = os.environ.get("GRIDPATROL_TEST_DATABASE_URL", "")
if not URL.startswith("postgresql"):
    pytest.skip("fuzzed on PostgreSQL only", allow_module_level=True)

CONFIG = _test_config(URL, tempfile.mkdtemp(prefix="gridpatrol-fuzz-"))
WECHAT = FakeWeChat(CONFIG.wechat_app_id, CONFIG.wechat_app_secret)  # unknown codes answer 40029, as WeChat does
APP = create_app(replace(CONFIG, wechat_api_base=WECHAT.base_url), clock=FakeClock(), engine=make_engine(URL))
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)
# unknown query parameters are ignored by design: pagination's page/page_size are read by their own parser, and
# signed links and cache busters add their own; every declared parameter is still fuzzed
schema.config.generation.update(allow_extra_parameters=False)


@schemathesis.serializer("application/offset+octet-stream")
def _tus_chunk(_ctx: Any, value: Any) -> bytes:
    """A tus PATCH body is raw bytes, like application/octet-stream."""
    from schemathesis.transport.serialization import serialize_binary

    return serialize_binary(value)


# tus 1.0 answers a request without Tus-Resumable 412 Precondition Failed (the protocol's rule, not a 4xx the
# checks know); Open311 takes an empty argument for an absent one ("Optional Arguments").
EXCEPTIONS: dict[str, list[Any]] = {
    "/api/v1/uploads": [negative_data_rejection, missing_required_header],
    "/api/v1/uploads/{token}": [negative_data_rejection, missing_required_header],
    "/open311/v2/requests.json": [negative_data_rejection],
}
# explicit: the document's examples and schemathesis's coverage cases (edges of every constraint); generate: random
PHASES = [Phase.explicit, Phase.generate] if os.environ.get("GRIDPATROL_FUZZ_COVERAGE", "1") == "1" else [Phase.generate]
fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=PHASES,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def fuzz_world(engine: Any, side_engine: Any) -> Iterator[Any]:
    """One county for every operation (a fresh one per operation would cost most of the run)."""
    from server.audit.service import CLI, install, set_context
    from server.db import make_sessionmaker
    from tests.factories import build_world

    _truncate(engine)
    factory = make_sessionmaker(side_engine)
    install(factory)
    session = factory()
    set_context(session, CLI)
    with WECHAT:
        yield build_world(APP, session)
    session.close()
    _truncate(engine)


def _check(case: Any, world: Any, user: str) -> None:
    excluded = [positive_data_acceptance, *EXCEPTIONS.get(case.operation.path, [])]
    case.call_and_validate(headers=world.headers(user), excluded_checks=excluded)


@schema.parametrize()
@fuzz
def test_as_county_admin_every_operation_answers_within_its_documented_schema(case, fuzz_world):
    _check(case, fuzz_world, "county")


@schema.parametrize()
@fuzz
def test_as_member_every_operation_answers_within_its_documented_schema(case, fuzz_world):
    _check(case, fuzz_world, "m1")
