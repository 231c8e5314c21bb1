"""The CLI findings of session 14's hostile-input sweep (sweep-report.md, section 3), with the
real ``cta`` in a directory of its own and no ``CTA_*`` variable but those given:

- no command creates or migrates a database it was not asked to make, nor gives another
  program's database CTA's tables (CLI-A1, A2);
- bad input is one ``error:`` line, exit 2, never exit 3's "unexpected failure" (CLI-A3);
- ``cta users password --stdin`` reads a bounded line (CLI-A4);
- user names, federation files, endpoints and host names are checked (CLI-B1, B2, B3);
- ``--node`` and ``--database`` together are refused (CLI-C1).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cta.bootstrap import build_node
from cta.domain.roles import Role
from cta.settings import Settings

CTA = Path(sys.executable).parent / "cta"


def run(cwd: Path, *args: str, stdin: str | bytes = b"", timeout: float = 120,
        **env: str) -> subprocess.CompletedProcess[str]:  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")} | env
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    done = subprocess.run([str(CTA), *args], cwd=cwd, env=environment, input=data,
                          capture_output=True, timeout=timeout, check=False)  # fmt: skip
    out = subprocess.CompletedProcess(done.args, done.returncode,
                                      done.stdout.decode("utf-8", "replace"),
                                      done.stderr.decode("utf-8", "replace"))  # fmt: skip
    assert "Traceback" not in out.stderr, out.stderr
    return out


def one_error(done: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The one ``error:`` line of a refused command (exit ``code``, nothing on stdout)."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == code, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "unexpected failure" not in lines[0]
    assert done.stdout == ""
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Databases that are not a CTA node's: an empty file, another program's database, one
    with a ``persons`` table of its own, random bytes; and a file that is no folder."""
    made = {name: tmp_path / name for name in ("empty.sqlite", "foreign.sqlite",
                                               "other.sqlite", "random.bin", "afile")}  # fmt: skip
    made["empty.sqlite"].touch()
    made["afile"].touch()
    for name, table in (("foreign.sqlite", "t (x)"), ("other.sqlite", "persons (name TEXT)")):
        connection = sqlite3.connect(made[name])
        connection.execute(f"CREATE TABLE {table}")
        connection.commit()
        connection.close()
    made["random.bin"].write_bytes(os.urandom(8192))
    return made


