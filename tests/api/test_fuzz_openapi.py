"""Property-based fuzzing of every operation in /openapi.json (schemathesis + hypothesis)
against the real app (``python app.py``) on 127.0.0.1.

For each operation, a bounded number of generated requests (valid and invalid) must never
get a 500, and every answer must be documented: its status code, content type and body
schema. The bound keeps the run well under a minute.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import AUTH, PASSWORD, TOKEN, write_echo_plugin
from .test_server import REPO, Server, free_port, server_env

EXAMPLES_PER_OPERATION = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python app.py`` in a subprocess (a thread would race CPython 3.11's compiler while
    schemathesis imports lazily), with a known token and one plugin."""
    root: Path = tmp_path_factory.mktemp("fuzz")
    write_echo_plugin(root / "plugins")
    port = free_port()
    env = server_env(
        root,
        PLUGIN_ADMIN_PORT=str(port),
        PLUGIN_API_TOKEN=TOKEN,
        PLUGIN_ADMIN_PASSWORD=PASSWORD,
        PLUGIN_MAX_EXECUTION_TIME="0.5",
        PLUGIN_MAX_FILE_SIZE_MB="1",
    )
    server = Server([sys.executable, str(REPO / "app.py")], env, root, port)
    try:
        server.wait_until_up()
        yield server.url
    finally:
        assert server.stop(signal.SIGTERM) == 0, server.output()
        assert "Traceback" not in server.output(), server.output()


def test_no_generated_request_gets_a_500_or_an_undocumented_answer(live_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures: list[str] = []
    tried: dict[str, int] = {}

    def fuzz(operation: schemathesis.APIOperation) -> None:
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            tried[operation.label] = tried.get(operation.label, 0) + 1
            response = case.call(base_url=live_url, headers=AUTH, timeout=30)
            case.validate_response(response, checks=CHECKS)

        run()

    for operation in operations:
        try:
            fuzz(operation)
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:3000])

    assert failures == [], "\n\n".join(failures)
    assert all(tried.get(op.label, 0) > 0 for op in operations), tried
