"""`allure-connect`: packages, sessions, jobs, dispatches, xAPI and the progress report, on the SDK.

Exit codes: 0 success, 1 unexpected failure, 2 client error (4xx, usage, configuration, a failed import),
3 server error (5xx, service unreachable).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from allure_connect import Client
from allure_connect.cli import output
from allure_connect.cli.progress import bytes_callback, job_bar, job_callback, transfer_bar
from allure_connect.cli.report import write_report
from allure_connect.errors import ClientError, ConfigurationError, JobFailed, ServerError, TransportError

EXIT_CLIENT, EXIT_SERVER = 2, 3
PACKAGE_SUMMARY = ("id", "title", "standard", "edition", "current_version", "file_size_bytes", "launch_url")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts")]

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, help="Allure Connect from a terminal.")
packages = typer.Typer(no_args_is_help=True, help="Upload, list, show and delete packages.")
sessions = typer.Typer(no_args_is_help=True, help="Launch, list and show learner sessions.")
jobs = typer.Typer(no_args_is_help=True, help="Follow background jobs.")
dispatches = typer.Typer(no_args_is_help=True, help="Create dispatches and download their ZIPs.")
xapi = typer.Typer(no_args_is_help=True, help="Post and query xAPI statements.")
for group, name in ((packages, "packages"), (sessions, "sessions"), (jobs, "jobs"), (dispatches, "dispatches"),
                    (xapi, "xapi")):  # fmt: skip
    app.add_typer(group, name=name)


@app.callback()
def configure(
    ctx: typer.Context,
    base_url: Annotated[str | None, typer.Option(envvar="ALLURE_BASE_URL", help="The service's URL")] = None,
    api_key: Annotated[str | None, typer.Option(envvar="ALLURE_API_KEY", help="An API key")] = None,
    tenant_id: Annotated[str | None, typer.Option(envvar="ALLURE_TENANT_ID", help="The key's tenant")] = None,
) -> None:
    ctx.obj = {"base_url": base_url, "api_key": api_key, "tenant_id": tenant_id}


def client(ctx: typer.Context) -> Client:
    settings = ctx.find_root().obj
    made = Client(settings["base_url"], settings["api_key"], tenant_id=settings["tenant_id"])
    ctx.call_on_close(made.close)
    return made


# -- packages ------------------------------------------------------------------------------------


@packages.command("upload")
def packages_upload(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)], as_json: JsonFlag = False,
    package_id: Annotated[str | None, typer.Option(help="Upload a new version of this package")] = None,
    uploaded_by: Annotated[str, typer.Option(help="Who uploads, as recorded")] = "allure-connect",
) -> None:
    """Upload a ZIP, import it and print the ready package."""
    api = client(ctx)
    if as_json:
        output.print_json(api.upload_package(file, package_id=package_id, uploaded_by=uploaded_by))
        return
    with transfer_bar() as upload_bar:
        progress = bytes_callback(upload_bar, f"Uploading {file.name}")
        ticket = api.create_upload_url(file.name, file.stat().st_size, uploaded_by, package_id)
        api.put_to_storage(ticket, file, progress)
    accepted = api.process_upload(ticket.storage_path, file.name, uploaded_by, package_id)
    with job_bar() as bar:
        job = api.wait_for_job(accepted.job_id, on_update=job_callback(bar, "Importing"))
    package = api.get_package(str((job.result or {})["package_id"])).model_dump(mode="json")
    output.print_fields({name: package.get(name) for name in PACKAGE_SUMMARY})


@packages.command("list")
def packages_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Every ready package of the tenant."""
    rows = list(client(ctx).iter_packages())
    if as_json:
        output.print_json(rows)
    else:
        output.print_table("Packages", ("id", "title", "version", "file_size_bytes", "created_at"), rows)


@packages.command("show")
def packages_show(ctx: typer.Context, package_id: str, as_json: JsonFlag = False) -> None:
    package = client(ctx).get_package(package_id)
    output.print_json(package) if as_json else output.print_fields(package)


@packages.command("delete")
def packages_delete(ctx: typer.Context, package_id: str, as_json: JsonFlag = False) -> None:
    deleted = client(ctx).delete_package(package_id)
    output.print_json(deleted) if as_json else output.err.print(f"deleted {deleted.package_id}")


# -- sessions ------------------------------------------------------------------------------------


@sessions.command("launch")
def sessions_launch(
    ctx: typer.Context, package_id: str, user_id: Annotated[str, typer.Option("--user-id")],
    user_name: Annotated[str | None, typer.Option("--user-name")] = None,
    new_attempt: Annotated[bool, typer.Option("--new-attempt")] = False,
    mode: Annotated[str, typer.Option(help="normal, review or browse")] = "normal", as_json: JsonFlag = False,
) -> None:  # fmt: skip
    """Create or resume a learner's session; prints the single-use launch URL."""
    launched = client(ctx).launch(package_id, user_id, user_name, new_attempt=new_attempt, mode=mode)
    if as_json:
        output.print_json({"session": launched.session, "launch_url": launched.launch_url})
    else:
        output.print_fields(launched.session)
        typer.echo(launched.launch_url)


