"""`--database-tests-only`: run only the tests that use the database (scripts/test.sh's
PostgreSQL pass). A test that touches no database would run there exactly as in the SQLite
pass before it: the same code, twice.

A test uses the database if it is marked `django_db` or asks, itself or through its fixtures,
for one of pytest-django's database fixtures or `live_server` (`django_db_blocker` does not
count: pytest-django's own fixtures ask for it in every test), or is marked
`database_under_test`: it reads which database the pass tests and sets up its own there (a
benchmark's smoke run).
"""

import pytest

DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "live_server",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="deselect the tests that use no database",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "database_under_test: sets up a database of its own on the engine the pass tests",
    )


def uses_database(item: pytest.Item) -> bool:
    if any(item.get_closest_marker(name) for name in ("django_db", "database_under_test")):
        return True
    return not DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("database_tests_only"):
        return
    kept, deselected = [], []
    for item in items:
        (kept if uses_database(item) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
