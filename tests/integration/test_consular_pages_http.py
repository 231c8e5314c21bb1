"""The consular console over real HTTP from a real ``cta serve``, on SQLite and PostgreSQL: a
consul signs in, opens the oldest application of the queue, sees its reasons, claims and
grants it (a visa: its sticker with the MRZ), refuses another (the Annex VI form), sees bad
input named, and answers a consultation another member asked."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from cta.adapters.storage.store import SqlStore
from cta.bootstrap import build_node
from cta.domain.roles import Role
from cta.settings import Settings
from tests.integration.node_server import BOTH_DATABASES, NodeServer, add_user, module_database
from tests.integration.test_applications_api import NO, form, visa_form
from tests.integration.web_client import csrf_token, signed_in


@dataclass
class Console:
    server: NodeServer
    database_url: str
    consul: str  # a consular officer's token
    officer: str  # a border officer's token
    auditor: str = ""


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def console(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:  # fmt: skip
    workdir = tmp_path_factory.mktemp(f"consular-{request.param}")
    with module_database(request, workdir) as url:
        consul = add_user(url, "consul.web", Role.CONSULAR_OFFICER)
        officer = add_user(url, "officer.web", Role.BORDER_OFFICER)
        auditor = add_user(url, "auditor.web", Role.AUDITOR)
        with NodeServer(url, workdir, env={"CTA_APPLICATIONS_PER_MINUTE": "1000"}) as server:
            yield Console(server, url, consul, officer, auditor)


def submit(console: Console, body: dict[str, Any]) -> str:
    with console.server.client(purpose=None) as client:
        answer = client.post("/v1/applications", json=body,
                             headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "manual"
    return str(answer.json()["number"])


def act(client: httpx.Client, number: str, action: str, **fields: str) -> httpx.Response:
    page = client.get(f"/consular/applications/{number}")
    assert page.status_code == 200, page.text[-2000:]
    return client.post(f"/consular/applications/{number}/{action}",
                       data={"csrf_token": csrf_token(page), **fields})  # fmt: skip


def queue_numbers(page: httpx.Response) -> list[str]:
    return re.findall(r'<tr(?: class="overdue")? data-number="([^"]+)"', page.text)


def test_a_consul_only_and_signed_in(console: Console) -> None:
    with console.server.client(purpose=None) as client:
        away = client.get("/consular/consultations")
        assert away.status_code == 303
        assert away.headers["location"] == "/sign-in?next=%2Fconsular%2Fconsultations"
    with signed_in(console.server, console.officer, "/consular") as client:
        refused = client.get("/consular")
        assert refused.status_code == 403 and 'id="refusal"' in refused.text
        assert client.get("/consular/applications/GEO-000000000000").status_code == 403


def test_the_oldest_application_is_opened_its_reasons_seen_and_a_visa_granted(
    console: Console,
) -> None:
    first = submit(console, visa_form())  # a visa always waits for a consul
    second = submit(console, form(answers=NO | {"conflict_zones": True}))
    with signed_in(console.server, console.consul, "/consular") as client:
        queue = client.get("/consular")
        assert queue.status_code == 200
        numbers = queue_numbers(queue)
        assert numbers.index(first) < numbers.index(second)  # the oldest deadline first
        assert re.search(r'id="figure-waiting">\d+<', queue.text)
        assert "3 days 23 hours left" in queue.text  # 96 hours from its submission, just now
        opened = client.get(f"/consular/applications/{second}")
        assert opened.status_code == 200
        assert '<tr class="review-reason"><td><code>answer</code>' in opened.text
        assert "conflict zone" in opened.text
        unclaimed = act(client, first, "grant", **{"territory-GEO": "on"})
        assert unclaimed.status_code == 409 and 'href="#grant-form"' in unclaimed.text
        assert "claim it first" in unclaimed.text
        claimed = act(client, first, "claim")
        assert claimed.status_code == 303
        page = client.get(claimed.headers["location"])
        assert 'id="claimed-by">consul.web<' in page.text and 'id="grant-form"' in page.text
        none_chosen = act(client, first, "grant", valid_from="not a date")
        assert none_chosen.status_code == 422
        assert 'href="#valid_from"' in none_chosen.text
        assert 'href="#territory-ARM"' in none_chosen.text
        granted = act(client, first, "grant", **{f"territory-{m}": "on" for m in ("ARM", "AZE",
                                                                                  "GEO")})
        assert granted.status_code == 303, granted.text[-3000:]
        page = client.get(granted.headers["location"])
        assert 'id="status">granted<' in page.text and 'id="sticker-link"' in page.text
        number = re.search(r'id="visa-number">([^<]+)<', page.text)
        assert number is not None and number.group(1).startswith("GEO")
        sticker = client.get(f"/consular/applications/{first}/sticker")
        assert sticker.status_code == 200
        mrz = re.search(r'<pre class="mrz" id="sticker-mrz"[^>]*>(.*?)</pre>', sticker.text,
                        re.DOTALL)  # fmt: skip
        assert mrz is not None
        lines = html.unescape(mrz.group(1)).split("\n")
        assert [len(line) for line in lines] == [44, 44] and lines[0].startswith("V<GEO")
        assert lines[1].startswith(number.group(1))
        assert 'id="sticker-entries">1<' in sticker.text
        assert 'id="sticker-duration">15 days<' in sticker.text
        assert client.get(f"/consular/applications/{second}/sticker").status_code == 404


def test_a_validity_that_ends_before_it_starts_is_named_beside_its_field(
    console: Console,
) -> None:
    """The node's own English ("valid_to is before valid_from") stood in the error summary of
    an Armenian page, beside no field."""
    number = submit(console, visa_form())
    with signed_in(console.server, console.consul, "/consular") as client:
        assert act(client, number, "claim").status_code == 303
        client.get(f"/consular/applications/{number}?lang=hy")
        wrong = act(client, number, "grant", valid_from="2027-01-20", valid_to="2027-01-10",
                    **{"territory-GEO": "on"})  # fmt: skip
    assert wrong.status_code == 422 and 'href="#valid_to"' in wrong.text
    assert 'id="valid_to-error"' in wrong.text and "valid_to is before" not in wrong.text
    assert "Վավերականության վերջին օրը չի կարող լինել առաջին օրից առաջ" in wrong.text
    assert 'value="2027-01-20"' in wrong.text and 'value="2027-01-10"' in wrong.text


def test_the_form_s_answers_are_in_the_page_s_words_not_field_names(console: Console) -> None:
    """The answers were listed by their API names, with Python's True and False."""
    number = submit(console, visa_form())
    with signed_in(console.server, console.consul, "/consular") as client:
        english = client.get(f"/consular/applications/{number}").text
        russian = client.get(f"/consular/applications/{number}?lang=ru").text
    answers = re.search(r'<dl class="summary" id="form-answers">(.*?)</dl>', english, re.DOTALL)
    assert answers is not None
    assert "<dt>Travel medical insurance</dt><dd>Yes</dd>" in answers.group(1)
    assert "<dt>Convictions in the last 10 years</dt><dd>No</dd>" in answers.group(1)
    assert "<dt>First member state of entry</dt><dd>Georgia</dd>" in answers.group(1)
    assert "True" not in answers.group(1) and "False" not in answers.group(1)
    assert "<code>" not in answers.group(1)
    assert "<dt>Медицинская страховка для поездки</dt><dd>Да</dd>" in russian


