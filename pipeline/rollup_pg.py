"""The rollup window on Postgres: one statement folds a window into the rollup tables.

Same result as `rollup_sql.window_tallies` + `apply_increments` (the SQLite path), but the
aggregation, the (actor, activity) pair insert and both upserts run inside the database as
data-modifying CTEs, so no per-actor row travels through Python. The package link of the
activities it touches is filled in afterwards, in Python (few rows).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pipeline.rollup_sql import VERBS, VOIDED

_COUNTERS = """
    count(*) AS total_statements,
    sum(CASE WHEN verb_id = :completed THEN 1 ELSE 0 END) AS completed_count,
    sum(CASE WHEN verb_id = :passed THEN 1 ELSE 0 END) AS passed_count,
    sum(CASE WHEN verb_id = :failed THEN 1 ELSE 0 END) AS failed_count,
    coalesce(sum(score_scaled), 0) AS score_sum,
    count(score_scaled) AS score_count,
    avg(score_scaled) AS avg_score_scaled,
    min(timestamp) AS first_activity,
    max(timestamp) AS last_activity"""

_MERGE = """
    total_statements = r.total_statements + excluded.total_statements,
    completed_count = r.completed_count + excluded.completed_count,
    passed_count = r.passed_count + excluded.passed_count,
    failed_count = r.failed_count + excluded.failed_count,
    score_sum = r.score_sum + excluded.score_sum,
    score_count = r.score_count + excluded.score_count,
    avg_score_scaled = CASE WHEN r.score_count + excluded.score_count > 0
        THEN (r.score_sum + excluded.score_sum) / (r.score_count + excluded.score_count) END,
    first_activity = least(r.first_activity, excluded.first_activity),
    last_activity = greatest(r.last_activity, excluded.last_activity)"""

FOLD = text(f"""
WITH counted AS (
  SELECT actor_key, actor_name, activity_id, activity_type, verb_id, score_scaled, timestamp
  FROM xapi_statements
  WHERE tenant_id = :tenant AND xid >= :low AND xid < :high AND NOT voided AND verb_id <> :voided
), pairs AS (
  SELECT actor_key, activity_id, hashtextextended(actor_key, 0) AS actor_hash,
         hashtextextended(activity_id, 0) AS activity_hash
  FROM (SELECT DISTINCT actor_key, activity_id FROM counted
        WHERE actor_key IS NOT NULL AND activity_id IS NOT NULL) d
), inserted AS (
  INSERT INTO xapi_actor_activities (tenant_id, actor_hash, activity_hash)
  SELECT :tenant, actor_hash, activity_hash FROM pairs
  ON CONFLICT DO NOTHING
  RETURNING actor_hash, activity_hash
), fresh AS (
  SELECT p.actor_key, p.activity_id FROM pairs p
  JOIN inserted i ON i.actor_hash = p.actor_hash AND i.activity_hash = p.activity_hash
), actors AS (
  INSERT INTO xapi_actor_rollups AS r (tenant_id, actor_key, actor_mbox, actor_name, unique_activities,
    total_statements, completed_count, passed_count, failed_count, score_sum, score_count, avg_score_scaled,
    first_activity, last_activity)
  SELECT :tenant, g.actor_key,
    CASE WHEN g.actor_key LIKE 'mbox:mailto:%' THEN substr(g.actor_key, 13) END, g.actor_name,
    coalesce(n.count, 0), g.total_statements, g.completed_count, g.passed_count, g.failed_count, g.score_sum,
    g.score_count, g.avg_score_scaled, g.first_activity, g.last_activity
  FROM (SELECT actor_key, max(actor_name) AS actor_name, {_COUNTERS}
        FROM counted WHERE actor_key IS NOT NULL GROUP BY actor_key) g
  LEFT JOIN (SELECT actor_key, count(*) FROM fresh GROUP BY actor_key) n ON n.actor_key = g.actor_key
  ON CONFLICT (tenant_id, actor_key) DO UPDATE SET {_MERGE},
    unique_activities = r.unique_activities + excluded.unique_activities,
    actor_name = coalesce(excluded.actor_name, r.actor_name)
  RETURNING 1
), activities AS (
  INSERT INTO xapi_activity_rollups AS r (tenant_id, activity_id, activity_type, package_id, unique_learners,
    total_statements, completed_count, passed_count, failed_count, score_sum, score_count, avg_score_scaled,
    first_activity, last_activity)
  SELECT :tenant, g.activity_id, g.activity_type, NULL, coalesce(n.count, 0), g.total_statements,
    g.completed_count, g.passed_count, g.failed_count, g.score_sum, g.score_count, g.avg_score_scaled,
    g.first_activity, g.last_activity
  FROM (SELECT activity_id, max(activity_type) AS activity_type, {_COUNTERS}
        FROM counted WHERE activity_id IS NOT NULL GROUP BY activity_id) g
  LEFT JOIN (SELECT activity_id, count(*) FROM fresh GROUP BY activity_id) n ON n.activity_id = g.activity_id
  ON CONFLICT (tenant_id, activity_id) DO UPDATE SET {_MERGE},
    unique_learners = r.unique_learners + excluded.unique_learners,
    activity_type = coalesce(excluded.activity_type, r.activity_type)
  RETURNING activity_id, package_id
)
SELECT activity_id FROM activities WHERE package_id IS NULL AND activity_id LIKE :package_prefix
""")

_WINDOW_FACTS = text("""
SELECT count(*), array_remove(array_agg(ref_id) FILTER (WHERE verb_id = :voided), NULL)
FROM xapi_statements WHERE tenant_id = :tenant AND xid >= :low AND xid < :high
""")


def fold_window(session: Session, tenant_id: str, low: int, high: int,
                package_prefix: str) -> tuple[int, list[str], list[str]]:
    """Fold the statements with low <= xid < high into the rollups.

    Returns:
        (statements in the window, ids of statements voided by the window, ids of the
        activities under `package_prefix` that still have no package link).
    """
    params: dict[str, Any] = {"tenant": tenant_id, "low": low, "high": high, "voided": VOIDED}
    # The CTEs join thousands of rows whose counts the planner cannot know (RETURNING, fresh
    # tables): a nested loop there would take minutes, so this transaction hash-joins.
    session.execute(text("SET LOCAL enable_nestloop = off"))
    total, voided = session.execute(_WINDOW_FACTS, params).one()
    unlinked = list(session.scalars(FOLD, {**params, **{name.split("_")[0]: verb for name, verb in VERBS.items()},
                                           "package_prefix": _like_prefix(package_prefix)}))
    return int(total), list(voided or []), unlinked


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern matching strings that start with `prefix` (its wildcards escaped)."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
