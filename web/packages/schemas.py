"""Request and response schemas of `/api/v1/packages` (the overview's Packages section)."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from web.pagination import MAX_INT64, PageArgsSchema

VERSION_DESCRIPTION = (
    'Version of the package\'s standard: "1.2" or "2004" for SCORM; for AICC the guideline version the '
    'course (.crs) file declares in its `Version` key, such as "2.2", "3.5" or "4.0" (null when it declares '
    "none); null for TinCan (xAPI) and cmi5, which have no version of their standard to report (SCORM Cloud "
    "too names such a course by its learning standard alone): see the package's `standard`."
)

# Documented as a pattern too (an ECMA regex: no inline flags), so clients see the rule.
ZIP_NAME = validate.Regexp(r"^.*\.([Zz][Ii][Pp]|[Xx][Mm][Ll])$",
                           error="Must be a .zip file name (or .xml for a cmi5 course structure)")


class UploadUrlRequestSchema(Schema):
    tenant_id = fields.String(load_default=None, validate=validate.Length(min=1, max=36), metadata={
        "description": "Your tenant id (as the overview shows it); when left out, the API key's tenant"})
    uploaded_by = fields.String(required=True, validate=validate.Length(min=1, max=200))
    filename = fields.String(required=True, validate=[validate.Length(min=1, max=500), ZIP_NAME])
    file_size = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_INT64),
        metadata={"description": "Bytes; above the deployment's maximum package size (2 GiB by default) "
                  "the answer is 400 FILE_TOO_LARGE"},
    )  # fmt: skip
    package_id = fields.String(
        validate=validate.Length(max=36), metadata={"description": "Upload a new version of this package"}
    )


class UploadTicketSchema(Schema):
    upload_id = fields.String(required=True)
    presigned_url = fields.String(required=True, metadata={"description": "PUT the ZIP here before expires_at"})
    method = fields.String(required=True, metadata={"example": "PUT"})
    required_put_headers = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    storage_path = fields.String(required=True, metadata={"description": "Pass it to POST /packages/process"})
    expires_at = fields.String(required=True)
    max_file_size = fields.Integer(required=True)


class ProcessRequestSchema(Schema):
    tenant_id = fields.String(load_default=None, validate=validate.Length(min=1, max=36), metadata={
        "description": "Your tenant id (as the overview shows it); when left out, the API key's tenant"})
    uploaded_by = fields.String(required=True, validate=validate.Length(min=1, max=200))
    storage_path = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "As returned by upload-url; any other key is 400 INVALID_STORAGE_PATH"},
    )
    original_filename = fields.String(required=True, validate=validate.Length(min=1, max=500))
    package_id = fields.String(validate=validate.Length(max=36))


class UploadFormSchema(Schema):
    """The multipart form; `file` is read from the request's files (documented here, required)."""

    tenant_id = fields.String(load_default=None, validate=validate.Length(min=1, max=36), metadata={
        "description": "Your tenant id (as the overview shows it); when left out, the API key's tenant"})
    uploaded_by = fields.String(required=True, validate=validate.Length(min=1, max=200))
    original_filename = fields.String(validate=[validate.Length(min=1, max=500), ZIP_NAME])
    package_id = fields.String(validate=validate.Length(max=36))
    file = Upload(
        metadata={"description": "The package ZIP (required); without original_filename its part's filename "
                  "must end in .zip"}
    )  # fmt: skip


class AcceptedJobSchema(Schema):
    job_id = fields.String(required=True)
    status = fields.String(required=True)
    status_url = fields.String(required=True)
    storage_path = fields.String(required=True)
    upload_id = fields.String(allow_none=True)


class PackageListArgsSchema(PageArgsSchema):
    pass


class PackageSummarySchema(Schema):
    id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.String(allow_none=True, metadata={"description": VERSION_DESCRIPTION})
    launch_url = fields.String(allow_none=True)
    manifest_url = fields.String(allow_none=True)
    file_size_bytes = fields.Integer(required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class PackageListSchema(Schema):
    packages = fields.List(fields.Nested(PackageSummarySchema), required=True)
    count = fields.Integer(required=True, metadata={"description": "Packages of the tenant, all pages"})


class PackageMetadataSchema(Schema):
    description = fields.String(allow_none=True)
    sco_count = fields.Integer(required=True)
    standard = fields.String(allow_none=True)
    edition = fields.String(allow_none=True)
    schemaversion = fields.String(allow_none=True)
    identifier = fields.String(allow_none=True)
    launch_path = fields.String(allow_none=True)
    default_organization = fields.String(allow_none=True)


class PackageVersionSchema(Schema):
    version = fields.Integer(required=True)
    title = fields.String(allow_none=True)
    standard = fields.String(allow_none=True)
    edition = fields.String(allow_none=True)
    sco_count = fields.Integer(required=True)
    file_count = fields.Integer(required=True)
    file_size_bytes = fields.Integer(required=True)
    original_filename = fields.String(allow_none=True)
    uploaded_by = fields.String(allow_none=True)
    launch_url = fields.String(allow_none=True)
    created_at = fields.String(required=True)


class PackageDetailSchema(PackageSummarySchema):
    metadata = fields.Nested(PackageMetadataSchema, required=True)
    standard = fields.String(allow_none=True, metadata={"description": "scorm12, scorm2004, tincan, aicc or cmi5"})
    cmi5 = fields.Dict(allow_none=True, metadata={
        "description": "cmi5 packages: the course, blocks and AUs (id, title, url, move_on, mastery_score, "
                       "launch_method, launch_parameters, entitlement_key) and their structure"})
    edition = fields.String(
        allow_none=True,
        metadata={"description": "2nd, 3rd or 4th for SCORM 2004; for AICC the .crs `Version` (see `version`)"},
    )
    current_version = fields.Integer(required=True)
    uploaded_by = fields.String(allow_none=True)
    original_filename = fields.String(allow_none=True)
    organizations = fields.List(
        fields.Dict(), required=True, metadata={"description": "Organizations and their item trees"}
    )
    aicc = fields.Dict(
        allow_none=True,
        metadata={"description": "AICC courses only: the course (.crs), its assignable units (system_id, title, "
                  "file_name, url, external, mastery_score, max_time_allowed, time_limit_action, web_launch, "
                  "core_vendor, ...), blocks and prerequisites as the course files state them"},
    )
    activities = fields.List(
        fields.Dict(), required=True,
        metadata={"description": "TinCan packages: the activities of tincan.xml (id, type, name and description "
                                 "language maps, title, launch, launchable); [] for SCORM"},
    )  # fmt: skip
    versions = fields.List(fields.Nested(PackageVersionSchema), required=True)
    warnings = fields.List(fields.Dict(), required=True)


class PackageDeletedSchema(Schema):
    success = fields.Boolean(required=True)
    package_id = fields.String(required=True)
