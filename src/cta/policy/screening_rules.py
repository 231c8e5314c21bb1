"""Load and validate the screening rules for applications (``policy/screening/rules.toml``).

Every problem is a ``PolicyError`` naming the file and the rule; a rule that weighs a fact not
on the closed list (``cta.domain.screening_rules.ALLOWED_FACTS``) is refused, naming the fact.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from cta.domain.errors import PolicyError
from cta.domain.screening_rules import RuleSet, ScreeningRule, fact_problem

__all__ = ["SHIPPED", "load_rules_file", "load_shipped_rules", "parse_rules"]

SHIPPED = "cta/policy/screening/rules.toml"
_TOP = {"version", "effective_from", "title", "sources", "rule"}
_RULE = {"id", "facts", "when", "reason", "sources"}


@cache
def load_shipped_rules() -> RuleSet:
    """The rules CTA ships, read and validated once per process."""
    text = resources.files("cta.policy").joinpath("screening/rules.toml").read_text("utf-8")
    return parse_rules(text, file=SHIPPED)


def load_rules_file(path: str | Path) -> RuleSet:
    return parse_rules(Path(path).read_text(encoding="utf-8"), file=str(path))


def parse_rules(text: str, *, file: str) -> RuleSet:
    """Parse and validate the text of a rules file."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"not valid TOML: {exc}", file=file) from exc
    unknown = set(doc) - _TOP
    if unknown:
        raise PolicyError(f"unknown keys {sorted(unknown)} (allowed: {sorted(_TOP)})", file=file)
    version = doc.get("version")
    if not isinstance(version, str) or not version.strip():
        raise PolicyError("version: a rules file says its version (text)", file=file)
    effective = doc.get("effective_from")
    if not isinstance(effective, date):
        raise PolicyError("effective_from: a rules file is dated (YYYY-MM-DD)", file=file)
    sources = _sources(doc.get("sources"), file)
    raw_rules = doc.get("rule", [])
    if not isinstance(raw_rules, list):
        raise PolicyError("rule: rules are [[rule]] tables", file=file)
    rules = [_rule(raw, n, sources, file) for n, raw in enumerate(raw_rules, start=1)]
    ids = [r.id for r in rules]
    for rule_id in ids:
        if ids.count(rule_id) > 1:
            raise PolicyError(f"rule {rule_id!r} is given twice", file=file)
    return RuleSet(version.strip(), effective, tuple(rules))


def _sources(raw: Any, file: str) -> set[str]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError("sources: a rules file names its sources ([[sources]])", file=file)
    ids = set()
    for source in raw:
        if not isinstance(source, dict) or not isinstance(source.get("id"), str) \
                or not isinstance(source.get("title"), str):
            raise PolicyError("sources: each source has an id and a title", file=file)
        ids.add(source["id"])
    return ids


def _rule(raw: Any, n: int, sources: set[str], file: str) -> ScreeningRule:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"].strip():
        raise PolicyError(f"rule {n}: a rule has an id", file=file)
    name = f"rule {raw['id']!r}"
    unknown = set(raw) - _RULE
    if unknown:
        raise PolicyError(f"{name}: unknown keys {sorted(unknown)}", file=file)
    facts = raw.get("facts")
    if not isinstance(facts, list) or not facts or not all(isinstance(f, str) for f in facts):
        raise PolicyError(f"{name}: facts lists the facts the rule weighs", file=file)
    for fact in facts:
        problem = fact_problem(fact)
        if problem is not None:
            raise PolicyError(f"{name} is refused: {problem}", file=file)
    when = raw.get("when")
    if not isinstance(when, dict) or set(when) != set(facts):
        raise PolicyError(f"{name}: when gives values for exactly the facts it weighs "
                          f"({', '.join(facts)})", file=file)  # fmt: skip
    values: dict[str, tuple[str | int | bool, ...]] = {}
    for fact, wanted in when.items():
        if not isinstance(wanted, list) or not wanted:
            raise PolicyError(f"{name}: when.{fact} is a list of values", file=file)
        if fact == "age" and (len(wanted) != 2 or not all(isinstance(v, int) for v in wanted)):
            raise PolicyError(f"{name}: when.age is a range [min, max] of years", file=file)
        values[fact] = tuple(wanted)
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise PolicyError(f"{name}: reason says, in words, why a match needs an officer",
                          file=file)  # fmt: skip
    cited = raw.get("sources", [])
    if not isinstance(cited, list) or not cited or not set(cited) <= sources:
        raise PolicyError(f"{name}: sources cites one or more of {sorted(sources)}", file=file)
    return ScreeningRule(raw["id"].strip(), reason.strip(), values, tuple(cited))
