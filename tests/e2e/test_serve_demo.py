"""``cta serve --demo``: the URLs it prints open, and the demo passport it names hits an alert.

The real command in a directory of its own (its database is ``var/demo-GEO.sqlite`` there), on
a free port; its output is read as a person reads it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from cta.policy.crossing_points import load_crossing_points
from tests.ports import free_port

CTA = Path(sys.executable).parent / "cta"


def test_the_demo_node_prints_urls_that_open_and_a_passport_an_alert_hits(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    process = subprocess.Popen(
        [str(CTA), "serve", "--demo", "--port", str(free_port())], cwd=tmp_path,
        env=env | {"PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        printed: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:
            printed.append(line)
            if "an alert hits this demo passport:" in line:
                break
        else:
            raise AssertionError("".join(printed))
        text = "".join(printed)
        urls = [u.rstrip("),") for u in re.findall(r"https?://\S+", text)]
        assert [u.rsplit("/", 1)[1] for u in urls] == ["", "docs"], urls
        token = re.search(r"border_officer +Authorization: Bearer (\S+)", text)
        assert token is not None, text
        mrz = printed[-1].split("passport:", 1)[1].split()
        point = next(p.code for p in load_crossing_points().of_state("GEO") if p.is_external)
        with httpx.Client(timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:  # the server starts after it printed
                try:
                    answer = client.get(urls[0])
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the demo node did not answer"
                    time.sleep(0.2)
            assert answer.status_code == 200 and "CTA node GEO" in answer.text
            assert client.get(urls[1]).status_code == 200
            check = client.post(
                urls[0] + "v1/checks",
                json={"mrz": mrz, "crossing_point": point, "direction": "entry"},
                headers={"Authorization": f"Bearer {token[1]}", "X-Purpose": "demo test"},
            )
        assert check.status_code == 200, check.text
        assert check.json()["alert_hits"][0]["alert_id"].startswith("GEO-DEMO-")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
