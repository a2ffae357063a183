"""Property-based fuzzing of the domain API from its own OpenAPI schema (schemathesis), against a live server.

Signed in with a site admin's token (so writes reach validation and the services instead of stopping at a 401 or
a CSRF 403), on the demo data. Checks: no 5xx, every status code and body as the schema declares.
The run is bounded (a fixed seed, a few examples per operation) so it takes well under a minute.
"""

import json
import subprocess

import pytest
from rest_framework.authtoken.models import Token

from backend.tournaments import demo
from tests.factories import UserFactory
from tests.processes import BIN, AsgiServer, process_env, running

pytestmark = pytest.mark.slow

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
DOMAIN_PATHS = r"^/api/(organizations|tournaments|teams|games)/"
MAX_EXAMPLES = 8
TIME_BUDGET_SECONDS = 35  # the whole schemathesis run stops here, on SQLite and on the slower PostgreSQL alike
SEED = 20261123


def test_domain_api_survives_fuzzing_and_matches_its_schema(transactional_db, tmp_path):
    demo.populate(lambda *args: None)
    token = Token.objects.create(user=UserFactory(username="fuzzer", is_staff=True, is_superuser=True)).key
    report = tmp_path / "schemathesis.json"
    # CONN_MAX_AGE=0: under ASGI each request may run on a new thread, and persistent connections pile up
    # (measured: 43 open PostgreSQL connections from this one server with the default of 60 s).
    server = AsgiServer(process_env(API_THROTTLE_ANON="", API_THROTTLE_USER="", CONN_MAX_AGE="0"))
    with running(server):
        run = subprocess.run(
            [
                str(BIN / "st"),
                "run",
                f"{server.url}/api/schema/?format=json",
                "--header",
                f"Authorization: Token {token}",
                "--include-path-regex",
                DOMAIN_PATHS,
                "--checks",
                CHECKS,
                "--max-examples",
                str(MAX_EXAMPLES),
                "--max-time",
                str(TIME_BUDGET_SECONDS),
                "--seed",
                str(SEED),
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--request-timeout",
                "10",
                "--no-color",
                "--report",
                "json",
                "--report-json-path",
                str(report),
            ],
            cwd=tmp_path,  # schemathesis keeps a cache directory in its working directory
            capture_output=True,
            text=True,
            timeout=240,  # --max-time bounds the fuzzing; this only catches a hung run
        )
    summary = json.loads(report.read_text())
    cases = summary["test_cases"]
    print(
        f"schemathesis: {summary['operations']['tested']} operations, {cases['generated']} cases, "
        f"{cases['with_failures']} with failures, {summary['running_time']:.1f} s, "
        f"phases { ({name: phase['status'] for name, phase in summary['phases'].items()}) }"
    )
    assert run.returncode == 0, f"{run.stdout[-6000:]}\n{server.log[-4000:]}"
    assert summary["operations"]["tested"] >= 18
    assert cases["generated"] > 300
    assert cases["with_failures"] == 0 and cases["errored"] == 0
