"""Fixtures and the CI rule for optional dependencies (helpers live in tests/helpers.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import EXAMPLES

# In CI (.ci/run sets it) a test may not skip for a missing optional dependency or tool:
# pgmpy is the independent reference and Chromium the report's reader, so a skip there would
# hide a failure. Locally, skips stay skips.
REQUIRE_ALL = os.environ.get("HYPSCORE_REQUIRE_ALL_DEPS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and call.when in ("setup", "call"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (HYPSCORE_REQUIRE_ALL_DEPS=1): {report.longrepr}"


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
