"""The federation file: members, keys by period, and errors that name file and line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cta.federation.errors import FederationFileError
from cta.federation.keys import public_key_text
from cta.federation.members import load_federation, member_snippet, parse_federation

from .helpers import KEYS, PINS, federation, federation_text, key

NEW_KEY = key("GEO-2029")


def test_a_federation_file_lists_the_members_and_names_this_node() -> None:
    fed = federation("ARM")
    assert fed.node == "ARM"
    assert fed.states == {"AZE", "ARM", "GEO"}
    assert fed.peers == ("AZE", "GEO")
    assert fed.endpoint("GEO") == "https://127.0.0.1:8092"


def test_a_key_answers_only_within_its_validity() -> None:
    fed = federation()
    assert fed.key_for("GEO", datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) is None
    assert fed.key_for("GEO", datetime(2027, 1, 1, tzinfo=UTC)) is not None
    assert fed.key_for("XXA", datetime(2027, 6, 1, tzinfo=UTC)) is None


def rotation(new_from: str = "2029-01-01T00:00:00Z") -> str:
    text = federation_text().replace(
        'state = "GEO"', 'state = "GEO"\nvalid_to = 2029-01-01T00:00:00Z', 1
    )
    return text + (f'[[member]]\nstate = "GEO"\npublic_key = "{public_key_text(NEW_KEY)}"\n'
                   f'endpoint = "https://geo.example"\nvalid_from = {new_from}\n'
                   f'tls_certificate_sha256 = "{"ab" * 32}"\n')  # fmt: skip


def test_a_rotated_key_takes_over_where_the_old_one_ends() -> None:
    fed = parse_federation(rotation())
    old = fed.key_for("GEO", datetime(2028, 12, 31, 23, 59, 59, tzinfo=UTC))
    new = fed.key_for("GEO", datetime(2029, 1, 1, tzinfo=UTC))
    assert old is not None and public_key_text(old) == public_key_text(KEYS["GEO"])
    assert new is not None and public_key_text(new) == public_key_text(NEW_KEY)
    assert fed.endpoint("GEO") == "https://geo.example"


def test_two_keys_of_one_state_at_once_are_an_error_on_the_later_entrys_line() -> None:
    text = rotation(new_from="2028-06-01T00:00:00Z")
    with pytest.raises(FederationFileError, match="overlaps") as caught:
        parse_federation(text, file="fed.toml")
    lines = text.splitlines()
    assert caught.value.file == "fed.toml"
    assert caught.value.line is not None
    assert lines[caught.value.line - 1].startswith("valid_from = 2028-06-01")
    assert str(caught.value).startswith(f"fed.toml:{caught.value.line}: ")


def test_a_date_means_midnight_utc() -> None:
    fed = parse_federation(federation_text().replace("2027-01-01T00:00:00Z", "2027-01-01"))
    assert fed.members[0].valid_from == datetime(2027, 1, 1, tzinfo=UTC)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "words", "needle"),
    [
        ('state = "ARM"', 'state = "Armenia"', "three-letter", "Armenia"),
        ('endpoint = "https://127.0.0.1:8091"', 'endpoint = "ftp://x"', "http", "ftp://"),
        ('endpoint = "https://127.0.0.1:8091"', 'endpoint = "https://h/?a=1"', "query", "h/?a"),
        ('state = "ARM"', 'state = "ARM"\ncolour = "red"', "unknown key 'colour'", "colour"),
        ('node = "GEO"', 'node = "TUR"', "not among the members", "TUR"),
    ],
)  # fmt: skip
def test_errors_name_the_line(old: str, new: str, words: str, needle: str) -> None:
    text = federation_text().replace(old, new, 1)
    with pytest.raises(FederationFileError) as caught:
        parse_federation(text, file="fed.toml")
    assert words in caught.value.problem
    assert caught.value.line == line_of(text, needle)


def test_a_bad_public_key_is_named_on_its_line() -> None:
    text = federation_text().replace(public_key_text(KEYS["AZE"]), "c2hvcnQ=")
    with pytest.raises(FederationFileError, match="public_key: public key is 5 bytes") as caught:
        parse_federation(text)
    assert caught.value.line == line_of(text, "c2hvcnQ=")


def test_a_local_time_without_offset_is_refused() -> None:
    text = federation_text().replace("2027-01-01T00:00:00Z", "2027-01-01T00:00:00", 1)
    with pytest.raises(FederationFileError, match="offset"):
        parse_federation(text)


def test_valid_to_must_follow_valid_from() -> None:
    text = federation_text().replace('state = "AZE"', 'state = "AZE"\nvalid_to = 2026-01-01', 1)
    with pytest.raises(FederationFileError, match="after valid_from") as caught:
        parse_federation(text)
    assert caught.value.line == line_of(text, "valid_to")


def test_text_that_is_not_toml_gives_the_parsers_line() -> None:
    with pytest.raises(FederationFileError, match="not valid TOML") as caught:
        parse_federation('node = "GEO"\n\n[[member]\n', file="fed.toml")
    assert caught.value.line == 3


def test_a_file_without_members_is_refused() -> None:
    with pytest.raises(FederationFileError, match=r"no \[\[member\]\]"):
        parse_federation('node = "GEO"\n')


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FederationFileError, match="no such federation file"):
        load_federation(tmp_path / "nope.toml")


def test_a_file_on_disk_loads(tmp_path: Path) -> None:
    path = tmp_path / "federation.toml"
    path.write_text(federation_text("AZE"), encoding="utf-8")
    assert load_federation(path).node == "AZE"


def test_the_member_snippet_of_keys_init_is_a_valid_member() -> None:
    snippet = member_snippet("ARM", public_key_text(KEYS["ARM"]), "https://arm.example",
                             datetime(2027, 3, 1, 10, 30, 15, 999, tzinfo=UTC),
                             PINS["ARM"])  # fmt: skip
    fed = parse_federation('node = "ARM"\n' + snippet)
    assert fed.members[0].valid_from == datetime(2027, 3, 1, 10, 30, 15, tzinfo=UTC)


# -- transport: https endpoints with pinned certificates; plain http only when allowed --------


def test_each_member_pins_its_tls_certificate() -> None:
    fed = federation()
    assert fed.tls_pin("ARM") == PINS["ARM"] and not fed.allow_plain_http
    colons = ":".join(PINS["ARM"][i : i + 2] for i in range(0, 64, 2)).upper()  # openssl's form
    assert parse_federation(federation_text().replace(PINS["ARM"], colons)).tls_pin("ARM") == (
        PINS["ARM"]
    )


def test_a_plain_http_endpoint_is_refused_naming_the_member_and_the_key_to_set() -> None:
    text = federation_text().replace("https://127.0.0.1:8091", "http://127.0.0.1:8091")
    with pytest.raises(FederationFileError) as caught:
        parse_federation(text, file="fed.toml")
    problem = caught.value.problem
    assert "member ARM" in problem and "plain http" in problem
    assert "allow_plain_http = true" in problem
    assert caught.value.line == line_of(text, "http://127.0.0.1:8091")


def test_plain_http_is_accepted_when_the_file_allows_it_for_local_development() -> None:
    text = federation_text().replace("https://", "http://")
    allowed = parse_federation(text.replace('node = "GEO"',
                                            'node = "GEO"\nallow_plain_http = true'))  # fmt: skip
    assert allowed.allow_plain_http and allowed.endpoint("ARM") == "http://127.0.0.1:8091"
    with pytest.raises(FederationFileError, match="allow_plain_http: 'yes' is not true or false"):
        parse_federation(text.replace('node = "GEO"', 'node = "GEO"\nallow_plain_http = "yes"'))


def test_an_https_endpoint_without_a_pin_or_with_a_bad_one_is_refused() -> None:
    text = federation_text().replace(f'tls_certificate_sha256 = "{PINS["AZE"]}"\n', "")
    with pytest.raises(FederationFileError, match=r"member AZE: endpoint https://127\.0\.0\.1:8090 "
                       r"needs tls_certificate_sha256") as caught:  # fmt: skip
        parse_federation(text)
    assert caught.value.line == line_of(text, "https://127.0.0.1:8090")
    bad = federation_text().replace(PINS["AZE"], "abc123")
    with pytest.raises(FederationFileError, match="'abc123' is not a SHA-256 fingerprint") as c2:
        parse_federation(bad)
    assert c2.value.line == line_of(bad, "abc123")


def test_a_federation_file_that_never_ends_is_refused_not_read_until_memory_runs_out() -> None:
    """``CTA_FEDERATION_FILE=/dev/zero`` (the sweep): ``cta serve`` read it whole. In a child
    held to 1 GiB of memory, so that a reader without its bound fails here with a MemoryError
    instead of taking the machine's memory (a test process reached 23 GB once)."""
    import resource
    import subprocess
    import sys

    def one_gib() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    code = ("from pathlib import Path\nfrom cta.federation.members import load_federation\n"
            "try:\n    load_federation(Path('/dev/zero'))\nexcept Exception as exc:\n"
            "    print(type(exc).__name__, exc)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, preexec_fn=one_gib, check=False)  # fmt: skip
    assert done.stdout.strip() == ("FederationFileError /dev/zero: it is over 1,048,576 bytes: "
                                   "not a federation file"), done.stdout + done.stderr
