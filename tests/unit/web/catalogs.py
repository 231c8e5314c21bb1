"""What ``pybabel extract`` finds in the web pages' code and templates, and what a catalog
lacks of it: a missing, empty or fuzzy translation, a placeholder lost or added, or a
message no page uses any more."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from cta.entrypoints.web.i18n import LOCALE_DIR

WEB = LOCALE_DIR.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")

Message = str | tuple[str, str]


def extracted(files: set[str] | None = None) -> set[Message]:
    """Every message the pages use, as ``pybabel extract -F babel.cfg -k N_`` finds them
    (``files``: only those of these files, named from the web package's folder)."""
    with (WEB / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[Message] = set()
    for file, _line, message, _comments, _context in extract_from_dir(
        WEB, method_map, options_map, keywords=KEYWORDS
    ):
        if files is not None and file not in files:
            continue
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def catalog(code: str, folder: Path = LOCALE_DIR) -> Catalog:
    with (folder / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=code)


def problems(messages: set[Message], found: Catalog) -> list[str]:
    """What is wrong with ``found`` for these messages (nothing: an empty list)."""
    wrong: list[str] = []
    for message in sorted(messages, key=str):
        key = message if isinstance(message, str) else message[0]
        entry = found.get(key)
        if entry is None or not entry.id:
            wrong.append(f"missing: {message!r}")
            continue
        if entry.fuzzy:
            wrong.append(f"fuzzy: {key!r}")
        texts = list(entry.string) if isinstance(entry.string, tuple) else [entry.string]
        if not all(text and text.strip() for text in texts):
            wrong.append(f"untranslated: {key!r}")
            continue
        wanted = set(_PLACEHOLDER.findall(key))
        for text in texts:
            if set(_PLACEHOLDER.findall(text)) != wanted and not (
                isinstance(message, tuple) and set(_PLACEHOLDER.findall(text)) <= {"n"} | wanted
            ):
                wrong.append(f"placeholders differ: {key!r} -> {text!r}")
    ids = {m if isinstance(m, str) else m[0] for m in messages}
    wrong += [f"unused: {entry.id!r}" for entry in found if entry.id and
              (entry.id if isinstance(entry.id, str) else entry.id[0]) not in ids]  # fmt: skip
    return wrong
