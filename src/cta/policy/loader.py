"""Load and validate the regime files CTA ships (``cta/policy/**/*.toml``); format: docs/policy.md.

Every problem raises ``PolicyError`` naming the file, the line and what is wrong. A union file
may derive its nationality categories from the status-quo files at load time
(``derive = { rule = "any", from = [...] }``); its own ``[[version.group]]`` entries override
the derived ones. A ``stay`` table gives a limit in a window (``limit``, ``window``), a longest
single stay (``per_entry``), or both.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, cast

from cta.domain.derive import DERIVE_RULES, DeriveRule, derive_categories
from cta.domain.errors import InvalidInputError, PolicyError
from cta.domain.internal_checks import (
    DEFAULT_KIND,
    KIND_PATTERN,
    InternalCheckKinds,
    InternalCheckLimits,
)
from cta.domain.regime import (
    Category,
    DocumentRule,
    NationalityRule,
    Regime,
    RegimeSeries,
    Source,
    StayLimit,
)
from cta.policy.countries import load_countries
from cta.policy.toml_lines import LineFinder, TablePath

__all__ = ["KINDS", "load_regime", "load_regime_file", "parse_regime", "shipped_regimes"]

KINDS = ("national", "union")
UNION_CATEGORIES = frozenset({Category.AUTHORIZATION, Category.VISA})
_HEADER_KEYS = {"name", "title", "kind", "members", "sources", "version"}
_SOURCE_KEYS = {"id", "title", "url", "retrieved"}
_VERSION_KEYS = {
    "effective_from",
    "effective_to",
    "note",
    "stay",
    "documents",
    "documents_note",
    "default",
    "derive",
    "group",
    "internal_checks",
}
_INTERNAL_CHECK_KEYS = {"period_days", "total_months", "note", "sources"}  # one kind
# a named kind (the 2024 amendment's: internal_checks.foreseeable = { ... })
_CHECK_KIND_KEYS = {"period_days", "period_months", "total_months", "extensions",
                    "extension_months", "note", "sources"}  # fmt: skip
_CHECK_KINDS_OWN = {"unnamed", "note"}  # beside the kinds: the kind a declaration naming none takes
_GROUP_KEYS = {"category", "stay", "note", "sources", "nationalities"}
_RULE_KEYS = {"category", "stay", "note"}
_STAY_KEYS = {"limit", "window", "per_entry"}
_DOCUMENT_KEYS = {"member", "third_country", "max_age_years", "min_validity_months"}
_DERIVE_KEYS = {"rule", "from"}


def shipped_regimes() -> list[str]:
    """Names of the regime files CTA ships: ``status-quo/AZE``, ..., ``union-draft``."""
    return list(_shipped())


@cache
def _shipped() -> tuple[str, ...]:
    root = resources.files("cta.policy")
    names = [
        f"status-quo/{e.name[:-5]}"
        for e in root.joinpath("status-quo").iterdir()
        if e.name.endswith(".toml")
    ]
    names += [e.name[:-5] for e in root.iterdir() if e.name.endswith(".toml")]
    return tuple(sorted(names))


@cache
def load_regime(name: str) -> RegimeSeries:
    """A shipped regime by name, read and validated once per process."""
    if name not in shipped_regimes():
        raise InvalidInputError(
            f"no shipped regime {name!r}: choose one of {', '.join(shipped_regimes())}"
        )
    text = resources.files("cta.policy").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    series = parse_regime(text, file=f"cta/policy/{name}.toml")
    if series.name != name:
        raise PolicyError(
            f"name {series.name!r} does not match the file name {name!r}",
            file=f"cta/policy/{name}.toml",
            line=LineFinder(text).key_line((), "name"),
        )
    return series


def load_regime_file(path: str | Path) -> RegimeSeries:
    """A regime from any file (not cached: it may change); InvalidInputError if unreadable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: cannot read the file ({exc})") from exc
    return parse_regime(text, file=str(path))