def test_another_is_refused_with_its_grounds_and_the_annex_vi_form(console: Console) -> None:
    number = submit(console, visa_form("IRQ"))
    with signed_in(console.server, console.consul, "/consular") as client:
        assert act(client, number, "claim").status_code == 303
        nothing = act(client, number, "refuse")
        assert nothing.status_code == 422
        assert 'href="#ground-invalid_document"' in nothing.text
        refused = act(client, number, "refuse", **{"ground-no_insurance": "on",
                                                   "ground-doubts": "on"})
        assert refused.status_code == 303
        page = client.get(refused.headers["location"])
        assert 'id="status">refused<' in page.text and 'id="appeal-form"' in page.text
        form_ = client.get(f"/consular/applications/{number}/refusal")
        assert form_.status_code == 200
        chosen = re.findall(r'<li class="ground--chosen">', form_.text)
        assert len(chosen) == 2 and "No adequate and valid travel medical insurance" in form_.text
        ru = client.get(f"/consular/applications/{number}/refusal?lang=ru")
        assert "Отказ в выдаче визы" in ru.text
        assert client.get("/consular?lang=en").status_code == 200  # English again
        appealed = act(client, number, "appeal", appeal_grounds="the insurance was valid")
        assert appealed.status_code == 303
        allowed = act(client, number, "appeal-outcome", appeal_outcome="allowed")
        assert allowed.status_code == 303
        back = client.get(allowed.headers["location"])
        assert 'id="status">waiting for an officer<' in back.text
        assert "appeal allowed" in back.text


