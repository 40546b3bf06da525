"""tests/browser: every test here is marked ``browser`` and runs with CSRF on.

The fixtures live in tests/browser_support.py (a plugin of the whole suite).
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _csrf_on(csrf_on) -> None:
    """Forms in the browser carry real CSRF tokens, as in production."""