def a_node(path: Path) -> str:
    """A CTA node database with an admin; its token."""
    node = build_node(Settings(state="GEO", database_url=sqlite_url(path)))  # type: ignore[arg-type]
    try:
        return node.add_user("admin.01", Role.ADMIN)
    finally:
        node.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def node_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One node database for the tests that are refused before they write anything."""
    path = tmp_path_factory.mktemp("node") / "node.sqlite"
    a_node(path)
    return path


def tables(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sorted(r[0] for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))  # fmt: skip
    finally:
        connection.close()


# -- CLI-A1: internal-checks never creates nor migrates a database ------------------------------


def test_internal_checks_list_never_creates_the_default_database(tmp_path: Path) -> None:
    line = one_error(run(tmp_path, "internal-checks", "list"))
    assert line.startswith("error: no node database at var/cta-node.sqlite; point the command")
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("command", [("import", "crossings"), ("alerts", "import")])
def test_the_imports_neither_create_nor_change_a_database_not_a_node_s(
    tmp_path: Path, files: dict[str, Path], command: tuple[str, ...]
) -> None:
    """``cta import crossings`` and ``cta alerts import`` built the serving node, which made
    a missing database and gave an empty or foreign one CTA's tables, before refusing the
    token."""
    lines = tmp_path / "lines.jsonl"
    lines.write_text('{"id": "T-1", "category": "arrest", "names": ["A B"]}\n', encoding="utf-8")
    before = {name: digest(path) for name, path in files.items()}
    for name in ("empty.sqlite", "foreign.sqlite"):
        done = run(tmp_path, *command, "--token", "x", str(lines),
                   CTA_DATABASE_URL=sqlite_url(files[name]))  # fmt: skip
        assert "is not a CTA node database" in one_error(done)
    missing = tmp_path / "nothere.sqlite"
    done = run(tmp_path, *command, "--token", "x", str(lines), CTA_DATABASE_URL=sqlite_url(missing))
    assert one_error(done).startswith(f"error: no node database at {missing}")
    assert not missing.exists()
    assert {name: digest(path) for name, path in files.items()} == before


@pytest.mark.parametrize("args", [("list", "--json"), ("end", "GEO-IC-1", "--token", "x"),
                                  ("declare", "GEO-SADAKHLO", "--from", "2030-01-01", "--to",
                                   "2030-01-05", "--ground", "g", "--token", "x")],
                         ids=["list", "end", "declare"])  # fmt: skip
def test_internal_checks_leave_a_database_not_a_node_s_as_it_is(
    tmp_path: Path, files: dict[str, Path], args: tuple[str, ...]
) -> None:
    before = {name: digest(path) for name, path in files.items()}
    for name, why in (("empty.sqlite", "is not a CTA node database (it has no CTA tables)"),
                      ("foreign.sqlite", "is not a CTA node database (it has no CTA tables)"),
                      ("random.bin", "file is not a database")):  # fmt: skip
        done = run(tmp_path, "internal-checks", *args,
                   CTA_DATABASE_URL=sqlite_url(files[name]))  # fmt: skip
        assert why in one_error(done)
    missing = tmp_path / "nothere.sqlite"
    line = one_error(run(tmp_path, "internal-checks", *args, CTA_DATABASE_URL=sqlite_url(missing)))
    assert line.startswith(f"error: no node database at {missing}")
    assert not missing.exists()
    assert {name: digest(path) for name, path in files.items()} == before


def test_internal_checks_work_on_a_node_database(tmp_path: Path) -> None:
    token = a_node(tmp_path / "node.sqlite")
    url = sqlite_url(tmp_path / "node.sqlite")
    listed = run(tmp_path, "internal-checks", "list", "--json", CTA_DATABASE_URL=url)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {"internal_checks": []}
    plain = run(tmp_path, "internal-checks", "list", CTA_DATABASE_URL=url)
    assert plain.returncode == 0 and plain.stdout.startswith("none: no member"), plain.stdout
    pointed = run(tmp_path, "internal-checks", "list", "--json", "--database", url)
    assert pointed.returncode == 0 and f"database {url}" in pointed.stderr
    unknown = run(tmp_path, "internal-checks", "end", "GEO-IC-99", "--token", token,
                  CTA_DATABASE_URL=url)  # fmt: skip
    assert unknown.returncode == 1 and "GEO-IC-99" in unknown.stderr  # the node refuses it


# -- CLI-A2: users add gives CTA's tables only to a new or empty database ----------------------


def test_users_add_without_init_leaves_an_empty_or_missing_database_alone(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    line = one_error(run(tmp_path, "users", "add", "y", "--role", "admin",
                         CTA_DATABASE_URL=sqlite_url(files["empty.sqlite"])))  # fmt: skip
    assert str(files["empty.sqlite"]) in line and "--init" in line
    assert files["empty.sqlite"].stat().st_size == 0  # not even made a SQLite file
    missing = tmp_path / "nothere.sqlite"
    line = one_error(run(tmp_path, "users", "add", "y", "--role", "admin",
                         CTA_DATABASE_URL=sqlite_url(missing)))  # fmt: skip
    assert str(missing) in line and "--init" in line
    assert not missing.exists()


@pytest.mark.parametrize("init", [False, True], ids=["plain", "init"])
def test_users_add_refuses_another_program_s_database(
    tmp_path: Path, files: dict[str, Path], init: bool
) -> None:
    for name, table in (("foreign.sqlite", "t"), ("other.sqlite", "persons")):
        before = digest(files[name])
        done = run(tmp_path, "users", "add", "y", "--role", "admin", *(["--init"] * init),
                   CTA_DATABASE_URL=sqlite_url(files[name]))  # fmt: skip
        line = one_error(done)
        assert f"{files[name]} is not a CTA node database: it holds other tables ({table})" in line
        assert digest(files[name]) == before and tables(files[name]) == [table]


def test_users_add_init_makes_a_node_of_an_empty_or_missing_file(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    for path in (files["empty.sqlite"], tmp_path / "new" / "folder" / "node.sqlite"):
        done = run(tmp_path, "users", "add", "first.admin", "--role", "admin", "--init",
                   "--json", CTA_DATABASE_URL=sqlite_url(path))  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["name"] == "first.admin"
        assert "users" in tables(path) and "alembic_version" in tables(path)


# -- CLI-A3: bad input is exit 2, one line --------------------------------------------------


def test_users_add_init_on_what_is_no_database_is_one_error_line(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    before = digest(files["random.bin"])
    line = one_error(run(tmp_path, "users", "add", "y", "--role", "admin", "--init",
                         CTA_DATABASE_URL=sqlite_url(files["random.bin"])))  # fmt: skip
    assert str(files["random.bin"]) in line and "file is not a database" in line
    assert digest(files["random.bin"]) == before
    under_a_file = files["afile"] / "x" / "node.sqlite"
    line = one_error(run(tmp_path, "users", "add", "y", "--role", "admin", "--init",
                         CTA_DATABASE_URL=sqlite_url(under_a_file)))  # fmt: skip
    assert line == f"error: cannot create the database {under_a_file}: Not a directory"
    line = one_error(run(tmp_path, "users", "add", "y", "--role", "admin", "--init",
                         CTA_DATABASE_URL="sqlite:////proc/version"))  # fmt: skip
    assert "/proc/version" in line and "unable to open database file" in line


def test_users_password_refuses_bytes_that_are_not_utf8(tmp_path: Path, node_db: Path) -> None:
    done = run(tmp_path, "users", "password", "admin.01", "--stdin",
               stdin=b"correct horse \xff\xfe battery\n",
               CTA_DATABASE_URL=sqlite_url(node_db))  # fmt: skip
    assert one_error(done) == "error: the password on standard input is not UTF-8 text"


def test_keys_init_into_a_file_or_an_unwritable_folder_is_one_error_line(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    line = one_error(run(tmp_path, "keys", "init", "--state", "GEO", "--dir", str(files["afile"])))
    assert line == f"error: --dir {files['afile']}: not a directory"
    line = one_error(run(tmp_path, "keys", "init", "--state", "GEO", "--dir", "/proc/self"))
    assert line.startswith("error: --dir /proc/self: cannot write the keys there (")


# -- CLI-A4: the password on standard input is a bounded line -------------------------------


def _at_most_1_gib() -> None:  # without the bound, reading /dev/zero ends in MemoryError
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_users_password_from_dev_zero_ends_at_once(tmp_path: Path, node_db: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    environment["CTA_DATABASE_URL"] = sqlite_url(node_db)
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run([str(CTA), "users", "password", "admin.01", "--stdin"],
                              stdin=zero, capture_output=True, text=True, cwd=tmp_path,
                              env=environment, timeout=60, check=False,
                              preexec_fn=_at_most_1_gib)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == ("error: the password on standard input is longer than 1024 "
                                   "bytes (a password has at most 200 characters)")  # fmt: skip


def test_users_password_reads_one_line_of_at_most_1024_bytes(tmp_path: Path) -> None:
    a_node(tmp_path / "node.sqlite")
    url = sqlite_url(tmp_path / "node.sqlite")
    long = run(tmp_path, "users", "password", "admin.01", "--stdin", stdin="p" * 2000 + "\n",
               CTA_DATABASE_URL=url)  # fmt: skip
    assert "longer than 1024 bytes" in one_error(long)
    done = run(tmp_path, "users", "password", "admin.01", "--stdin",
               stdin="a good long passphrase\nthe next line is not read\n",
               CTA_DATABASE_URL=url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "admin.01: password set"


# -- CLI-B1: one rule for user names -----------------------------------------------------


@pytest.mark.parametrize("name", ["", "a\tb", "evil\x1b[31m", "u" * 101, "u" * 5000, "a b",
                                  "x/y", "new\nline"],
                         ids=["empty", "tab", "ansi", "101", "5000", "blank", "slash",
                              "newline"])  # fmt: skip
def test_users_add_refuses_a_name_outside_the_rule(
    tmp_path: Path, node_db: Path, name: str
) -> None:
    done = run(tmp_path, "users", "add", name, "--role", "admin",
               CTA_DATABASE_URL=sqlite_url(node_db))  # fmt: skip
    line = one_error(done)
    assert "a name is 1-100 letters, digits, '.', '_', '@' or '-'" in line
    assert "\x1b" not in line and "\t" not in line and len(line) < 300
    connection = sqlite3.connect(node_db)
    try:
        assert [r[0] for r in connection.execute("SELECT name FROM users")] == ["admin.01"]
    finally:
        connection.close()


def test_users_add_takes_a_name_within_the_rule(tmp_path: Path) -> None:
    a_node(tmp_path / "node.sqlite")
    for name in ("officer.tbs_01", "n" * 100, "naïve@b-c"):
        done = run(tmp_path, "users", "add", name, "--role", "analyst", "--json",
                   CTA_DATABASE_URL=sqlite_url(tmp_path / "node.sqlite"))  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["name"] == name


# -- CLI-B2: federation status says what is wrong with the federation file -------------------


@pytest.mark.parametrize("kind", ["toml", "binary", "dev-zero", "directory", "missing",
                                  "not-a-federation", "another-node"])  # fmt: skip
def test_federation_status_refuses_a_broken_federation_file(
    tmp_path: Path, node_db: Path, kind: str
) -> None:
    path = {"dev-zero": Path("/dev/zero"), "directory": tmp_path}.get(kind, tmp_path / "fed.toml")
    if kind == "toml":
        path.write_text('node = "GEO"\n[[member]\nstate = "GEO"\n', encoding="utf-8")
    elif kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4096))
    elif kind == "not-a-federation":
        path.write_text('node = "GEO"\n', encoding="utf-8")
    elif kind == "another-node":
        keys = run(tmp_path, "keys", "init", "--state", "ARM", "--dir", str(tmp_path / "k"),
                   "--json")  # fmt: skip
        path.write_text('node = "ARM"\n' + json.loads(keys.stdout)["member_snippet"],
                        encoding="utf-8")  # fmt: skip
    done = run(tmp_path, "federation", "status", "--json", timeout=60,
               CTA_DATABASE_URL=sqlite_url(node_db),
               CTA_FEDERATION_FILE=str(path))  # fmt: skip
    line = one_error(done)
    assert line.startswith(f"error: {path}"), line
    expected = {"toml": f"{path}:2: not valid TOML", "binary": "line 1 is not UTF-8 text",
                "dev-zero": "/dev/zero line 1 is longer than 64 KiB",
                "directory": "cannot read the federation file (Is a directory)",
                "missing": "no such federation file",
                "not-a-federation": "no [[member]] table",
                "another-node": "is the federation file of node ARM, but this node is GEO"}
    assert expected[kind] in line


def test_federation_status_reads_a_good_federation_file(tmp_path: Path) -> None:
    a_node(tmp_path / "node.sqlite")
    keys = run(tmp_path, "keys", "init", "--state", "GEO", "--dir", str(tmp_path / "k"), "--json")
    path = tmp_path / "fed.toml"
    path.write_text('node = "GEO"\n' + json.loads(keys.stdout)["member_snippet"],
                    encoding="utf-8")  # fmt: skip
    done = run(tmp_path, "federation", "status", "--json",
               CTA_DATABASE_URL=sqlite_url(tmp_path / "node.sqlite"),
               CTA_FEDERATION_FILE=str(path))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["federation_file"] == str(path)


# -- CLI-B3: keys init checks the endpoint and host names ---------------------------------------


@pytest.mark.parametrize("args, code, why", [
    (("--endpoint", "https://exa mple.com"), 1, "has a blank or a control character"),
    (("--endpoint", "https://127.0.0.1:99999"), 1, "the port is not a number from 1 to 65535"),
    (("--endpoint", "https://127.0.0.1:0"), 1, "the port is not a number from 1 to 65535"),
    (("--endpoint", f"https://{'a' * 70}.example"), 1, "is not a DNS label"),
    (("--endpoint", "https://bad_host.example"), 1, "'bad_host' is not a DNS label"),
    (("--tls-host", "bad host!"), 2, "'bad host!' is not a DNS label"),
    (("--tls-host", "a" * 300), 2, "a host name has 1 to 253 characters, not 300"),
    (("--tls-host", f"{'a' * 64}.example"), 2, "is not a DNS label"),
    (("--tls-host", "-lead.example"), 2, "'-lead' is not a DNS label"),
    (("--tls-host", "10.0.0.256"), 2, "neither an IP address nor a DNS name"),
], ids=["blank", "port-99999", "port-0", "label-70", "underscore", "tls-blank", "tls-300",
        "tls-label-64", "tls-hyphen", "tls-bad-ip"])  # fmt: skip
def test_keys_init_refuses_an_endpoint_or_host_no_peer_can_use(
    tmp_path: Path, args: tuple[str, ...], code: int, why: str
) -> None:
    done = run(tmp_path, "keys", "init", "--state", "GEO", "--dir", str(tmp_path / "k"), *args)
    assert why in one_error(done, code)
    assert not (tmp_path / "k").exists()


def test_keys_init_refuses_an_empty_dir(tmp_path: Path) -> None:
    line = one_error(run(tmp_path, "keys", "init", "--state", "GEO", "--dir", ""))
    assert "--dir" in line and "give a directory" in line
    assert list(tmp_path.iterdir()) == []


def test_keys_init_takes_good_endpoints_and_hosts(tmp_path: Path) -> None:
    for n, (endpoint, host) in enumerate([("https://cta-geo.example:8090/", "node-1.internal"),
                                          ("https://[::1]:8090", "::1"),
                                          ("http://127.0.0.1:8090", "10.1.2.3")]):  # fmt: skip
        done = run(tmp_path, "keys", "init", "--state", "GEO", "--dir", str(tmp_path / str(n)),
                   "--endpoint", endpoint, "--tls-host", host)  # fmt: skip
        assert done.returncode == 0, done.stderr


# -- CLI-C1: --node or --database, not both --------------------------------------------------


@pytest.mark.parametrize("command", [("federation", "status"), ("mail", "status"), ("screen",),
                                     ("internal-checks", "list")],
                         ids=["federation", "mail", "screen", "internal-checks"])  # fmt: skip
def test_node_and_database_together_are_refused(
    tmp_path: Path, node_db: Path, command: tuple[str, ...]
) -> None:
    url = sqlite_url(node_db)
    done = run(tmp_path, *command, "--node", "GEO", "--area-dir", str(tmp_path), "--database",
               url, stdin="{}\n")  # fmt: skip
    assert one_error(done) == (f"error: --node GEO and --database {url}: give --node or "
                               "--database, not both")  # fmt: skip
