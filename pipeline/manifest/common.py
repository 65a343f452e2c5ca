"""Content-packaging structure shared by SCORM 1.2 and 2004: resources, organizations, items.

Items come out as uniform dicts (see the package docstring for the shape);
standard-specific fields are filled by `scorm12.item_extras` or
`scorm2004.item_extras`. Structural errors raise `MANIFEST_INVALID` naming the
element; what a player can live with (a missing launch file, an item without a
title) becomes a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from pipeline.errors import PipelineError
from pipeline.manifest import hrefs, scorm12, scorm2004
from pipeline.manifest.nodes import attr, collapse, kid, kids, parse_bool, text
from pipeline.manifest.version import SCORM2004
from pipeline.notes import note


@dataclass
class Context:
    """What item parsing needs besides the element itself."""

    standard: str
    file_names: set[str]
    warnings: list[dict[str, Any]]
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    collection: dict[str, dict[str, Any]] = field(default_factory=dict)
    item_ids: set[str] = field(default_factory=set)
    checked_launch_files: set[str] = field(default_factory=set)


def invalid(message: str, element: str, **details: Any) -> PipelineError:
    """A `MANIFEST_INVALID` error naming the offending element."""
    return PipelineError("MANIFEST_INVALID", message, {"element": element, **details})


def parse_resources(root: etree._Element, base: str, ctx: Context) -> list[dict[str, Any]]:
    """All `<resource>`s, with `xml:base` resolved; fills `ctx.resources`.

    Each resource: `identifier`, `type`, `scorm_type` (`sco`/`asset`), `href`
    (as written), `base`, `url` (resolved; root-relative or absolute),
    `external`, `files` (resolved paths), `dependencies` (identifiers).
    """
    holder = kid(root, "resources")
    holder_base = hrefs.join_base(base, attr(holder, "base")) if holder is not None else base
    resources = []
    for position, element in enumerate(kids(holder, "resource"), start=1):
        identifier = attr(element, "identifier")
        if not identifier:
            raise invalid(f"<resource> #{position} has no identifier attribute.", "resource", position=position)
        if identifier in ctx.resources:
            raise invalid(f"Two <resource> elements have the identifier \"{identifier}\".", "resource",
                          identifier=identifier)
        resource = _resource(element, identifier, hrefs.join_base(holder_base, attr(element, "base")), ctx)
        ctx.resources[identifier] = resource
        resources.append(resource)
    _warn_missing_files(resources, ctx)
    for resource in resources:
        for ref in resource["dependencies"]:
            if ref not in ctx.resources:
                ctx.warnings.append(
                    note("DEPENDENCY_MISSING", f"resource \"{resource['identifier']}\": <dependency "
                         f"identifierref=\"{ref}\"> names no resource.", resource=resource["identifier"])
                )
    return resources


def _warn_missing_files(resources: list[dict[str, Any]], ctx: Context) -> None:
    """One summary warning for `<file>` entries absent from the package (often shared assets)."""
    missing = sorted({path for resource in resources for path in resource["files"] if path not in ctx.file_names})
    if missing:
        ctx.warnings.append(
            note("RESOURCE_FILES_MISSING", f"{len(missing)} files listed in <resource> elements are not in the "
                 "package.", count=len(missing), examples=missing[:10])
        )


def _resource(element: etree._Element, identifier: str, base: str, ctx: Context) -> dict[str, Any]:
    href = attr(element, "href") or None
    url = hrefs.resolve_href(base, href) if href else None
    scorm_type = (attr(element, "scormtype") or "").lower() or None
    if scorm_type not in (None, "sco", "asset"):
        ctx.warnings.append(
            note("MANIFEST_VALUE_INVALID", f"resource \"{identifier}\": scormType \"{scorm_type}\" is neither "
                 "sco nor asset; it is treated as an asset.", resource=identifier)
        )
        scorm_type = "asset"
    return {
        "identifier": identifier,
        "type": attr(element, "type"),
        "scorm_type": scorm_type or "asset",
        "href": href,
        "base": base,
        "url": url,
        "external": bool(url and hrefs.is_external(url)),
        "files": [
            hrefs.file_path(hrefs.resolve_href(base, file_href))
            for file_href in (attr(node, "href") for node in kids(element, "file"))
            if file_href and not hrefs.is_external(file_href)
        ],
        "dependencies": [ref for ref in (attr(node, "identifierref") for node in kids(element, "dependency")) if ref],
    }


def parse_organizations(root: etree._Element, ctx: Context) -> tuple[list[dict[str, Any]], str]:
    """All `<organization>`s with their item trees, and the default organization's identifier.

    Raises:
        PipelineError: `MANIFEST_INVALID` when there is no organization, or one
            lacks its identifier or title, or identifiers repeat.
    """
    holder = kid(root, "organizations")
    elements = kids(holder, "organization")
    if not elements:
        raise invalid("The manifest declares no <organization> inside <organizations>: there is nothing to launch.",
                      "organizations")
    organizations = [_organization(element, position, ctx) for position, element in enumerate(elements, start=1)]
    identifiers = [org["identifier"] for org in organizations]
    default = attr(holder, "default")
    if default not in identifiers:
        if default:
            ctx.warnings.append(
                note("DEFAULT_ORGANIZATION_MISSING", f"<organizations default=\"{default}\"> names no organization; "
                     f"the first one (\"{identifiers[0]}\") is used.", default=default)
            )
        default = identifiers[0]
    return organizations, default


def _organization(element: etree._Element, position: int, ctx: Context) -> dict[str, Any]:
    identifier = attr(element, "identifier")
    title = collapse(text(kid(element, "title")))
    label = f"<organization> #{position}" + (f" (\"{title}\")" if title else "")
    if not identifier:
        raise invalid(f"{label} has no identifier attribute.", "organization", position=position)
    if not title:
        raise invalid(f"<organization identifier=\"{identifier}\"> has no <title>.", "organization",
                      identifier=identifier)
    _claim(identifier, "organization", ctx)
    where = f"organization \"{identifier}\""
    organization: dict[str, Any] = {
        "identifier": identifier,
        "title": title,
        "structure": attr(element, "structure"),
        "objectives_global_to_system": None,
        "shared_data_global_to_system": None,
        "sequencing": None,
        "items": [_item(child, ctx) for child in kids(element, "item")],
    }
    if ctx.standard == SCORM2004:
        organization.update(scorm2004.organization_extras(element, ctx.warnings, where, ctx.collection))
    return organization


def _claim(identifier: str, kind: str, ctx: Context) -> None:
    if identifier in ctx.item_ids:
        raise invalid(f"Two organizations or items have the identifier \"{identifier}\".", kind, identifier=identifier)
    ctx.item_ids.add(identifier)


def new_item(identifier: str, title: str, isvisible: bool, parameters: str | None) -> dict[str, Any]:
    """An item dict with every key present (None or empty when not applicable)."""
    return {
        "identifier": identifier, "title": title, "isvisible": isvisible, "parameters": parameters,
        "resource_identifier": None, "scorm_type": None, "launch_href": None, "launchable": False,
        "prerequisites": None, "mastery_score": None, "max_time_allowed": None, "time_limit_action": None,
        "data_from_lms": None, "completion_threshold": None, "completion_threshold_detail": None,
        "scaled_passing_score": None, "shared_data": [], "presentation": None, "sequencing": None,
        "children": [],
    }  # fmt: skip


def _item(element: etree._Element, ctx: Context) -> dict[str, Any]:
    identifier = attr(element, "identifier")
    if not identifier:
        raise invalid("An <item> has no identifier attribute.", "item", title=collapse(text(kid(element, "title"))))
    _claim(identifier, "item", ctx)
    where = f"item \"{identifier}\""
    title = collapse(text(kid(element, "title")))
    if not title:
        ctx.warnings.append(note("ITEM_TITLE_MISSING", f"{where} has no <title>; its identifier is shown instead.",
                                 item=identifier))
    visible = parse_bool(attr(element, "isvisible"))
    item = new_item(identifier, title or identifier, visible is not False, attr(element, "parameters") or None)
    _link_resource(item, attr(element, "identifierref"), ctx, where)
    extras = (
        scorm2004.item_extras(element, ctx.warnings, where, ctx.collection)
        if ctx.standard == SCORM2004
        else scorm12.item_extras(element, ctx.warnings, where)
    )
    item.update(extras)
    item["children"] = [_item(child, ctx) for child in kids(element, "item")]
    if item["children"] and item["resource_identifier"] and ctx.standard == SCORM2004:
        ctx.warnings.append(note("ITEM_AGGREGATION_WITH_RESOURCE", f"{where} has child items and also references "
                                 "a resource; SCORM 2004 launches only leaf items.", item=identifier))
    return item


def _link_resource(item: dict[str, Any], ref: str | None, ctx: Context, where: str) -> None:
    if not ref:
        return
    resource = ctx.resources.get(ref)
    if resource is None:
        raise invalid(f"{where}: identifierref=\"{ref}\" names no <resource>.", "item",
                      identifier=item["identifier"], identifierref=ref)
    item["resource_identifier"] = ref
    item["scorm_type"] = resource["scorm_type"]
    if not resource["url"]:
        ctx.warnings.append(note("RESOURCE_WITHOUT_HREF", f"{where} references resource \"{ref}\", which has no "
                                 "href: the item cannot be launched.", item=item["identifier"], resource=ref))
        return
    if resource["external"]:
        raise _launch_url_refused(item["identifier"], ref, resource["url"])
    item["launch_href"] = hrefs.with_parameters(resource["url"], item["parameters"])
    item["launchable"] = True
    path = hrefs.file_path(resource["url"])
    if path in ctx.file_names or ref in ctx.checked_launch_files:
        return
    ctx.checked_launch_files.add(ref)  # one warning per resource, however many items share it
    ctx.warnings.append(note("LAUNCH_FILE_MISSING", f"{where}: the launch file \"{path}\" of resource \"{ref}\" is "
                             "not in the package.", item=item["identifier"], resource=ref, file=path))


def _launch_url_refused(item: str, resource: str, url: str) -> PipelineError:
    """An item launching an absolute URL is refused, whatever its scheme.

    `javascript:`, `data:`, `vbscript:` (any scheme but http and https) would run
    script in the player's content origin. An http(s) or `//host` URL is external
    content SCORM allows, but here it cannot work: the SCORM API is reachable only
    from the tenant's content origin, browsers refuse to frame many sites (and
    http from an https player), and the player would load it as a package path. A
    partner learns that at import, not from a broken launch.
    """
    scheme = urlsplit(url).scheme.lower()
    reason = "external_url" if scheme in ("http", "https") else "script_or_other_scheme"
    what = "an external URL" if reason == "external_url" else f"a {scheme}: URL"
    return PipelineError(
        "MANIFEST_LAUNCH_URL_REFUSED",
        f"item \"{item}\" launches {what} (resource \"{resource}\"); launch files must be files in the package.",
        {"element": "resource", "item": item, "resource": resource, "href": url[:300], "reason": reason},
    )
