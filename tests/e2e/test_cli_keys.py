"""``cta keys init``: the real command writes a key pair and a TLS certificate, prints the
member entry with the certificate's pin, and never overwrites a key by accident."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from cryptography import x509

from cta.federation.keys import load_private_key, load_public_key, public_key_text
from cta.federation.members import parse_federation
from cta.federation.tls import load_certificate_fingerprint

from .conftest import CTA, Runner


def test_keys_init_writes_a_key_pair_and_prints_a_member_entry(
    cta: Runner, tmp_path: Path
) -> None:
    ran = cta("keys", "init", "--state", "ARM", "--dir", str(tmp_path / "keys"),
              "--endpoint", "https://cta.arm.example/")  # fmt: skip
    assert ran.code == 0, ran.stderr
    private, public = tmp_path / "keys" / "ARM.key", tmp_path / "keys" / "ARM.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    key = public_key_text(load_private_key(private))
    assert public_key_text(load_public_key(public)) == key
    assert f"public key: {key}" in ran.stdout
    snippet = ran.stdout[ran.stdout.index("[[member]]") :]
    fed = parse_federation('node = "ARM"\n' + snippet)
    assert fed.members[0].public_key_text == key
    assert fed.endpoint("ARM") == "https://cta.arm.example"
    tls_key, crt = tmp_path / "keys" / "ARM.tls.key", tmp_path / "keys" / "ARM.tls.crt"
    assert stat.S_IMODE(tls_key.stat().st_mode) == 0o600
    pin = load_certificate_fingerprint(crt)
    assert fed.tls_pin("ARM") == pin and f"TLS certificate SHA-256: {pin}" in ran.stdout
    names = x509.load_pem_x509_certificate(crt.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)  # fmt: skip
    assert names == ["cta.arm.example", "localhost"]


def test_keys_init_takes_more_tls_host_names(cta: Runner, tmp_path: Path) -> None:
    ran = cta("keys", "init", "--state", "GEO", "--dir", str(tmp_path), "--json",
              "--tls-host", "cta-geo.internal", "--tls-host", "10.1.2.3")  # fmt: skip
    assert ran.code == 0, ran.stderr
    crt = x509.load_pem_x509_certificate((tmp_path / "GEO.tls.crt").read_bytes())
    names = crt.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["cta-geo.internal", "localhost"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1",
                                                                          "10.1.2.3"]  # fmt: skip


def test_keys_init_refuses_to_overwrite_without_force(cta: Runner, tmp_path: Path) -> None:
    assert cta("keys", "init", "--state", "GEO", "--dir", str(tmp_path)).code == 0
    before = (tmp_path / "GEO.key").read_bytes()
    again = cta("keys", "init", "--state", "GEO", "--dir", str(tmp_path))
    assert again.code == 1
    assert again.stderr.startswith("error: ") and "--force" in again.stderr
    assert (tmp_path / "GEO.key").read_bytes() == before
    kept = tmp_path / "kept"
    kept.mkdir()
    for name in ("GEO.key", "GEO.pub"):  # the TLS files alone stop it too
        (tmp_path / name).rename(kept / name)
    tls_only = cta("keys", "init", "--state", "GEO", "--dir", str(tmp_path))
    assert tls_only.code == 1 and "GEO.tls.key exists" in tls_only.stderr
    assert not (tmp_path / "GEO.key").exists()
    for name in ("GEO.key", "GEO.pub"):
        (kept / name).rename(tmp_path / name)
    certificate = (tmp_path / "GEO.tls.crt").read_bytes()
    forced = cta("keys", "init", "--state", "GEO", "--dir", str(tmp_path), "--force")
    assert forced.code == 0 and (tmp_path / "GEO.key").read_bytes() != before
    assert (tmp_path / "GEO.tls.crt").read_bytes() != certificate


def test_keys_init_json_and_the_state_from_the_environment(cta: Runner, tmp_path: Path) -> None:
    ran = cta("keys", "init", "--json", "--state", "aze", "--dir", str(tmp_path))
    assert ran.code == 0
    [out] = ran.json_lines()
    assert set(out) == {"state", "private_key_file", "public_key_file", "public_key",
                        "tls_key_file", "tls_certificate_file", "tls_certificate_sha256",
                        "member_snippet"}  # fmt: skip
    assert f'tls_certificate_sha256 = "{out["tls_certificate_sha256"]}"' in out["member_snippet"]
    assert out["state"] == "AZE" and Path(out["private_key_file"]).name == "AZE.key"
    assert out["public_key"] in out["member_snippet"]
    json.dumps(out)


def test_keys_init_without_state_uses_cta_state(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")} | {"CTA_STATE": "ARM"}
    done = subprocess.run([str(CTA), "keys", "init", "--dir", str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ARM.key").exists()


def test_keys_init_refuses_an_unknown_state_and_a_bad_endpoint(
    cta: Runner, tmp_path: Path
) -> None:
    bad_state = cta("keys", "init", "--state", "TUR", "--dir", str(tmp_path))
    assert bad_state.code == 2 and "AZE, ARM or GEO" in bad_state.stderr
    bad_endpoint = cta("keys", "init", "--state", "GEO", "--dir", str(tmp_path),
                       "--endpoint", "ftp://x")  # fmt: skip
    assert bad_endpoint.code == 1 and "endpoint" in bad_endpoint.stderr
    assert not any(tmp_path.iterdir())
