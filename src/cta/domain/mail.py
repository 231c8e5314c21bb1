"""Mail to applicants: the templates' rules, their rendering and the outbox's retry schedule.

Pure: the catalogs (one per language) come in as data, loaded by ``cta.services.mail`` from
the TOML files in ``cta/services/mail_templates``. A template is plain text with ``{name}``
placeholders for the parameters below and nothing else: a value is put in as text, once, and
never read as a template again, so nothing in a parameter can run or expand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cta.domain.errors import CTAError

__all__ = [
    "FIRST_RETRY",
    "GIVE_UP_AFTER",
    "LANGUAGES",
    "LAST_RETRY",
    "PARAMETERS",
    "TEMPLATES",
    "MailCatalog",
    "MailError",
    "MailTemplate",
    "RenderedMail",
    "is_mail_address",
    "json_params",
    "language_of",
    "next_attempt",
    "retry_delay",
]

TEMPLATES = ("received", "granted", "refused", "information_requested")
LANGUAGES = ("en", "az", "hy", "ka", "ru")
FALLBACK = "en"
PARAMETERS = ("number", "kind", "status", "valid_from", "valid_to", "reasons", "deadline")
# a failed send is tried again after 1 min, 2, 4, ... at most an hour apart; a mail not
# delivered two days after it was queued is given up (kept with its last error, counted)
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=2)

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# an address as a mail server takes it: one @, no spaces, no header-breaking characters
_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")  # fmt: skip


class MailError(CTAError):
    """A mail that cannot be queued or rendered: an unknown template, a missing parameter."""


@dataclass(frozen=True, slots=True)
class MailTemplate:
    """One message in one language: its subject line and its plain-text body."""

    subject: str
    body: str

    def placeholders(self) -> set[str]:
        return set(_PLACEHOLDER.findall(self.subject)) | set(_PLACEHOLDER.findall(self.body))


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class MailCatalog:
    """The templates of one language and its words for the kinds of application."""

    language: str
    kinds: Mapping[str, str]
    templates: Mapping[str, MailTemplate]

    @classmethod
    def from_data(cls, language: str, data: Mapping[str, object]) -> MailCatalog:
        """A catalog from a language's TOML table; ``MailError`` says what is wrong in it."""
        kinds = data.get("kinds")
        if not isinstance(kinds, dict) or set(kinds) != {"authorization", "visa"}:
            raise MailError(f"mail templates {language}: [kinds] names authorization and visa")
        templates: dict[str, MailTemplate] = {}
        for name in TEMPLATES:
            table = data.get(name)
            if not isinstance(table, dict) or not all(
                    isinstance(table.get(key), str) and table[key].strip()
                    for key in ("subject", "body")):
                raise MailError(f"mail templates {language}: [{name}] needs a subject and a body")
            template = MailTemplate(table["subject"].strip(), table["body"].strip() + "\n")
            if "\n" in template.subject:
                raise MailError(f"mail templates {language}: [{name}] subject is one line")
            unknown = template.placeholders() - set(PARAMETERS)
            if unknown:
                raise MailError(f"mail templates {language}: [{name}] uses unknown "
                                f"placeholders {sorted(unknown)}")  # fmt: skip
            templates[name] = template
        extra = set(data) - {"kinds", *TEMPLATES}
        if extra:
            raise MailError(f"mail templates {language}: unknown tables {sorted(extra)}")
        return cls(language, {str(k): str(v) for k, v in kinds.items()}, templates)

    def render(self, template: str, params: Mapping[str, object]) -> RenderedMail:
        """The subject and body of ``template`` with ``params`` put in (as ``json_params``
        gives them); ``MailError`` names a placeholder without a value."""
        chosen = self.templates.get(template)
        if chosen is None:
            raise MailError(f"template: {template!r} is not one of {', '.join(TEMPLATES)}")
        missing = sorted(n for n in chosen.placeholders() if params.get(n) in (None, "", []))
        if missing:
            raise MailError(f"params: the {template!r} mail needs {', '.join(missing)}")
        values = {name: self._text(name, params[name]) for name in chosen.placeholders()}
        subject = _PLACEHOLDER.sub(lambda m: " ".join(values[m[1]].split()), chosen.subject)
        return RenderedMail(subject, _PLACEHOLDER.sub(lambda m: values[m[1]], chosen.body))

    def _text(self, name: str, value: object) -> str:
        if name == "kind" and isinstance(value, str):
            return self.kinds.get(value, value)
        if isinstance(value, list):
            return "\n".join(f"- {item}" for item in value)
        return str(value)


def language_of(requested: str, available: Sequence[str] = LANGUAGES) -> str:
    """The catalog's language for an applicant's (``ru``, ``ru-RU``, ``RU``); English when
    there is none in that language."""
    primary = requested.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in available else FALLBACK


def is_mail_address(text: str) -> bool:
    return len(text) <= 254 and _ADDRESS.fullmatch(text) is not None


def json_params(params: Mapping[str, object]) -> dict[str, object]:
    """The parameters as JSON keeps them: dates in ISO (``2027-03-01``; a time as
    ``2027-03-01T12:00Z``, in UTC), reasons a list of strings; ``MailError`` names a bad one."""
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        raise MailError(f"params: unknown {', '.join(unknown)} (known: {', '.join(PARAMETERS)})")
    kept: dict[str, object] = {}
    for name, value in params.items():
        if value is None:
            continue
        if name == "reasons":
            if isinstance(value, str) or not isinstance(value, Sequence) or not all(
                    isinstance(item, str) for item in value):
                raise MailError("params: reasons is a list of strings")
            kept[name] = [" ".join(item.split()) for item in value]
        elif isinstance(value, datetime):
            if value.tzinfo is None:
                raise MailError(f"params: {name} is a time without a zone")
            kept[name] = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
        elif isinstance(value, date):
            kept[name] = value.isoformat()
        elif isinstance(value, str | int):
            kept[name] = " ".join(str(value).split())
        else:
            raise MailError(f"params: {name} is a {type(value).__name__}, not text or a date")
    return kept


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed send: 1 min, 2, 4, ... at most 1 h."""
    if attempts < 1:
        return timedelta(0)
    doubled: timedelta = FIRST_RETRY * (1 << min(attempts - 1, 16))
    return min(doubled, LAST_RETRY)


def next_attempt(created_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """When a mail that failed its ``attempts``-th send is tried again; None: given up, two
    days after it was queued (the last try is at that moment)."""
    end = created_at + GIVE_UP_AFTER
    return None if now >= end else min(now + retry_delay(attempts), end)
