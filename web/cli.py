"""Flask CLI: `flask --app web tenants ...` and `flask --app web keys ...`."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from models.base import isoformat, utcnow
from models.tenants import ApiKey, Tenant, create_api_key, create_tenant, find_active_key
from web.services import services, settings

tenants_cli = AppGroup("tenants", help="Manage tenants.")
keys_cli = AppGroup("keys", help="Manage API keys.")
storage_cli = AppGroup("storage", help="Object storage.")


def _emit(as_json: bool, data: dict[str, Any], text: str) -> None:
    click.echo(json.dumps(data) if as_json else text)


@tenants_cli.command("create")
@click.argument("name")
@click.option("--quota-packages", type=click.IntRange(min=0), default=None)
@click.option("--quota-bytes", type=click.IntRange(min=0), default=None)
@click.option("--operator", is_flag=True, help="May use the RQ dashboard.")
@click.option("--json", "as_json", is_flag=True)
def tenants_create(
    name: str, quota_packages: int | None, quota_bytes: int | None, operator: bool, as_json: bool
) -> None:
    """Create a tenant."""
    cfg = settings()
    with services().sessions.begin() as session:
        tenant = create_tenant(
            session,
            name,
            cfg.default_quota_packages if quota_packages is None else quota_packages,
            cfg.default_quota_bytes if quota_bytes is None else quota_bytes,
            is_operator=operator,
        )
        tenant_id = tenant.id
    _emit(as_json, {"id": tenant_id}, f"tenant {tenant_id} created")


@tenants_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
def tenants_list(as_json: bool) -> None:
    """List tenants."""
    with services().sessions() as session:
        rows = [
            {"id": t.id, "name": t.name, "quota_packages": t.quota_packages, "is_operator": t.is_operator}
            for t in session.scalars(select(Tenant).order_by(Tenant.created_at))
        ]
    for row in rows:
        _emit(as_json, row, f"{row['id']}  {row['name']}")


@keys_cli.command("create")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--scopes", default="read,write", show_default=True)
@click.option("--name", default="", help="What the key is for.")
@click.option("--expires-at", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="When the key stops working (UTC).")
@click.option("--json", "as_json", is_flag=True)
def keys_create(tenant_id: str, scopes: str, name: str, expires_at: datetime | None, as_json: bool) -> None:
    """Create an API key; the secret is printed once, here."""
    with services().sessions.begin() as session:
        if session.get(Tenant, tenant_id) is None:
            raise click.ClickException(f"no tenant {tenant_id}")
        expiry = expires_at.replace(tzinfo=UTC) if expires_at else None
        if expiry is not None and expiry <= utcnow():
            raise click.ClickException("--expires-at must be in the future")
        try:
            key, secret = create_api_key(session, tenant_id, [s.strip() for s in scopes.split(",") if s.strip()],
                                         name, expiry)
        except ValueError as err:
            raise click.ClickException(str(err)) from None
        key_id = key.id
    _emit(as_json, {"id": key_id, "key": secret}, f"key {key_id}: {secret}")


@keys_cli.command("list")
@click.option("--tenant", "tenant_id", default=None)
@click.option("--json", "as_json", is_flag=True)
def keys_list(tenant_id: str | None, as_json: bool) -> None:
    """List keys (prefixes only)."""
    query = select(ApiKey).order_by(ApiKey.created_at)
    if tenant_id:
        query = query.where(ApiKey.tenant_id == tenant_id)
    with services().sessions() as session:
        rows = [_key_row(k) for k in session.scalars(query)]
    for row in rows:
        text = (f"{row['id']}  {row['name'] or '-'}  {row['prefix']}…  {','.join(row['scopes'])}  "
                f"created={row['created_at']}  last used={row['last_used_at']}  expires={row['expires_at']}  "
                f"revoked={row['revoked_at']}")
        _emit(as_json, row, text)


def _key_row(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "tenant_id": key.tenant_id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": key.scopes.split(","),
        "created_at": isoformat(key.created_at),
        "last_used_at": isoformat(key.last_used_at),
        "revoked_at": isoformat(key.revoked_at),
        "expires_at": isoformat(key.expires_at),
    }


@keys_cli.command("revoke")
@click.argument("key_id")
@click.option("--json", "as_json", is_flag=True)
def keys_revoke(key_id: str, as_json: bool) -> None:
    """Revoke a key; it stops working at once."""
    with services().sessions.begin() as session:
        key = session.get(ApiKey, key_id)
        if key is None:
            raise click.ClickException(f"no key {key_id}")
        key.revoked_at = key.revoked_at or utcnow()
    _emit(as_json, {"id": key_id, "revoked": True}, f"key {key_id} revoked")


@storage_cli.command("init")
def storage_init() -> None:
    """Create the bucket if it does not exist."""
    services().storage.ensure_bucket()
    click.echo(f"bucket {settings().s3_bucket} ready")


DEMO_TENANT = "Demo tenant"


@click.command("demo-key")
@click.option("--file", "path", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Where the key is kept (mode 0600); a missing file makes a new key.")
def demo_key(path: Path) -> None:
    """Keep one demo operator tenant and admin key: the same key on every run, printed as JSON."""
    with services().sessions.begin() as session:
        saved = _read_demo_key(path)
        if saved and find_active_key(session, saved["key"]) is not None:
            click.echo(json.dumps(saved))
            return
        tenant = session.scalar(select(Tenant).where(Tenant.name == DEMO_TENANT).order_by(Tenant.created_at))
        if tenant is None:
            cfg = settings()
            tenant = create_tenant(session, DEMO_TENANT, cfg.default_quota_packages, cfg.default_quota_bytes,
                                   is_operator=True)
        _, secret = create_api_key(session, tenant.id, ["read", "write", "admin"])
        saved = {"tenant_id": tenant.id, "key": secret}
    _write_private(path, json.dumps(saved))
    click.echo(json.dumps(saved))


def _read_demo_key(path: Path) -> dict[str, str] | None:
    try:
        saved = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return saved if isinstance(saved, dict) and {"tenant_id", "key"} <= saved.keys() else None


def _write_private(path: Path, text: str) -> None:
    # Created 0600 from the start: the key is never readable by others, not even for a moment.
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(text)
    os.replace(partial, path)


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_key)
    app.cli.add_command(tenants_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(storage_cli)
