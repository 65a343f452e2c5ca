"""Models of the Allure Connect API, generated from its OpenAPI by `make sdk`; do not edit."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel


class Abandon(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    cmi5_session_id: str | None = Field(
        None, description='One AU session to end; every open one when left out'
    )


class Abandoned(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    abandoned: list[str]


class AcceptedJob(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    job_id: str
    status: str
    status_url: str
    storage_path: str
    upload_id: str | None = None


class ApiKey(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    created_at: str
    expires_at: str | None = Field(
        None, description='When the key stops working; null: never'
    )
    id: str
    last_used_at: str | None = None
    name: str = Field(..., description='What the key is for')
    prefix: str = Field(..., description='The visible start of the key')
    revoked_at: str | None = None
    scopes: list[str]


class Scope(StrEnum):
    read = 'read'
    write = 'write'
    admin = 'admin'


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    expires_at: AwareDatetime | None = Field(
        None,
        description='When the key stops working (ISO 8601, in the future)',
        examples=['2027-01-01T00:00:00Z'],
    )
    name: str = Field('', examples=['LMS production'], max_length=200)
    scopes: list[Scope] = Field(..., min_length=1)


class ApiKeyCreated(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    created_at: str
    expires_at: str | None = Field(
        None, description='When the key stops working; null: never'
    )
    id: str
    key: str = Field(..., description='The secret; shown only in this response')
    last_used_at: str | None = None
    name: str = Field(..., description='What the key is for')
    prefix: str = Field(..., description='The visible start of the key')
    revoked_at: str | None = None
    scopes: list[str]


class Mode(StrEnum):
    """
    normal, browse or review (the cmi5 launchMode)
    """

    normal = 'normal'
    review = 'review'
    browse = 'browse'


class AuLaunch(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    au_id: str | None = Field(
        None, description="The AU's id in cmi5.xml", max_length=2048, min_length=1
    )
    au_index: int | None = Field(
        None,
        description="The AU's position in cmi5.xml (0 first), instead of au_id",
        ge=0,
    )
    mode: Mode = Field(
        'normal', description='normal, browse or review (the cmi5 launchMode)'
    )
    return_url: str | None = Field(
        None,
        description="The AU's returnURL (where it sends the learner at exit)",
        max_length=2000,
    )


class AuLaunched(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    cmi5_session_id: str
    launch_method: str = Field(..., description='AnyWindow or OwnWindow')
    registration: str
    url: str = Field(..., description="The AU's launch URL (open it once)")


class Checks(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    database: bool
    redis: bool
    storage: bool


class Cmi5State(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    actor: dict[str, Any]
    course: dict[str, Any] = Field(
        ..., description='The course tree: blocks and AUs with status'
    )
    registration: str
    satisfied: list[str] = Field(..., description='Satisfied block/course ids')


class Status(StrEnum):
    revoked = 'revoked'
    expired = 'expired'
    exhausted = 'exhausted'
    active = 'active'


class Dispatch(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    allowed_domains: list[str]
    created_at: str
    dispatch_name: str
    expires_at: str | None = Field(...)
    id: str
    launch_url: str
    package_id: str
    registration_count: int
    registration_limit: int | None = Field(...)
    revoked_at: str | None = None
    status: Status
    tenant_id: str
    token: str = Field(..., description='Signed token naming the dispatch')
    zip_ready: bool = Field(..., description='True once a ZIP can be downloaded')


class AllowedDomain(RootModel[str]):
    root: str = Field(..., max_length=300)


class DispatchCreate(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    allowed_domains: list[AllowedDomain] | None = Field(
        None,
        description='Hosts allowed to launch (exact, or `*.` for subdomains); empty allows any',
        examples=[['partner.com', '*.partner.com']],
    )
    dispatch_name: str = Field(..., max_length=255, min_length=1)
    expires_in_hours: int | None = Field(
        None,
        description='Hours from now until launches are refused; null never expires',
        ge=1,
        le=87600,
    )
    package_id: str = Field(..., max_length=64, min_length=1)
    registration_limit: int | None = Field(
        None,
        description='Distinct learners allowed; null or 0 means unlimited',
        ge=0,
        le=10000000,
    )


class DispatchEnvelope(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dispatch: Dispatch


class DispatchGenerate(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dispatch_id: str
    job_id: str
    message: str
    status: str = Field(..., description="The job's status")
    status_url: str
    success: bool


class DispatchRevoked(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dispatch_id: str
    status: str = Field(..., examples=['revoked'])


class DispatchSummary(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    allowed_domains: list[str]
    created_at: str
    dispatch_name: str
    expires_at: str | None = Field(...)
    id: str
    package_id: str
    registration_count: int
    registration_limit: int | None = Field(...)
    revoked_at: str | None = None
    status: Status
    tenant_id: str
    zip_ready: bool = Field(..., description='True once a ZIP can be downloaded')


class ErrorBody(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    code: str = Field(..., examples=['VALIDATION_ERROR'])
    details: dict[str, Any]
    message: str


class ErrorEnvelope(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    error: ErrorBody
    request_id: str


class Health(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    checks: Checks
    service: str
    status: str = Field(..., examples=['healthy'])
    timestamp: str
    version: str


class Status2(StrEnum):
    queued = 'queued'
    running = 'running'
    succeeded = 'succeeded'
    failed = 'failed'


class JobError(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    code: str
    details: dict[str, Any]
    message: str


class LrsCredential(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    created_at: str
    endpoint: str = Field(..., description='The LRS root (xAPI base IRI)')
    id: str
    key: str = Field(..., description='The Basic-auth user name')
    name: str
    revoked_at: str | None = None


class LrsCredentialCreate(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    name: str = Field('', max_length=200)


class LrsCredentialCreated(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    created_at: str
    endpoint: str = Field(..., description='The LRS root (xAPI base IRI)')
    id: str
    key: str = Field(..., description='The Basic-auth user name')
    name: str
    revoked_at: str | None = None
    secret: str = Field(..., description='The Basic-auth password; shown only here')


class PackageDeleted(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    package_id: str
    success: bool


class PackageMetadata(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    default_organization: str | None = None
    description: str | None = None
    edition: str | None = None
    identifier: str | None = None
    launch_path: str | None = None
    schemaversion: str | None = None
    sco_count: int
    standard: str | None = None


class PackageRef(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    title: str | None = None
    version: str | None = Field(
        None,
        description='Version of the package\'s standard: "1.2" or "2004" for SCORM; for AICC the guideline version the course (.crs) file declares in its `Version` key, such as "2.2", "3.5" or "4.0" (null when it declares none); null for TinCan (xAPI) and cmi5, which have no version of their standard to report (SCORM Cloud too names such a course by its learning standard alone): see the package\'s `standard`.',
    )


class PackageSummary(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    created_at: str
    file_size_bytes: int
    id: str
    launch_url: str | None = None
    manifest_url: str | None = None
    tenant_id: str
    title: str
    updated_at: str
    version: str | None = Field(
        None,
        description='Version of the package\'s standard: "1.2" or "2004" for SCORM; for AICC the guideline version the course (.crs) file declares in its `Version` key, such as "2.2", "3.5" or "4.0" (null when it declares none); null for TinCan (xAPI) and cmi5, which have no version of their standard to report (SCORM Cloud too names such a course by its learning standard alone): see the package\'s `standard`.',
    )


class PackageVersion(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    created_at: str
    edition: str | None = None
    file_count: int
    file_size_bytes: int
    launch_url: str | None = None
    original_filename: str | None = None
    sco_count: int
    standard: str | None = None
    title: str | None = None
    uploaded_by: str | None = None
    version: int


class Pagination(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    limit: int
    page: int
    total: int
    total_pages: int


class PaginationMetadata(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    first_page: int | None = Field(None, description='First available page number.')
    last_page: int | None = Field(None, description='Last available page number.')
    next_page: int | None = Field(None, description='Next page number.')
    page: int | None = Field(None, description='Current page number.')
    previous_page: int | None = Field(None, description='Previous page number.')
    total: int | None = Field(None, description='Total number of items.')
    total_pages: int | None = Field(None, description='Total number of pages.')


class ProcessRequest(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    original_filename: str = Field(..., max_length=500, min_length=1)
    package_id: str | None = Field(None, max_length=36)
    storage_path: str = Field(
        ...,
        description='As returned by upload-url; any other key is 400 INVALID_STORAGE_PATH',
        max_length=500,
        min_length=1,
    )
    tenant_id: str | None = Field(
        None,
        description="Your tenant id (as the overview shows it); when left out, the API key's tenant",
        max_length=36,
        min_length=1,
    )
    uploaded_by: str = Field(..., max_length=200, min_length=1)


class RotateSecret(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    overlap_seconds: int = Field(
        86400,
        description='How long the previous secret keeps signing too',
        ge=0,
        le=604800,
    )


class RotatedSecret(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    previous_secret_expires_at: str | None = Field(...)
    secret: str = Field(..., description='The new secret; shown once')


class Score(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    max: float | None = None
    min: float | None = None
    raw: float | None = None
    scaled: float | None = Field(None, ge=-1.0, le=1.0)


class CompletionStatus(StrEnum):
    not_attempted = 'not_attempted'
    incomplete = 'incomplete'
    completed = 'completed'


class SuccessStatus(StrEnum):
    unknown = 'unknown'
    passed = 'passed'
    failed = 'failed'


class Session(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    attempts: int
    completion_status: CompletionStatus
    created_at: str
    dispatch_id: str | None = None
    id: str
    package: PackageRef
    package_id: str
    package_version: int = Field(..., description='Package version of this attempt')
    score: Score
    session_time: str | None = Field(
        None, description='ISO 8601 duration of the last learner session'
    )
    success_status: SuccessStatus
    tenant_id: str
    time_spent_seconds: int
    updated_at: str
    user_id: str
    user_name: str | None = None


class Mode1(StrEnum):
    """
    `normal` records progress; `review` shows the learner's current attempt as it was stored and records nothing; `browse` previews the course from the start and records nothing (both launch with credit `no-credit`)
    """

    normal = 'normal'
    review = 'review'
    browse = 'browse'


class SessionCreate(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    launch_ttl_seconds: int | None = Field(
        None,
        description='How long the launch link works, in seconds (10-3600; default 300)',
        ge=10,
        le=3600,
    )
    mode: Mode1 = Field(
        'normal',
        description="`normal` records progress; `review` shows the learner's current attempt as it was stored and records nothing; `browse` previews the course from the start and records nothing (both launch with credit `no-credit`)",
    )
    new_attempt: bool = False
    package_id: str = Field(..., max_length=36, min_length=1)
    redirect_on_exit_url: str | None = Field(
        None,
        description="Where the learner's browser goes when they leave the course (SCORM Cloud's `redirectOnExitUrl`): after the player's Exit button, or when the content ends the attempt (SCORM 1.2 `LMSFinish` with `cmi.core.exit` `logout`, or a normal exit from the last SCO; SCORM 2004 `Terminate` with `adl.nav.request` `exit`, `exitAll` or `suspendAll` that ends the course, or the end of sequencing). The player first saves the final data, then navigates the top window (the whole tab, also when the player is framed). An absolute `http` or `https` URL of at most 2000 characters, without credentials, ASCII only (percent-encoded); it is signed into the launch link, so the learner cannot change it. Review and browse launches take it too. Without it the player shows its closing page.",
        examples=['https://lms.example.com/courses/42/done'],
    )
    user_id: str = Field(..., max_length=255, min_length=1)
    user_name: str | None = Field(None, max_length=255)


class Mode2(StrEnum):
    """
    The launch mode
    """

    normal = 'normal'
    review = 'review'
    browse = 'browse'


class SessionCreated(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    launch_url: str = Field(
        ...,
        description="Signed, single-use, expiring launch link, on the tenant's content origin",
    )
    launch_url_expires_at: str = Field(
        ...,
        description='When the launch link stops working (ISO 8601, UTC)',
        examples=['2026-01-01T12:05:00.000Z'],
    )
    mode: Mode2 = Field(..., description='The launch mode')
    redirect_on_exit_url: str | None = Field(
        None,
        description='Where the player sends the learner on exit (as given), or null for the closing page',
    )
    registration: str | None = Field(
        None,
        description='cmi5 packages: the cmi5 registration (xAPI context.registration) of this attempt',
    )
    session: Session


class SessionList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    pagination: Pagination
    sessions: list[Session]


class SessionUpdate(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    cmi_data: dict[str, Any] | None = None
    completion_status: CompletionStatus | None = None
    score: Score | None = None
    session_time: str | None = None
    success_status: SuccessStatus | None = None
    suspend_data: str | None = Field(None, max_length=64000)


class SessionUpdated(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    session_id: str
    success: bool
    updated_at: str


class TestEvent(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    delivery_id: str
    event_id: str


class Try(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    at: str
    duration_ms: int
    error: str | None = None
    next_attempt_at: str | None = None
    number: int
    response_excerpt: str | None = Field(
        None, description='The first 1 KiB of the answer'
    )
    response_status: int | None = None


class UploadForm(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    file: bytes | None = Field(
        None,
        description="The package ZIP (required); without original_filename its part's filename must end in .zip",
    )
    original_filename: str | None = Field(
        None, max_length=500, min_length=1, pattern='^.*\\.([Zz][Ii][Pp]|[Xx][Mm][Ll])$'
    )
    package_id: str | None = Field(None, max_length=36)
    tenant_id: str | None = Field(
        None,
        description="Your tenant id (as the overview shows it); when left out, the API key's tenant",
        max_length=36,
        min_length=1,
    )
    uploaded_by: str = Field(..., max_length=200, min_length=1)


class UploadTicket(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    expires_at: str
    max_file_size: int
    method: str = Field(..., examples=['PUT'])
    presigned_url: str = Field(..., description='PUT the ZIP here before expires_at')
    required_put_headers: dict[str, str]
    storage_path: str = Field(..., description='Pass it to POST /packages/process')
    upload_id: str


class UploadUrlRequest(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    file_size: int = Field(
        ...,
        description="Bytes; above the deployment's maximum package size (2 GiB by default) the answer is 400 FILE_TOO_LARGE",
        ge=1,
        le=9223372036854775807,
    )
    filename: str = Field(
        ..., max_length=500, min_length=1, pattern='^.*\\.([Zz][Ii][Pp]|[Xx][Mm][Ll])$'
    )
    package_id: str | None = Field(
        None, description='Upload a new version of this package', max_length=36
    )
    tenant_id: str | None = Field(
        None,
        description="Your tenant id (as the overview shows it); when left out, the API key's tenant",
        max_length=36,
        min_length=1,
    )
    uploaded_by: str = Field(..., max_length=200, min_length=1)


class Waive(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    au_id: str | None = Field(
        None, description="The AU's id in cmi5.xml", max_length=2048, min_length=1
    )
    au_index: int | None = Field(
        None,
        description="The AU's position in cmi5.xml (0 first), instead of au_id",
        ge=0,
    )
    reason: str = Field(
        ...,
        description='Why the AU is waived (cmi5 reason extension)',
        max_length=500,
        min_length=1,
    )


class Waived(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    registration: str
    statement_id: str


class Webhook(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    created_at: str
    description: str
    disabled_reason: str | None = Field(
        None, description='Why it was disabled automatically'
    )
    enabled: bool
    events: list[str]
    failing_since: str | None = Field(
        None, description='Start of the current run of failures'
    )
    id: str
    previous_secret_expires_at: str | None = Field(
        None, description='Until when the previous secret also signs (after a rotation)'
    )
    tenant_id: str
    updated_at: str
    url: str


class Event(StrEnum):
    package_import_succeeded = 'package.import.succeeded'
    package_import_failed = 'package.import.failed'
    package_deleted = 'package.deleted'
    dispatch_zip_ready = 'dispatch.zip.ready'
    dispatch_registration_limit_reached = 'dispatch.registration_limit_reached'
    session_launched = 'session.launched'
    session_completed = 'session.completed'
    session_passed = 'session.passed'
    session_failed = 'session.failed'
    session_terminated = 'session.terminated'
    webhook_endpoint_disabled = 'webhook.endpoint.disabled'


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    description: str = Field('', max_length=500)
    enabled: bool = True
    events: list[Event] = Field(
        ...,
        description='Event types to receive: package.import.succeeded, package.import.failed, package.deleted, dispatch.zip.ready, dispatch.registration_limit_reached, session.launched, session.completed, session.passed, session.failed, session.terminated, webhook.endpoint.disabled',
        examples=[['package.import.succeeded', 'session.completed']],
        max_length=50,
        min_length=1,
    )
    url: str = Field(
        ...,
        description='http(s) URL receiving POSTs',
        examples=['https://partner.example/hooks'],
        max_length=2000,
        min_length=1,
    )


class WebhookCreated(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    created_at: str
    description: str
    disabled_reason: str | None = Field(
        None, description='Why it was disabled automatically'
    )
    enabled: bool
    events: list[str]
    failing_since: str | None = Field(
        None, description='Start of the current run of failures'
    )
    id: str
    previous_secret_expires_at: str | None = Field(
        None, description='Until when the previous secret also signs (after a rotation)'
    )
    secret: str = Field(..., description='`whsec_` + base64 signing secret; shown once')
    tenant_id: str
    updated_at: str
    url: str


class WebhookList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    pagination: Pagination
    webhooks: list[Webhook]


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    description: str | None = Field(None, max_length=500)
    enabled: bool | None = None
    events: list[Event] | None = Field(
        None,
        description='Event types to receive: package.import.succeeded, package.import.failed, package.deleted, dispatch.zip.ready, dispatch.registration_limit_reached, session.launched, session.completed, session.passed, session.failed, session.terminated, webhook.endpoint.disabled',
        examples=[['package.import.succeeded', 'session.completed']],
        max_length=50,
        min_length=1,
    )
    url: str | None = Field(
        None,
        description='http(s) URL receiving POSTs',
        examples=['https://partner.example/hooks'],
        max_length=2000,
        min_length=1,
    )


class XapiActivity(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    activity_id: str
    activity_type: str | None = None
    avg_score_scaled: float | None = None
    completed_count: int
    failed_count: int
    first_activity: str | None = None
    last_activity: str | None = None
    package_id: str | None = None
    passed_count: int
    total_statements: int
    unique_learners: int


class XapiActivityList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    activities: list[XapiActivity]
    pagination: Pagination


class XapiActor(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    actor_mbox: str | None = None
    actor_name: str | None = None
    avg_score_scaled: float | None = None
    completed_count: int
    failed_count: int
    first_activity: str | None = None
    last_activity: str | None = None
    passed_count: int
    total_statements: int
    unique_activities: int
    user_id: str | None = Field(
        None,
        description="The partner's user_id when the actor is one of its learners (an account on this service)",
    )


class XapiActorList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    actors: list[XapiActor]
    pagination: Pagination


class XapiStatementList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    pagination: Pagination
    statements: list[dict[str, Any]]


class Activity(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    cmi_data: dict[str, str]
    completion_status: str
    item_id: str
    sco_attempt: int
    score: Score
    success_status: str
    time_spent_seconds: int


class ApiKeyList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    api_keys: list[ApiKey]
    pagination: Pagination


class Delivery(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    attempts: int
    created_at: str
    delivered_at: str | None = None
    duration_ms: int | None = None
    error: str | None = None
    event_id: str
    event_type: str
    id: str
    next_attempt_at: str | None = None
    response_status: int | None = None
    status: str = Field(..., description='pending, succeeded or failed')
    tries: list[Try] = Field(..., description='Each try, oldest first')


class DeliveryList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    deliveries: list[Delivery]
    pagination: Pagination


class DispatchList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dispatches: list[DispatchSummary]
    pagination: Pagination


class Job(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    created_at: str
    error: dict[str, Any] | JobError | None = None
    finished_at: str | None = None
    id: str
    kind: str = Field(..., examples=['package_import'])
    position: int | None = Field(
        None,
        description="For a queued package import: how many of the tenant's imports run before it (each tenant's imports take turns, oldest first; 0: it is next). Null otherwise.",
        examples=[2],
    )
    progress: int
    result: dict[str, Any] | None = None
    stage: str | None = None
    started_at: str | None = None
    status: Status2


class JobList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    jobs: list[Job]
    pagination: Pagination


class LrsCredentialList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    credentials: list[LrsCredential]
    pagination: Pagination


class PackageDetail(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    activities: list[dict[str, Any]] = Field(
        ...,
        description='TinCan packages: the activities of tincan.xml (id, type, name and description language maps, title, launch, launchable); [] for SCORM',
    )
    aicc: dict[str, Any] | None = Field(
        None,
        description='AICC courses only: the course (.crs), its assignable units (system_id, title, file_name, url, external, mastery_score, max_time_allowed, time_limit_action, web_launch, core_vendor, ...), blocks and prerequisites as the course files state them',
    )
    cmi5: dict[str, Any] | None = Field(
        None,
        description='cmi5 packages: the course, blocks and AUs (id, title, url, move_on, mastery_score, launch_method, launch_parameters, entitlement_key) and their structure',
    )
    created_at: str
    current_version: int
    edition: str | None = Field(
        None,
        description='2nd, 3rd or 4th for SCORM 2004; for AICC the .crs `Version` (see `version`)',
    )
    file_size_bytes: int
    id: str
    launch_url: str | None = None
    manifest_url: str | None = None
    metadata: PackageMetadata
    organizations: list[dict[str, Any]] = Field(
        ..., description='Organizations and their item trees'
    )
    original_filename: str | None = None
    standard: str | None = Field(
        None, description='scorm12, scorm2004, tincan, aicc or cmi5'
    )
    tenant_id: str
    title: str
    updated_at: str
    uploaded_by: str | None = None
    version: str | None = Field(
        None,
        description='Version of the package\'s standard: "1.2" or "2004" for SCORM; for AICC the guideline version the course (.crs) file declares in its `Version` key, such as "2.2", "3.5" or "4.0" (null when it declares none); null for TinCan (xAPI) and cmi5, which have no version of their standard to report (SCORM Cloud too names such a course by its learning standard alone): see the package\'s `standard`.',
    )
    versions: list[PackageVersion]
    warnings: list[dict[str, Any]]


class PackageList(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    count: int = Field(..., description='Packages of the tenant, all pages')
    packages: list[PackageSummary]


class SessionDetail(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    activities: list[Activity] = Field(
        ..., description="Each SCO's latest attempt in the current attempt"
    )
    attempts: int
    cmi_data: dict[str, str] = Field(
        ..., description='Flat CMI of the current SCO (cmi.core.lesson_status, ...)'
    )
    completion_status: CompletionStatus
    created_at: str
    dispatch_id: str | None = None
    id: str
    package: PackageRef
    package_id: str
    package_version: int = Field(..., description='Package version of this attempt')
    score: Score
    session_time: str | None = Field(
        None, description='ISO 8601 duration of the last learner session'
    )
    success_status: SuccessStatus
    tenant_id: str
    time_spent_seconds: int
    updated_at: str
    user_id: str
    user_name: str | None = None


class SessionEnvelope(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    session: SessionDetail