def test_questions_an_interview_a_consultation_and_a_revocation(console: Console) -> None:
    number = submit(console, form(answers=NO | {"conflict_zones": True}))
    with signed_in(console.server, console.consul, "/consular") as client:
        assert act(client, number, "claim").status_code == 303
        bad = act(client, number, "interview", interview_at="next tuesday", place="")
        assert bad.status_code == 422
        assert 'href="#interview_at"' in bad.text and 'href="#place"' in bad.text
        assert 'value="next tuesday"' in bad.text  # what was typed is kept
        invited = act(client, number, "interview", interview_at="2030-03-27 10:30",
                      place="Consulate of Georgia, Baku")  # fmt: skip
        assert invited.status_code == 303
        consulted = act(client, number, "consult", consult_state="ARM",
                        question="Does ARM object?")  # fmt: skip
        assert consulted.status_code == 303
        page = client.get(consulted.headers["location"])
        assert "Does ARM object?" in page.text and "invited to an interview" in page.text
        assert act(client, number, "consult", consult_state="GEO",
                   question="Ourselves?").status_code == 422  # fmt: skip
        asked = act(client, number, "information", questions="Send your hotel booking.")
        assert asked.status_code == 303
        page = client.get(asked.headers["location"])
        assert 'id="status">information requested<' in page.text
        assert "Send your hotel booking." in page.text
        assert 'id="grant-form"' in page.text and 'id="information-form"' not in page.text
        granted = act(client, number, "grant", **{"territory-GEO": "on"})
        assert granted.status_code == 303, granted.text[-2000:]
        page = client.get(granted.headers["location"])
        assert "Valid only in" in page.text and 'id="end-form"' in page.text
        no_reason = act(client, number, "end", end_outcome="revoked")
        assert no_reason.status_code == 422 and 'href="#end_reasons"' in no_reason.text
        revoked = act(client, number, "end", end_outcome="revoked",
                      end_reasons="the conditions are no longer met")  # fmt: skip
        assert revoked.status_code == 303
        assert 'id="status">revoked<' in client.get(revoked.headers["location"]).text


def audit_of(console: Console) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    with console.server.client(console.auditor, "audit") as client:
        after: int | None = 0
        while after is not None:
            page = client.get("/v1/audit", params={"after": after, "limit": 1000}).json()
            items += page["items"]
            after = page["next_after"]
    return items


def test_every_page_reads_as_the_signed_in_consul_with_its_purpose(console: Console) -> None:
    number = submit(console, form(answers=NO | {"conflict_zones": True}))
    with signed_in(console.server, console.consul, "/consular") as client:
        assert client.get("/consular").status_code == 200
        assert client.get(f"/consular/applications/{number}").status_code == 200
        assert act(client, number, "claim").status_code == 303
    found = [(e["user_name"], e["action"], e["purpose"]) for e in audit_of(console)
             if (e.get("detail") or {}).get("number") == number]  # fmt: skip
    assert ("consul.web", "read application file", "consular examination") in found
    assert ("consul.web", "claim application", "consular examination") in found
    listed = [e for e in audit_of(console) if e["action"] == "list application queue"]
    assert listed and listed[-1]["user_name"] == "consul.web"


