"""`/api/v1/xapi`: statements (the same store as the `/xapi` LRS), analytics, LRS credentials.

Also registers `flask --app web xapi-rollups rebuild --tenant ID` (or `--all`).
"""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from models.base import isoformat, utcnow
from models.tenants import Tenant
from models.xapi import LrsCredential
from pipeline.rollup import rebuild
from web.auth import current_principal, current_tenant_id, scope
from web.errors import ApiError
from web.lrs.credentials import create_credential
from web.lrs.params import StatementParams
from web.lrs.service import StatementsInvalid, StoreError, request_rollup, submit_statements
from web.lrs.store_query import get_statement, statements_query
from web.pagination import PageArgsSchema, paginate, pagination_block
from web.services import db, services, settings
from web.xapi import schemas
from web.xapi.analytics import list_activities, list_actors

blp = Blueprint("xapi", __name__, url_prefix="/api/v1/xapi", description="xAPI statements and analytics",
                cli_group="xapi-rollups")


def _json(body: Any) -> Response:
    """A JSON response built directly: the schema documents it, dumping it again would only cost time."""
    return Response(json.dumps(body, ensure_ascii=False), status=200, mimetype="application/json")


def _page(documents: list[str], pagination: dict[str, int]) -> Response:
    """`{statements, pagination}` around stored statement JSON, which is sent as stored."""
    body = '{"statements":[' + ",".join(documents) + '],"pagination":' + json.dumps(pagination) + "}"
    return Response(body, status=200, mimetype="application/json")


def _authority() -> dict[str, Any]:
    """The authority stamped on statements sent with an API key."""
    key_id = current_principal().key_id
    return {"objectType": "Agent", "name": f"api-key:{key_id}",
            "account": {"homePage": settings().public_base_url, "name": f"api-key:{key_id}"}}


@blp.route("/statements")
class Statements(MethodView):
    @blp.doc(**schemas.STATEMENTS_POST_DOC)
    @blp.doc(operationId="postStatements")
    def post(self) -> Response:
        """Store one statement (answers its id) or an array (answers the ids)

        Validated by the xAPI rules; a batch is stored whole or not at all. The authority is your
        tenant; for xAPI clients that speak the standard protocol use the LRS at `/xapi/`.

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
          -X POST "$BASE/api/v1/xapi/statements" \\
          -d '{"actor": {"account": {"homePage": "https://partner.example", "name": "learner-1"}},
               "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
               "object": {"id": "https://partner.example/courses/safety"}}'
        ```
        """
        body = request.get_json(silent=True)
        if body is None:
            raise ApiError(400, "BAD_REQUEST", "Malformed JSON body")
        statements = body if isinstance(body, list) else [body]
        if not statements:
            raise ApiError(400, "VALIDATION_ERROR", "Validation failed", {"fieldErrors": {"$": ["empty batch"]}})
        version = request.headers.get("X-Experience-API-Version") or "2.0.0"
        session, tenant_id = db(), current_tenant_id()
        try:
            result = submit_statements(session, tenant_id, statements, authority=_authority(),
                                       version=version, single=not isinstance(body, list))
        except StatementsInvalid as err:
            session.rollback()
            raise ApiError(400, "VALIDATION_ERROR", "Validation failed", err.details()) from None
        except StoreError as err:
            session.rollback()
            raise ApiError(err.status, err.code, err.message, err.details) from None
        session.commit()
        if result.inserted:
            request_rollup(session, services().redis, tenant_id)
        payload = result.ids if isinstance(body, list) else result.ids[0]
        return Response(json.dumps(payload), status=200, mimetype="application/json")

    @blp.arguments(schemas.XapiStatementQuerySchema, location="query")
    @blp.response(200, schemas.XapiStatementListSchema)
    @blp.doc(operationId="queryStatements")
    def get(self, args: dict[str, Any]) -> Response:
        """Query statements (newest first) with filters and pagination

        Filter by agent, verb, activity, registration and time (`since`, `until`), as the xAPI
        statement API does, with this API's `page` and `limit`.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/xapi/statements?verb=http://adlnet.gov/expapi/verbs/completed&limit=50"
        ```
        """
        tenant_id = current_tenant_id()
        if args.get("statementId"):
            row = get_statement(db(), tenant_id, str(args["statementId"]), voided=False)
            found = [row.document] if row else []
            return _page(found, pagination_block(1, args["limit"], len(found)))
        params = StatementParams(verb=args.get("verb"), activity=args.get("activity"),
                                 registration=str(args["registration"]) if args.get("registration") else None,
                                 since=args.get("since"), until=args.get("until"))
        query = statements_query(tenant_id, params)
        total = db().scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        rows = db().execute(query.limit(args["limit"]).offset((args["page"] - 1) * args["limit"])).all()
        return _page([row.document for row in rows], pagination_block(args["page"], args["limit"], total))