def parse_regime(text: str, *, file: str) -> RegimeSeries:
    """Parse and validate the text of one regime file."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"not valid TOML: {exc}", file=file, line=_decode_line(exc)) from exc
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise InvalidInputError(f"{file}: arrays or tables nested too deep to read (a regime "
                                "file nests a few levels)") from None  # fmt: skip
    ctx = _Context(file, LineFinder(text), load_countries().codes)
    header = _parse_header(doc, ctx)
    raw_versions = doc.get("version")
    if not isinstance(raw_versions, list) or not raw_versions:
        raise ctx.fail("no [[version]] table: a regime needs at least one version", ())
    versions = [_parse_version(raw, i, header, ctx) for i, raw in enumerate(raw_versions)]
    _check_overlaps(versions, ctx)
    return RegimeSeries(header.name, tuple(versions))


def _decode_line(exc: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(exc, "lineno", None)  # Python 3.14+
    if isinstance(lineno, int):
        return lineno
    marker = "(at line "
    message = str(exc)
    if marker in message:
        number = message.split(marker, 1)[1].split(",", 1)[0]
        if number.isdigit():
            return int(number)
    return None


@dataclass(frozen=True, slots=True)
class _Context:
    file: str
    lines: LineFinder
    codes: frozenset[str]

    def fail(
        self,
        problem: str,
        path: TablePath,
        key: str | None = None,
        value: str | None = None,
        nth: int = 1,
    ) -> PolicyError:
        if key is not None and value is not None:
            line = self.lines.value_line(path, key, value, nth)
        elif key is not None:
            line = self.lines.key_line(path, key)
        else:
            line = self.lines.table_line(path)
        return PolicyError(problem, file=self.file, line=line)

    def fail_at(self, path: TablePath, key: str, fallback: str | None = None
                ) -> Callable[[str], PolicyError]:  # fmt: skip
        """Errors at the line of ``key`` (a dotted key too: ``internal_checks.foreseeable``),
        or, when the text sets it otherwise (a subtable), at the line of ``fallback``."""
        line = self.lines.key_line(path, key)
        if fallback is not None and line == self.lines.table_line(path):
            line = self.lines.key_line(path, fallback)

        def fail(problem: str) -> PolicyError:
            return PolicyError(problem, file=self.file, line=line)

        return fail


@dataclass(frozen=True, slots=True)
class _Header:
    name: str
    title: str
    kind: str
    members: frozenset[str]
    sources: Mapping[str, Source]


def _check_keys(
    table: Mapping[str, Any],
    allowed: set[str],
    path: TablePath,
    ctx: _Context,
    what: str,
    parent_key: str | None = None,
) -> None:
    for key in table:
        if key not in allowed:
            raise ctx.fail(
                f"unknown key {key!r} in {what}: expected one of {', '.join(sorted(allowed))}",
                path,
                parent_key or key,
            )


def _require(
    table: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    path: TablePath,
    ctx: _Context,
    what: str,
) -> Any:
    if key not in table:
        raise ctx.fail(f"{what} has no {key!r}", path)
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ctx.fail(f"{key!r} in {what} has the wrong type ({type(value).__name__})", path, key)
    return value


def _code_list(value: Any, path: TablePath, key: str, ctx: _Context) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.fail(f"{key!r} must be a list of three-letter codes", path, key)
    for code in value:
        if code not in ctx.codes:
            raise ctx.fail(f"unknown country code {code!r} in {key!r}", path, key, code)
    return cast(list[str], value)


def _parse_header(doc: Mapping[str, Any], ctx: _Context) -> _Header:
    _check_keys(doc, _HEADER_KEYS, (), ctx, "the file header")
    name = _require(doc, "name", str, (), ctx, "the file header")
    kind = _require(doc, "kind", str, (), ctx, "the file header")
    if kind not in KINDS:
        raise ctx.fail(f"kind {kind!r} is not one of {', '.join(KINDS)}", (), "kind")
    members = _code_list(
        _require(doc, "members", list, (), ctx, "the file header"), (), "members", ctx
    )
    if not members or (kind == "national" and len(members) != 1):
        raise ctx.fail("a national regime has one member, a union at least one", (), "members")
    sources: dict[str, Source] = {}
    raw_sources = doc.get("sources", [])
    if not isinstance(raw_sources, list) or not all(isinstance(r, dict) for r in raw_sources):
        raise ctx.fail("'sources' must be [[sources]] tables", (), "sources")
    for i, raw in enumerate(raw_sources):
        path = ("sources", i)
        _check_keys(raw, _SOURCE_KEYS, path, ctx, "a [[sources]] table")
        sid = _require(raw, "id", str, path, ctx, "a [[sources]] table")
        if sid in sources:
            raise ctx.fail(f"source id {sid!r} is given twice", path, "id")
        retrieved = _date(raw, "retrieved", path, ctx) if "retrieved" in raw else None
        sources[sid] = Source(
            _require(raw, "title", str, path, ctx, "a [[sources]] table"),
            str(raw.get("url", "")),
            retrieved,
        )
    return _Header(name, str(doc.get("title", "")), kind, frozenset(members), sources)


def _date(table: Mapping[str, Any], key: str, path: TablePath, ctx: _Context) -> date:
    value = table[key]
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ctx.fail(f"{key!r} must be a date like 2027-01-01 (no quotes, no time)", path, key)
    return value


@dataclass(frozen=True, slots=True)
class _Stay:
    """What a ``stay`` table says: a limit in a window, a longest single stay, or both."""

    limit: StayLimit | None = None
    per_entry: int | None = None


_NO_STAY = _Stay()


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_stay(value: Any, path: TablePath, key: str, ctx: _Context) -> _Stay:
    shape = "{ limit = N, window = W }, { per_entry = N } or both"
    if not isinstance(value, dict):
        raise ctx.fail(f"{key!r} must be a table {shape}", path, key)
    _check_keys(value, _STAY_KEYS, path, ctx, f"the {key!r} table", key)
    if not value:
        raise ctx.fail(f"{key!r} is empty: write {shape}", path, key)
    per_entry = value.get("per_entry")
    if per_entry is not None and (not _whole(per_entry) or per_entry < 1):
        raise ctx.fail(
            f"'per_entry' in {key!r} must be a whole number of days, 1 or more (not {per_entry!r})",
            path,
            key,
        )
    if "limit" not in value and "window" not in value:
        return _Stay(None, per_entry)
    if ("limit" in value) != ("window" in value):
        given, missing = ("limit", "window") if "limit" in value else ("window", "limit")
        raise ctx.fail(
            f"{key!r} has {given!r} without {missing!r}: they come together or not at all",
            path,
            key,
        )
    limit, window = value["limit"], value["window"]
    if not (_whole(limit) and _whole(window)):
        raise ctx.fail(f"{key!r} needs whole numbers 'limit' and 'window'", path, key)
    try:
        stay = StayLimit(limit, window)
    except ValueError as exc:
        raise ctx.fail(
            f"stay limit {limit} days in a window of {window}: {exc}", path, key
        ) from exc
    if per_entry is not None and per_entry >= limit:
        # One stay of more than `limit` days already breaks the limit in its window.
        raise ctx.fail(
            f"'per_entry' {per_entry} is not below the limit {limit}: it limits nothing "
            f"(leave it out, or lower it)",
            path,
            key,
        )
    return _Stay(stay, per_entry)


def _parse_documents(value: Any, path: TablePath, ctx: _Context) -> DocumentRule:
    if not isinstance(value, dict):
        raise ctx.fail("'documents' must be a table", path, "documents")
    _check_keys(value, _DOCUMENT_KEYS, path, ctx, "the 'documents' table", "documents")
    ints = {k: value[k] for k in ("max_age_years", "min_validity_months") if k in value}
    for key, number in ints.items():
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise ctx.fail(f"{key!r} must be a whole number of 0 or more", path, "documents")
    lists = {k: value.get(k, ["P"]) for k in ("member", "third_country")}
    for key, codes in lists.items():
        if not isinstance(codes, list) or not all(c in {"P", "I", "A", "C"} for c in codes):
            raise ctx.fail(f"{key!r} must list document codes among P, I, A, C", path, "documents")
    return DocumentRule(
        member_document_codes=frozenset(lists["member"]),
        tcn_document_codes=frozenset(lists["third_country"]),
        max_age_years=ints.get("max_age_years"),
        min_validity_months=ints.get("min_validity_months", 0),
    )


def _category(value: Any, path: TablePath, key: str, kind: str, ctx: _Context) -> Category:
    try:
        category = Category(value)
    except ValueError:
        choices = ", ".join(c.value for c in Category if c is not Category.FREE_MOVEMENT)
        raise ctx.fail(f"unknown category {value!r}: use one of {choices}", path, key) from None
    if category is Category.FREE_MOVEMENT:
        raise ctx.fail("free_movement is for members only: list them in 'members'", path, key)
    if kind == "union" and category not in UNION_CATEGORIES:
        raise ctx.fail(
            f"a union regime gives third-country nationals 'authorization' or "
            f"'visa', not {category.value!r}",
            path,
            key,
        )
    return category


def _rule(
    raw: Mapping[str, Any],
    path: TablePath,
    key: str,
    kind: str,
    default_stay: _Stay,
    ctx: _Context,
) -> NationalityRule:
    if "category" not in raw:
        raise ctx.fail(f"{key!r} has no category: every nationality needs one", path, key)
    category = _category(raw["category"], path, key if key == "default" else "category", kind, ctx)
    stay = _stay_of(raw, category, kind, default_stay, path, ctx)
    return NationalityRule(category, stay.limit, str(raw.get("note", "")), stay.per_entry)


def _stay_of(
    raw: Mapping[str, Any],
    category: Category,
    kind: str,
    default_stay: _Stay,
    path: TablePath,
    ctx: _Context,
) -> _Stay:
    """The entry's own stay (limit and per entry, as one); else the version's, for the
    visa-exempt (a national visa sets its own stay) and, in a union, for every third-country
    national (one area-wide count)."""
    if category is Category.NO_ADMISSION:
        return _NO_STAY
    if "stay" in raw:
        return _parse_stay(raw["stay"], path, "stay", ctx)
    return default_stay if kind == "union" or category.is_visa_free else _NO_STAY


def _parse_version(raw: Any, index: int, header: _Header, ctx: _Context) -> Regime:
    path: TablePath = ("version", index)
    if not isinstance(raw, dict):
        raise ctx.fail("'version' must be [[version]] tables", (), "version")
    _check_keys(raw, _VERSION_KEYS, path, ctx, "a [[version]] table")
    if "effective_from" not in raw:
        raise ctx.fail("a [[version]] table has no 'effective_from'", path)
    start = _date(raw, "effective_from", path, ctx)
    end = _date(raw, "effective_to", path, ctx) if "effective_to" in raw else None
    if end is not None and end < start:
        raise ctx.fail(f"effective_to {end} is before effective_from {start}", path, "effective_to")
    stay = _parse_stay(raw["stay"], path, "stay", ctx) if "stay" in raw else _NO_STAY
    documents = (
        _parse_documents(raw["documents"], path, ctx) if "documents" in raw else DocumentRule()
    )
    default_raw = _require(raw, "default", dict, path, ctx, "a [[version]] table")
    _check_keys(default_raw, _RULE_KEYS, path, ctx, "the 'default' table", "default")
    default = _rule(default_raw, path, "default", header.kind, stay, ctx)
    rules: dict[str, NationalityRule] = {}
    if "derive" in raw:
        rules.update(_derived_rules(raw["derive"], path, header, start, stay, ctx))
    rules.update(_group_rules(raw.get("group", []), path, header, stay, ctx))
    internal = (_parse_internal_checks(raw["internal_checks"], path, header, ctx)
                if "internal_checks" in raw else None)  # fmt: skip
    return Regime(
        name=header.name,
        members=header.members,
        effective_from=start,
        effective_to=end,
        rules=rules,
        default_rule=default,
        documents=documents,
        title=header.title,
        sources=tuple(header.sources.values()),
        internal_checks=internal,
    )


def _parse_internal_checks(
    value: Any, path: TablePath, header: _Header, ctx: _Context
) -> InternalCheckKinds:
    """How long a member may check at its internal borders: one kind,
    ``internal_checks = { period_days = N, total_months = M }`` (the format before the 2024
    amendment, named ``default``), or named kinds, each a table,
    ``internal_checks.foreseeable = { period_months = 6, total_months = 24, extensions = 2,
    extension_months = 6 }``, with ``internal_checks.unnamed``: the kind of a declaration
    that names none."""
    key = "internal_checks"
    if header.kind != "union":
        raise ctx.fail("only a union regime has internal borders to check", path, key)
    if not isinstance(value, dict):
        raise ctx.fail(f"{key!r} must be a table {{ period_days = N, total_months = M }}",
                       path, key)  # fmt: skip
    if not any(isinstance(v, dict) for v in value.values()):  # one kind, as before 2024
        _check_keys(value, _INTERNAL_CHECK_KEYS, path, ctx, f"the {key!r} table", key)
        numbers: dict[str, int] = {}
        for name in ("period_days", "total_months"):
            number: Any = value.get(name)
            if not _whole(number) or number < 1:
                raise ctx.fail(f"{name!r} in {key!r} must be a whole number, 1 or more", path,
                               key)  # fmt: skip
            numbers[name] = number
        _check_sources(value.get("sources", []), header, ctx.fail_at(path, key))
        return InternalCheckKinds.single(
            InternalCheckLimits(numbers["period_days"], numbers["total_months"]))
    kinds: list[InternalCheckLimits] = []
    for name, raw in value.items():
        if name in _CHECK_KINDS_OWN:
            continue
        fail = ctx.fail_at(path, f"{key}.{name}", key)
        if not re.fullmatch(KIND_PATTERN, name):
            raise fail(f"kind {name!r} in {key!r}: a kind is named in lower-case letters, "
                       "digits and _ (at most 40), beginning with a letter")
        if not isinstance(raw, dict):
            raise fail(f"kind {name!r} in {key!r} must be a table {{ period_months = N, "
                       "total_months = M }")
        kinds.append(_check_kind(name, raw, header, fail))
    if len(kinds) > 1 and "unnamed" not in value:
        raise ctx.fail_at(path, f"{key}.{kinds[0].name}", key)(
            f"'{key}.unnamed' is missing: name the kind of a declaration that names none (one "
            f"of {', '.join(k.name for k in kinds)})")
    unnamed = value.get("unnamed", kinds[0].name if kinds else DEFAULT_KIND)
    if not any(k.name == unnamed for k in kinds):
        raise ctx.fail_at(path, f"{key}.unnamed", key)(
            f"'{key}.unnamed' is {unnamed!r}, not one of its kinds "
            f"({', '.join(k.name for k in kinds) or 'none'})")
    return InternalCheckKinds(tuple(kinds), unnamed)


def _check_kind(name: str, raw: Mapping[str, Any], header: _Header,
                fail: Callable[[str], PolicyError]) -> InternalCheckLimits:  # fmt: skip
    """One named kind's limits: one period in days or months, the whole in months, and the
    extensions beyond the whole (how many, how long each), or none."""
    where = f"kind {name!r} of 'internal_checks'"
    unknown = sorted(set(raw) - _CHECK_KIND_KEYS)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} in {where}: use "
                   f"{', '.join(sorted(_CHECK_KIND_KEYS))}")  # fmt: skip
    if "total_months" not in raw:
        raise fail(f"{where} has no 'total_months': how long it may run in all")
    numbers: dict[str, int] = {}
    for field in ("period_days", "period_months", "total_months", "extensions",
                  "extension_months"):  # fmt: skip
        if field not in raw:
            continue
        number: Any = raw[field]
        least = 0 if field == "extensions" else 1
        if not _whole(number) or number < least:
            raise fail(f"{field!r} in {where} must be a whole number, {least} or more")
        numbers[field] = number
    if ("period_days" in raw) == ("period_months" in raw):
        raise fail(f"{where}: give one period, 'period_days' or 'period_months'")
    if bool(numbers.get("extensions")) != bool(numbers.get("extension_months")):
        raise fail(f"{where}: 'extensions' and 'extension_months' go together (how many "
                   "extensions beyond total_months, how long each)")
    _check_sources(raw.get("sources", []), header, fail)
    return InternalCheckLimits(name=name, key=f"internal_checks.{name}", **numbers)


def _check_sources(refs: Any, header: _Header, fail: Callable[[str], PolicyError]) -> None:
    if not isinstance(refs, list):
        raise fail("'sources' must be a list of source ids")
    for ref in refs:
        if ref not in header.sources:
            raise fail(f"source {ref!r} is not in the [[sources]] tables")


def _group_rules(
    groups: Any, path: TablePath, header: _Header, stay: _Stay, ctx: _Context
) -> dict[str, NationalityRule]:
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise ctx.fail("'group' must be [[version.group]] tables", path, "group")
    rules: dict[str, NationalityRule] = {}
    for j, group in enumerate(groups):
        gpath: TablePath = (*path, "group", j)
        _check_keys(group, _GROUP_KEYS, gpath, ctx, "a [[version.group]] table")
        codes = _code_list(
            _require(group, "nationalities", list, gpath, ctx, "a [[version.group]] table"),
            gpath,
            "nationalities",
            ctx,
        )
        if "category" not in group:
            raise ctx.fail(f"nationalities {', '.join(codes[:3])}... have no category", gpath)
        for ref in group.get("sources", []):
            if ref not in header.sources:
                raise ctx.fail(
                    f"source {ref!r} is not in the [[sources]] tables", gpath, "sources", str(ref)
                )
        rule = _rule(group, gpath, "group", header.kind, stay, ctx)
        seen_here: dict[str, int] = {}
        for code in codes:
            seen_here[code] = seen_here.get(code, 0) + 1
            if code in header.members:
                raise ctx.fail(
                    f"{code} is a member: its nationals move freely and cannot be "
                    "listed as a third country",
                    gpath,
                    "nationalities",
                    code,
                )
            if code in rules:
                raise ctx.fail(
                    f"nationality {code} is listed twice",
                    gpath,
                    "nationalities",
                    code,
                    seen_here[code],
                )
            rules[code] = rule
    return rules


def _derived_rules(
    raw: Any, path: TablePath, header: _Header, on: date, stay: _Stay, ctx: _Context
) -> dict[str, NationalityRule]:
    if header.kind != "union":
        raise ctx.fail("only a union regime derives its categories", path, "derive")
    if not isinstance(raw, dict):
        raise ctx.fail("'derive' must be a table { rule = ..., from = [...] }", path, "derive")
    _check_keys(raw, _DERIVE_KEYS, path, ctx, "the 'derive' table", "derive")
    rule = raw.get("rule", "any")
    if rule not in DERIVE_RULES:
        raise ctx.fail(
            f"unknown derive rule {rule!r}: use one of {', '.join(DERIVE_RULES)}", path, "derive"
        )
    names = raw.get("from")
    if not isinstance(names, list) or not names:
        raise ctx.fail("'derive' needs 'from', a list of status-quo regime names", path, "derive")
    status_quo = _status_quo(names, path, header, on, ctx)
    derived = derive_categories(status_quo, cast(DeriveRule, rule), ctx.codes)
    note = f"derived: rule {rule!r} over {', '.join(names)}"
    return {
        code: NationalityRule(category, stay.limit, note, stay.per_entry)
        for code, category in derived.items()
    }


def _status_quo(
    names: Sequence[Any], path: TablePath, header: _Header, on: date, ctx: _Context
) -> dict[str, Regime]:
    regimes: dict[str, Regime] = {}
    for name in names:
        if not isinstance(name, str) or name not in shipped_regimes():
            raise ctx.fail(
                f"'derive' names {name!r}, which is not a shipped regime", path, "derive"
            )
        regime = load_regime(name).as_if_on(on)
        (member,) = regime.members if len(regime.members) == 1 else (None,)
        if member is None or member not in header.members:
            raise ctx.fail(f"{name} is not the national regime of a member", path, "derive")
        regimes[member] = regime
    return regimes


def _check_overlaps(versions: Sequence[Regime], ctx: _Context) -> None:
    order = sorted(range(len(versions)), key=lambda i: versions[i].effective_from)
    for earlier, later in pairwise(order):
        a, b = versions[earlier], versions[later]
        if a.effective_to is None or a.effective_to >= b.effective_from:
            until = "open-ended" if a.effective_to is None else f"to {a.effective_to}"
            raise ctx.fail(
                f"version from {b.effective_from} overlaps the version from "
                f"{a.effective_from} ({until})",
                ("version", later),
                "effective_from",
            )
