"""Checking a SCO's successive commits: only the parts that changed since its previous commit are checked again.

scorm-again sends the whole CMI with every commit, and between two commits of a
learner most of it is unchanged (the interactions, the objectives, the learner
data). The last commit of each SCO state is remembered per process, cut into
its top-level parts (`cmi.core`, `cmi.interactions`, `cmi.suspend_data`, ...);
a part equal to the remembered one reuses its checked values, the others go
through `cmi_rules`. Equal input, equal verdict: the result is exactly what
`cmi_rules.check_commit` gives.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from web.player import cmi_rules
from web.player.cmi_rules import SCORM2004, CommitCheck

Part = tuple[str, str]  # (root, name): ("cmi", "core"), ("adl", "data")
_REMEMBERED = 1000  # SCO states per process (a few MB: one CMI each)


class RepeatChecker:
    """`check(edition, state_id, payload)` with a per-process memory of each state's previous commit."""

    def __init__(self, size: int = _REMEMBERED) -> None:
        self.size = size
        self._last: OrderedDict[tuple[str, str], dict[Part, tuple[Any, dict[str, str]]]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, edition: str, state_id: str, payload: Any) -> CommitCheck:
        """Validate a commit body as `cmi_rules.check_commit` does, reusing unchanged parts' verdicts."""
        if not isinstance(payload, dict) or not isinstance(payload.get("cmi"), dict):
            return cmi_rules.check_commit(edition, payload)
        parts = _parts(edition, payload)
        with self._lock:
            previous = self._last.get((edition, state_id)) or {}
        remembered: dict[Part, tuple[Any, dict[str, str]]] = {}
        values: dict[str, str] = {}
        for part, subtree in parts:
            hit = previous.get(part)
            if hit is not None and hit[0] == subtree:
                checked = hit[1]
            else:
                verdict = cmi_rules.check_flat(edition, _flat(part, subtree))
                if not verdict.ok:
                    return verdict
                checked = verdict.values
            remembered[part] = (subtree, checked)
            values.update(checked)
        with self._lock:
            self._last[(edition, state_id)] = remembered
            self._last.move_to_end((edition, state_id))
            while len(self._last) > self.size:
                self._last.popitem(last=False)
        return CommitCheck(True, values=values)


def _parts(edition: str, payload: dict[str, Any]) -> list[tuple[Part, Any]]:
    parts: list[tuple[Part, Any]] = [(("cmi", str(name)), subtree) for name, subtree in payload["cmi"].items()]
    if edition == SCORM2004 and isinstance(payload.get("adl"), dict):
        parts.append((("adl", "data"), payload["adl"].get("data") or {}))
    return parts


def _flat(part: Part, subtree: Any) -> dict[str, Any]:
    root, name = part
    if isinstance(subtree, dict | list):
        return cmi_rules.flatten(subtree, f"{root}.{name}")
    return {f"{root}.{name}": subtree}


checker = RepeatChecker()
