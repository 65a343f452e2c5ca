"""Pagination shared by every list: `page` >= 1, `limit` 1..100, and the overview's block."""

from __future__ import annotations

import math
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

# The database's OFFSET is a 64-bit integer: a bigger page must be refused, not overflow it.
MAX_PAGE = 2**31 - 1
# Bounds of the database's integer columns: a filter or value beyond them is refused (400), never sent.
MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PaginationSchema(Schema):
    page = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    total = fields.Integer(required=True)
    total_pages = fields.Integer(required=True)


def pagination_block(page: int, limit: int, total: int) -> dict[str, int]:
    return {"page": page, "limit": limit, "total": total, "total_pages": math.ceil(total / limit)}


def paginate(session: Session, query: Select[Any], page: int, limit: int) -> tuple[list[Any], int]:
    """One page of `query`'s rows and the total count of the unpaged query."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(session.scalars(query.limit(limit).offset((page - 1) * limit)))
    return rows, total