def test_a_form_without_its_token_is_refused_and_nothing_changes(console: Console) -> None:
    number = submit(console, form(answers=NO | {"convictions": True}))
    with signed_in(console.server, console.consul, "/consular") as client:
        forged = client.post(f"/consular/applications/{number}/claim",
                             data={"csrf_token": "forged"})  # fmt: skip
        assert forged.status_code == 403
        page = client.get(f"/consular/applications/{number}")
        assert 'id="claimed-by">–<' in page.text
        assert client.get("/consular/applications/GEO-NOSUCHNUMBER").status_code == 404
        assert act(client, number, "no-such-step").status_code == 404


def _asked_of_us(console: Console, ref: str, hours_left: int) -> None:
    """A consultation ARM asked of this node, filed as the federation files one."""
    node = build_node(Settings(database_url=console.database_url, state="GEO"))
    asked = datetime.now(UTC) - timedelta(hours=1)
    try:
        with node.store.transaction() as tx:
            tx.add_consultation(
                ref=ref, application=f"ARM-{ref[-4:]}", kind="visa", asking_state="ARM",
                consulted_state="GEO", question="GEO's alert hit: does GEO object?",
                grounds=[{"code": "alert_hit", "message": "GEO-SIS-3, refuse entry"}],
                applicant={"surname": "IVANOV", "nationality": "RUS",
                           "document": {"issuing_state": "RUS", "number": "720000001"}},
                asked_at=asked, due_at=asked + timedelta(hours=hours_left), person_id=None,
                asked_by=None, origin="ARM", record_seq=int(ref[-4:]))  # fmt: skip
    finally:
        assert isinstance(node.store, SqlStore)
        node.store.engine.dispose()


def test_a_consultation_asked_of_us_is_answered(console: Console) -> None:
    _asked_of_us(console, "ARM-C-9001", 50)
    _asked_of_us(console, "ARM-C-9002", 20)
    with signed_in(console.server, console.consul, "/consular") as client:
        page = client.get("/consular/consultations")
        assert page.status_code == 200
        refs = re.findall(r'<section class="consultation" id="consultation-([^"]+)"', page.text)
        assert refs.index("ARM-C-9002") < refs.index("ARM-C-9001")  # the earliest due first
        token = csrf_token(page)
        bare = client.post("/consular/consultations/ARM-C-9001/answer",
                           data={"csrf_token": token, "opinion": "negative"})  # fmt: skip
        assert bare.status_code == 422 and 'href="#reasons-ARM-C-9001"' in bare.text
        sent = client.post("/consular/consultations/ARM-C-9001/answer",
                           data={"csrf_token": token, "opinion": "negative",
                                 "reasons": "a refuse-entry alert"})  # fmt: skip
        assert sent.status_code == 303
        after = client.get("/consular/consultations")
        assert "negative: objects: a refuse-entry alert" in after.text
        again = client.post("/consular/consultations/ARM-C-9001/answer",
                            data={"csrf_token": token, "opinion": "positive"})  # fmt: skip
        assert again.status_code == 422 and "answered already" in again.text


@pytest.mark.parametrize("lang", ["az", "hy", "ka", "ru"])
def test_the_pages_are_in_each_language(console: Console, lang: str) -> None:
    number = submit(console, form(answers=NO | {"removal_orders": True}))
    with signed_in(console.server, console.consul, "/consular") as client:
        for path in ("/consular", f"/consular/applications/{number}", "/consular/consultations"):
            page = client.get(f"{path}?lang={lang}")
            assert page.status_code == 200, path
            assert f'<html lang="{lang}">' in page.text
            english = ("Applications waiting", "What to do", "Consultations asked of us")
            assert not any(f">{words}<" in page.text for words in english), (path, lang)