@blp.route("/statements/<string:statement_id>")
class StatementById(MethodView):
    @blp.response(200)
    @blp.doc(operationId="getStatement", **schemas.STATEMENT_GET_DOC)
    def get(self, statement_id: str) -> Response:
        """Get one statement by id

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/xapi/statements/STATEMENT_ID"
        ```
        """
        row = get_statement(db(), current_tenant_id(), statement_id, voided=False)
        if row is None:
            raise ApiError(404, "NOT_FOUND", "Statement not found")
        return Response(row.document, status=200, mimetype="application/json")


@blp.route("/analytics/actors")
class ActorAnalytics(MethodView):
    @blp.arguments(schemas.XapiActorQuerySchema, location="query")
    @blp.response(200, schemas.XapiActorListSchema)
    @blp.doc(operationId="listActorAnalytics")
    def get(self, args: dict[str, Any]) -> Response:
        """Aggregated performance by learner (from the rollups)

        Per learner: statements, activities, completions, successes and scores, kept up to date by
        background rollups a few seconds behind the statements.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/xapi/analytics/actors?min_activities=1&limit=20"
        ```
        """
        return _json(list_actors(db(), current_tenant_id(), args, settings().public_base_url))


@blp.route("/analytics/activities")
class ActivityAnalytics(MethodView):
    @blp.arguments(schemas.XapiActivityQuerySchema, location="query")
    @blp.response(200, schemas.XapiActivityListSchema)
    @blp.doc(operationId="listActivityAnalytics")
    def get(self, args: dict[str, Any]) -> Response:
        """Aggregated performance by activity (from the rollups)

        Per activity: learners, attempts, completions, successes and scores.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/xapi/analytics/activities?min_learners=1&limit=20"
        ```
        """
        return _json(list_activities(db(), current_tenant_id(), args))


def _credential_body(credential: LrsCredential) -> dict[str, Any]:
    return {"id": credential.id, "key": credential.key, "name": credential.name,
            "endpoint": settings().public_base_url.rstrip("/") + "/xapi",
            "created_at": isoformat(credential.created_at), "revoked_at": isoformat(credential.revoked_at)}


@blp.route("/credentials")
class Credentials(MethodView):
    @scope("admin")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, schemas.LrsCredentialListSchema)
    @blp.doc(operationId="listLrsCredentials")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the tenant's LRS credentials (keys only)

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/xapi/credentials"
        ```
        """
        query = (select(LrsCredential).where(LrsCredential.tenant_id == current_tenant_id())
                 .order_by(LrsCredential.created_at.desc(), LrsCredential.id))
        rows, total = paginate(db(), query, args["page"], args["limit"])
        return {"credentials": [_credential_body(r) for r in rows],
                "pagination": pagination_block(args["page"], args["limit"], total)}

    @scope("admin")
    @blp.arguments(schemas.LrsCredentialCreateSchema, required=False)
    @blp.response(201, schemas.LrsCredentialCreatedSchema)
    @blp.doc(operationId="createLrsCredential")
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create Basic-auth credentials for the standard LRS at /xapi (the secret is shown once)

        For xAPI clients and authoring tools that talk to an LRS: use `key` and `secret` as the Basic
        username and password against `$BASE/xapi/`.

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
          -X POST "$BASE/api/v1/xapi/credentials" -d '{"name": "authoring tool"}'
        ```
        """
        credential, secret = create_credential(db(), current_tenant_id(), args["name"])
        db().commit()
        return {**_credential_body(credential), "secret": secret}


@blp.route("/credentials/<string:credential_id>")
class CredentialById(MethodView):
    @scope("admin")
    @blp.response(200, schemas.LrsCredentialSchema)
    @blp.doc(operationId="revokeLrsCredential")
    def delete(self, credential_id: str) -> dict[str, Any]:
        """Revoke LRS credentials; they stop working at once

        ```bash
        curl -H "Authorization: Bearer $KEY" -X DELETE "$BASE/api/v1/xapi/credentials/CREDENTIAL_ID"
        ```
        """
        credential = db().get(LrsCredential, credential_id)
        if credential is None or credential.tenant_id != current_tenant_id():
            raise ApiError(404, "NOT_FOUND", "Credential not found")
        credential.revoked_at = credential.revoked_at or utcnow()
        db().commit()
        return _credential_body(credential)


@blp.cli.command("rebuild")
@click.option("--tenant", "tenant_id", default=None, help="One tenant (default: every tenant).")
@click.option("--json", "as_json", is_flag=True)
def rebuild_rollups(tenant_id: str | None, as_json: bool) -> None:
    """Drop and recompute the xAPI analytics rollups from the stored statements."""
    svc = services()
    with svc.sessions() as session:
        tenants = [tenant_id] if tenant_id else list(session.scalars(select(Tenant.id)))
        if tenant_id and session.get(Tenant, tenant_id) is None:
            raise click.ClickException(f"no tenant {tenant_id}")
    for tenant in tenants:
        report = rebuild(svc.engine, tenant, svc.settings.public_base_url)
        data = {"tenant_id": tenant, "statements": report.statements, "windows": report.windows}
        click.echo(json.dumps(data) if as_json else f"{tenant}: {report.statements} statements rolled up")
