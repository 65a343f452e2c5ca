"""Shared fixtures: real Postgres, Redis and S3 storage for every test (see tests/fixtures/)."""

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.platform",
    "tests.fixtures.ingest",
    "tests.fixtures.dispatches",
    "tests.fixtures.player",
    "tests.fixtures.xapi",
    "tests.fixtures.webhook_receiver",
]