def test_times_and_dates_out_of_the_calendar_and_control_characters_change_nothing(
    console: Console,
) -> None:
    number = submit(console, visa_form())
    with signed_in(console.server, console.consul, "/consular") as client:
        assert act(client, number, "claim").status_code == 303
        # converting these to UTC leaves Python's calendar (years 1 to 9999)
        for at in ("0001-01-01T00:00+14:00", "9999-12-31T23:59-01:00", "3000-01-01 10:00"):
            late = act(client, number, "interview", interview_at=at, place="Consulate")
            assert late.status_code == 422, (at, late.text[-500:])
            assert 'href="#interview_at"' in late.text and "date and time" in late.text
        far = act(client, number, "grant", valid_from="9999-12-30", valid_to="9999-12-31",
                  **{"territory-GEO": "on"})  # fmt: skip
        assert far.status_code == 422, far.text[-500:]
        assert 'href="#valid_from"' in far.text and 'href="#valid_to"' in far.text
        assert "between the years 1900 and 2999" in far.text
        for action, field in (("information", "questions"), ("appeal", "appeal_grounds")):
            nul = act(client, number, action, **{field: "Send\x00 it."})
            assert nul.status_code == 422 and f'href="#{field}"' in nul.text, action
            assert "control characters" in nul.text
        page = client.get(f"/consular/applications/{number}")
        assert "invited to an interview" not in page.text
        assert 'id="status">information requested<' not in page.text
        assert 'id="status">granted<' not in page.text and 'id="sticker-link"' not in page.text


def test_a_nul_in_an_application_number_or_a_user_name_is_a_4xx_page(console: Console) -> None:
    # PostgreSQL cannot even look up a text holding NUL: these reached the database and failed
    with console.server.client(purpose=None) as client:
        form = client.get("/sign-in")
        wrong = client.post("/sign-in", data={"csrf_token": csrf_token(form), "method": "password",
                                              "name": "consul\x00web", "password": "x"})
        assert wrong.status_code == 400 and 'href="#name"' in wrong.text
    with signed_in(console.server, console.consul, "/consular") as client:
        token = csrf_token(client.get("/consular"))
        for path in ("", "/refusal", "/sticker"):
            assert client.get(f"/consular/applications/GEO-%00{path}").status_code == 404, path
        claim = client.post("/consular/applications/GEO-%00/claim", data={"csrf_token": token})
        assert claim.status_code == 404
        answer = client.post("/consular/consultations/ARM-%00/answer",
                             data={"csrf_token": token, "opinion": "positive"})  # fmt: skip
        assert answer.status_code == 422


def test_review_reasons_and_history_read_in_the_page_s_language_and_the_api_keeps_english(
    console: Console,
) -> None:
    """A Georgian and a Russian file word the review reason and who took the automatic
    steps; the API's file keeps the code and the English message."""
    number = submit(console, form(answers=NO | {"conflict_zones": True}))
    said = "answered yes: a stay in a war or conflict zone in the last 10 years"
    with signed_in(console.server, console.consul, "/consular") as client:
        ka = client.get(f"/consular/applications/{number}?lang=ka").text
        ru = client.get(f"/consular/applications/{number}?lang=ru").text
    for page, reason, applicant, automatic in (
        (ka, "უპასუხა „დიახ“: ომის ან კონფლიქტის ზონაში ყოფნა ბოლო 10 წლის განმავლობაში",
         "განმცხადებელი", "ავტომატური დამუშავება"),
        (ru, "ответ «да»: пребывание в зоне войны или конфликта за последние 10 лет",
         "заявитель", "автоматическая обработка"),
    ):
        review = re.search(r'<table class="table" id="review".*?</table>', page, re.S)
        history = re.search(r'<ol class="history" id="history">(.*?)</ol>', page, re.S)
        assert review is not None and history is not None
        assert f"<td><code>answer</code></td><td>{reason}</td>" in review.group(0)
        assert "answered yes" not in review.group(0) and 'lang="en"' not in review.group(0)
        assert f"– {applicant}: " in history.group(1)
        assert f"– {automatic}: " in history.group(1)
        assert "applicant:" not in history.group(1) and "automatic processing" not in page
    with console.server.client(console.consul, "consular examination") as api:
        file = api.get(f"/v1/applications/{number}/file").json()
    assert file["review"] == [{"code": "answer", "message": said}]
    assert [step["by"] for step in file["history"][:2]] == ["applicant", "automatic processing"]