@sessions.command("list")
def sessions_list(
    ctx: typer.Context, package_id: Annotated[str | None, typer.Option("--package-id")] = None,
    user_id: Annotated[str | None, typer.Option("--user-id")] = None, as_json: JsonFlag = False,
) -> None:  # fmt: skip
    rows = list(client(ctx).iter_sessions(package_id=package_id, user_id=user_id))
    if as_json:
        output.print_json(rows)
    else:
        columns = ("id", "package_id", "user_id", "completion_status", "success_status", "updated_at")
        output.print_table("Sessions", columns, rows)


@sessions.command("show")
def sessions_show(ctx: typer.Context, session_id: str, as_json: JsonFlag = False) -> None:
    session = client(ctx).get_session(session_id)
    output.print_json(session) if as_json else output.print_fields(session)


@app.command("report")
def report(ctx: typer.Context, package_id: str) -> None:
    """CSV of the learners' progress on a package (one row per session) on stdout."""
    api = client(ctx)
    api.get_package(package_id)  # an unknown package is a 404, not an empty report
    write_report(api.iter_sessions(package_id=package_id), sys.stdout)


# -- jobs ----------------------------------------------------------------------------------------


@jobs.command("watch")
def jobs_watch(ctx: typer.Context, job_id: str, as_json: JsonFlag = False) -> None:
    """Follow a job to its end: its stage and percent."""
    api = client(ctx)
    if as_json:
        output.print_json(api.wait_for_job(job_id))
        return
    with job_bar() as bar:
        job = api.wait_for_job(job_id, on_update=job_callback(bar, job_id))
    output.print_fields(job)


# -- dispatches ----------------------------------------------------------------------------------


@dispatches.command("create")
def dispatches_create(
    ctx: typer.Context, package_id: str, name: Annotated[str, typer.Option("--name")],
    registration_limit: Annotated[int | None, typer.Option()] = None,
    expires_in_hours: Annotated[int | None, typer.Option()] = None,
    domain: Annotated[list[str] | None, typer.Option("--domain", help="Allowed host (repeat)")] = None,
    as_json: JsonFlag = False,
) -> None:  # fmt: skip
    dispatch = client(ctx).create_dispatch(
        package_id, name, registration_limit=registration_limit, expires_in_hours=expires_in_hours,
        allowed_domains=domain,
    )  # fmt: skip
    output.print_json(dispatch) if as_json else output.print_fields(dispatch)


@dispatches.command("zip")
def dispatches_zip(
    ctx: typer.Context, dispatch_id: str, output_path: Annotated[Path, typer.Option("--output", "-o")],
    as_json: JsonFlag = False,
) -> None:  # fmt: skip
    """Build the dispatch's ZIP if needed and download it."""
    api = client(ctx)
    if as_json:
        path = api.download_dispatch_zip(dispatch_id, output_path)
        output.print_json({"path": str(path), "bytes": path.stat().st_size})
        return
    with transfer_bar() as bar:
        api.download_dispatch_zip(dispatch_id, output_path, progress=bytes_callback(bar, output_path.name))


# -- xAPI ----------------------------------------------------------------------------------------


@xapi.command("post")
def xapi_post(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    batch_size: Annotated[int, typer.Option(min=1, max=1000)] = 100, as_json: JsonFlag = False,
) -> None:  # fmt: skip
    """Store the statement or array of statements of FILE.json, in batches."""
    try:
        document = json.loads(file.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise typer.BadParameter(f"{file} is not JSON: {error}") from None
    ids = client(ctx).post_statements(document if isinstance(document, list) else [document], batch_size)
    output.print_json(ids) if as_json else typer.echo("\n".join(ids))


@xapi.command("query")
def xapi_query(
    ctx: typer.Context, verb: Annotated[str | None, typer.Option()] = None,
    activity: Annotated[str | None, typer.Option()] = None, since: Annotated[str | None, typer.Option()] = None,
    until: Annotated[str | None, typer.Option()] = None, registration: Annotated[str | None, typer.Option()] = None,
    as_json: JsonFlag = False,
) -> None:  # fmt: skip
    filters: dict[str, Any] = {"verb": verb, "activity": activity, "since": since, "until": until,
                               "registration": registration}  # fmt: skip
    statements = list(client(ctx).iter_statements(**{k: v for k, v in filters.items() if v is not None}))
    output.print_json(statements)
    if not as_json:
        output.err.print(f"{len(statements)} statements")


def main() -> None:
    """The console script: typer exits 0/2 for help and usage; the SDK's errors become 2 or 3 here."""
    try:
        app()
    except (ClientError, ConfigurationError, JobFailed) as error:
        output.print_error(error)
        sys.exit(EXIT_CLIENT)
    except (ServerError, TransportError) as error:
        output.print_error(error)
        sys.exit(EXIT_SERVER)
