"""Whole Postgres databases: tests and benchmarks each start from a fresh one and drop it after."""

from __future__ import annotations

import psycopg2

ADMIN_DSN = "dbname=postgres user=postgres host=127.0.0.1"


def _admin(sql: str, admin_dsn: str) -> None:
    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def drop_database(name: str, admin_dsn: str = ADMIN_DSN) -> None:
    """Drop the database, closing its connections (FORCE)."""
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin_dsn)


def recreate_database(name: str, admin_dsn: str = ADMIN_DSN) -> None:
    """An empty database of that name, whatever was there."""
    drop_database(name, admin_dsn)
    _admin(f'CREATE DATABASE "{name}"', admin_dsn)
