"""SCORM 1.2 `adlcp:prerequisites` (AICC script): may the learner open this item yet?

Grammar (SCORM 1.2 CAM 2.3.2.5.1, from AICC CMI001): item identifiers joined by
`&` (and), `|` (or), `~` (not), parentheses, comparisons `id = status` and
`id <> status` (statuses `passed`, `completed`, `failed`, `incomplete`,
`browsed`, `not attempted`, or their first letters, quoted or not), and sets
`n*{a, b, c}` (at least n of them). An identifier alone holds when the item
is passed or completed.

Unknown identifiers and expressions that do not parse are treated as met: a
manifest's mistake must not lock learners out of a course.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)
_TOKEN = re.compile(r'\s*(<>|[&|~()=*{},]|"[^"]*"|[^\s&|~()=*{},<>"]+)')
_STATUSES = {"p": "passed", "c": "completed", "f": "failed", "i": "incomplete", "b": "browsed", "n": "not attempted"}


class _Syntax(Exception):
    pass


def status_word(value: str) -> str:
    """`"passed"`, `p`, `not attempted`, `N` → the full lower-case status."""
    word = value.strip().strip('"').strip().lower()
    return _STATUSES.get(word[:1], word) if word else word


def met(expression: str | None, statuses: dict[str, str]) -> bool:
    """Whether an item's prerequisites hold.

    Args:
        expression: the `adlcp:prerequisites` text (None or blank: always met).
        statuses: item identifier → its 1.2 lesson status (`not attempted` when absent).
    """
    if not expression or not expression.strip():
        return True
    try:
        parser = _Parser(_tokens(expression), statuses)
        value = parser.expression()
        if parser.position != len(parser.tokens):
            raise _Syntax("trailing tokens")
        return value
    except _Syntax:
        log.info("prerequisites %r do not parse; treated as met", expression)
        return True


def _tokens(expression: str) -> list[str]:
    tokens, position = [], 0
    text = expression.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _Syntax(f"unexpected character at {position}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent: expression := term ('|' term)*; term := factor ('&' factor)*."""

    def __init__(self, tokens: list[str], statuses: dict[str, str]) -> None:
        self.tokens = tokens
        self.statuses = statuses
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise _Syntax(f"expected {expected or 'a token'}")
        self.position += 1
        return token

    def expression(self) -> bool:
        value = self.term()
        while self.peek() == "|":
            self.take()
            value = self.term() or value
        return value

    def term(self) -> bool:
        value = self.factor()
        while self.peek() == "&":
            self.take()
            value = self.factor() and value
        return value

    def factor(self) -> bool:
        token = self.take()
        if token == "~":
            return not self.factor()
        if token == "(":
            value = self.expression()
            self.take(")")
            return value
        if token.isdigit() and self.peek() == "*":
            return self.at_least(int(token))
        if token in "&|)={},*" or token == "<>":
            raise _Syntax(f"unexpected {token}")
        return self.item(token)

    def at_least(self, count: int) -> bool:
        self.take("*")
        self.take("{")
        held = [self.item(self.take())]
        while self.peek() == ",":
            self.take()
            held.append(self.item(self.take()))
        self.take("}")
        return sum(held) >= count

    def item(self, identifier: str) -> bool:
        identifier = identifier.strip('"')
        status = self.statuses.get(identifier)
        if self.peek() in ("=", "<>"):
            operator = self.take()
            wanted = status_word(self.take())
            if status is None:
                return True  # an unknown item cannot be judged: do not block
            return (status == wanted) == (operator == "=")
        return True if status is None else status in ("passed", "completed")
