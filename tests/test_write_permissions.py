"""Who may change what, through every path (web, API, service), for every role of the
``tree``: a writer changes the record, a reader is told "You may only read these records."
(403) and nothing changes, anyone else gets exactly the 404 of a record that does not exist.
The services decide (``Scope.require_write``); pages and endpoints only pass the answer on.

Directory: organisations and people of the kanoon. Rotating funds: dues, reversals, draws
and transfers of a fund of the kanoon (a member holding a code reads it). The evaluation
cycle: evidence of a hamlet's assessment.
"""

import jdatetime
import pytest
from django.utils import timezone
from test_evaluation_cycle import PDF, media, register  # noqa: F401 — the cycle's fixtures
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture
from test_rotating import EVERYTHING, make_fund

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.core.scoping import NotFound, ReadOnly
from edupact.directory import services as directory
from edupact.directory.models import Organisation, Person
from edupact.evaluation import cycle
from edupact.evaluation.models import EvidenceFile
from edupact.rotating import services as rotating
from edupact.rotating.models import Draw, DuePayment, Share

READ_ONLY = {
    "en": "You may only read these records.",
    "fa": "شما فقط می‌توانید این سوابق را ببینید.",
}
NOT_THERE = {
    "en": "This page does not exist, or it is not yours to see.",
    "fa": "این صفحه وجود ندارد یا دیدن آن در دسترس شما نیست.",
}
MISSING = 999_999

# The kanoon's records, by role: who changes them, who only reads them; the rest find nothing.
WRITERS = {Role.PLATFORM_ADMIN, Role.SECRETARIAT, Role.KANOON_LEADER}
KANOON_READERS = {Role.SOCIAL_BANKER}  # the organisation and its people
FUND_READERS = {Role.SOCIAL_BANKER, Role.MEMBER}  # a member reads the fund she holds codes of


def answer(role, readers, done: int) -> int:
    return done if role in WRITERS else 403 if role in readers else 404


def refusal(role, readers):
    return None if role in WRITERS else ReadOnly if role in readers else NotFound


def assert_web_refusal(response, expected: int, missing, language: str = "en") -> None:
    assert response.status_code == expected
    page = response.content.decode()
    if expected == 403:
        assert READ_ONLY[language] in page
    if expected == 404:  # the page of a record that does not exist
        assert missing.status_code == 404
        assert NOT_THERE[language] in page and NOT_THERE[language] in missing.content.decode()
        assert READ_ONLY[language] not in page


def assert_api_refusal(response, expected: int, missing) -> None:
    assert response.status_code == expected
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    if expected == 403:
        assert body["detail"] == READ_ONLY["fa"]  # the caller's language (Persian by default)
    if expected == 404:  # identical to a record that does not exist
        assert missing.status_code == 404
        unlike = {"instance"}
        assert {k: v for k, v in body.items() if k not in unlike} == {
            k: v for k, v in missing.json().items() if k not in unlike
        }


ROLES = list(Role)


# Directory -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_changing_an_organisation_on_the_web(tree, client_as, role):
    client = client_as(tree.users[role], "en")
    expected = answer(role, KANOON_READERS, 302)
    form = {
        "name": "کانون نو",
        "kind": Organisation.Kind.KANOON,
        "parent": tree.secretariat.pk,
        "country": "IR",
        "language": "fa",
        "calendar": "jalali",
        "currency": "IRR",
        "time_zone": "Asia/Tehran",
    }
    response = client.post(f"/directory/organisations/{tree.kanoon.pk}/edit/", form)
    missing = client.post(f"/directory/organisations/{MISSING}/edit/", form)
    if expected == 302:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Organisation.objects.get(pk=tree.kanoon.pk).name == "کانون نو"
    else:
        assert_web_refusal(response, expected, missing)
        assert Organisation.objects.get(pk=tree.kanoon.pk).name == tree.kanoon.name


@pytest.mark.parametrize("role", ROLES)
def test_creating_an_organisation_through_the_api(tree, api_client, role):
    client = api_client(tree.users[role])
    body = {"name": "کانون تازه", "kind": "kanoon", "country": "IR"}
    response = client.post(
        "/api/v1/organisations", {**body, "parent_id": tree.kanoon.pk}, "application/json"
    )
    missing = client.post(
        "/api/v1/organisations", {**body, "parent_id": MISSING}, "application/json"
    )
    expected = answer(role, KANOON_READERS, 201)
    if expected == 201:
        assert response.status_code == 201
        assert Organisation.objects.get(name="کانون تازه").parent_id == tree.kanoon.pk
    else:
        assert_api_refusal(response, expected, missing)
        assert not Organisation.objects.filter(name="کانون تازه").exists()


@pytest.mark.parametrize("role", ROLES)
def test_changing_a_person_through_the_service(tree, role):
    person = Person.objects.select_related("home_organisation").get(pk=tree.other_member.pk)
    person.email = "changed@example.org"
    expected = refusal(role, KANOON_READERS)
    if expected is None:
        directory.save_person(scope_for(tree.users[role]), person)
        assert Person.objects.get(pk=person.pk).email == "changed@example.org"
    else:
        with pytest.raises(expected):
            directory.save_person(scope_for(tree.users[role]), person)
        assert Person.objects.get(pk=person.pk).email == tree.other_member.email


@pytest.mark.parametrize("role", ROLES)
def test_changing_an_organisation_through_the_service(tree, role):
    kanoon = Organisation.objects.get(pk=tree.kanoon.pk)
    kanoon.email = "kanoon@example.org"
    expected = refusal(role, KANOON_READERS)
    if expected is None:
        directory.save_organisation(scope_for(tree.users[role]), kanoon)
        assert Organisation.objects.get(pk=kanoon.pk).email == "kanoon@example.org"
    else:
        with pytest.raises(expected):
            directory.save_organisation(scope_for(tree.users[role]), kanoon)
        assert Organisation.objects.get(pk=kanoon.pk).email == tree.kanoon.email


# Rotating funds --------------------------------------------------------------------------------


@pytest.fixture
def fund(tree):
    """Two codes of the kanoon from Farvardin 1402: Zahra (#1), Ebrahimi (#2); one payment."""
    f = make_fund(tree.kanoon, codes=2, due=2_000_000)
    c = {code.number: code for code in f.codes.all()}
    rotating.assign_code(EVERYTHING, c[1], [(tree.member, 12)])
    rotating.assign_code(EVERYTHING, c[2], [(tree.other_member, 12)])
    f.c = c
    f.payment = rotating.record_due(
        EVERYTHING, c[1], 1, 1_000_000, jdatetime.date(1402, 1, 5).togregorian()
    )
    return f


def _paid() -> int:
    return DuePayment.objects.count()


@pytest.mark.parametrize("role", ROLES)
def test_recording_dues_on_the_web(tree, fund, client_as, role):
    client = client_as(tree.users[role], "fa")
    form = {"code": 2, "month": 1, "amount": "2000000", "paid_on": "1402/01/05"}
    response = client.post(f"/rotating/{fund.pk}/dues/", form)
    expected = answer(role, FUND_READERS, 302)
    if expected == 302:
        assert response.status_code == 302
        assert _paid() == 2
    else:
        missing = client.post(f"/rotating/{MISSING}/dues/", form)
        assert_web_refusal(response, expected, missing, "fa")
        assert client.get(f"/rotating/{fund.pk}/dues/").status_code == expected  # no form
        assert _paid() == 1


@pytest.mark.parametrize("role", ROLES)
def test_recording_dues_through_the_api(tree, fund, api_client, role):
    client = api_client(tree.users[role])
    body = {"code": 2, "month": 1, "amount": 2_000_000, "paid_on": "2023-03-25"}
    response = client.post(f"/api/v1/rotating/{fund.pk}/dues", body, "application/json")
    expected = answer(role, FUND_READERS, 201)
    if expected == 201:
        assert response.status_code == 201
        assert _paid() == 2
    else:
        missing = client.post(f"/api/v1/rotating/{MISSING}/dues", body, "application/json")
        assert_api_refusal(response, expected, missing)
        assert _paid() == 1


@pytest.mark.parametrize("role", ROLES)
def test_recording_dues_through_the_service(tree, fund, role):
    scope = scope_for(tree.users[role])
    on = jdatetime.date(1402, 1, 5).togregorian()
    expected = refusal(role, FUND_READERS)
    if expected is None:
        rotating.record_due(scope, fund.c[2], 1, 2_000_000, on)
        assert _paid() == 2
    else:
        with pytest.raises(expected):
            rotating.record_due(scope, fund.c[2], 1, 2_000_000, on)
        assert _paid() == 1


@pytest.mark.parametrize("role", ROLES)
def test_reversing_a_payment_on_the_web_api_and_service(tree, fund, client_as, api_client, role):
    today = timezone.localdate()
    web = client_as(tree.users[role], "fa")
    form = {"on": jdatetime.date.fromgregorian(date=today).strftime("%Y/%m/%d"), "reason": "x"}
    response = web.post(f"/rotating/payments/{fund.payment.pk}/reverse/", form)
    expected = answer(role, FUND_READERS, 302)
    if expected == 302:
        assert response.status_code == 302
        assert DuePayment.objects.filter(reverses=fund.payment).count() == 1
        return
    missing = web.post(f"/rotating/payments/{MISSING}/reverse/", form)
    assert_web_refusal(response, expected, missing, "fa")
    api = api_client(tree.users[role])
    url = f"/api/v1/rotating/{fund.pk}/dues/{fund.payment.pk}/reversal"
    body = {"reason": "wrong code"}
    missing = api.post(
        f"/api/v1/rotating/{fund.pk}/dues/{MISSING}/reversal", body, "application/json"
    )
    if expected == 404:  # the fund itself is not there for them
        missing = api.post(
            f"/api/v1/rotating/{MISSING}/dues/{MISSING}/reversal", body, "application/json"
        )
    assert_api_refusal(api.post(url, body, "application/json"), expected, missing)
    with pytest.raises(refusal(role, FUND_READERS)):
        rotating.reverse_due(scope_for(tree.users[role]), fund.payment, today, "x")
    assert not DuePayment.objects.filter(reverses=fund.payment).exists()


@pytest.mark.parametrize("role", ROLES)
def test_running_a_draw_on_the_web_api_and_service(tree, fund, client_as, api_client, role):
    web = client_as(tree.users[role], "fa")
    response = web.post(f"/rotating/{fund.pk}/draw/", {"mode": "automatic", "seed": "s"})
    expected = answer(role, FUND_READERS, 302)
    if expected == 302:
        assert response.status_code == 302
        assert Draw.objects.count() == 1
        return
    missing = web.post(f"/rotating/{MISSING}/draw/", {"mode": "automatic"})
    assert_web_refusal(response, expected, missing, "fa")
    api = api_client(tree.users[role])
    body = {"mode": "automatic"}
    assert_api_refusal(
        api.post(f"/api/v1/rotating/{fund.pk}/draws", body, "application/json"),
        expected,
        api.post(f"/api/v1/rotating/{MISSING}/draws", body, "application/json"),
    )
    with pytest.raises(refusal(role, FUND_READERS)):
        rotating.run_draw(
            scope_for(tree.users[role]), fund, mode="automatic", today=timezone.localdate()
        )
    assert not Draw.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_transferring_a_share_on_the_web_and_service(tree, fund, client_as, role):
    share = Share.objects.select_related("code__fund__organisation").get(code=fund.c[2])
    today = timezone.localdate()
    web = client_as(tree.users[role], "fa")
    form = {
        "national_code": tree.kanoon_head.national_id,
        "parts": 12,
        "on": jdatetime.date.fromgregorian(date=today).strftime("%Y/%m/%d"),
    }
    response = web.post(f"/rotating/shares/{share.pk}/transfer/", form)
    # a member reads only her own shares: Ebrahimi's is not there for her
    readers = {Role.SOCIAL_BANKER}
    expected = answer(role, readers, 302)
    if expected == 302:
        assert response.status_code == 302
        assert Share.objects.get(code=fund.c[2], valid_to__isnull=True).person == tree.kanoon_head
        return
    missing = web.post(f"/rotating/shares/{MISSING}/transfer/", form)
    assert_web_refusal(response, expected, missing, "fa")
    with pytest.raises(refusal(role, readers)):
        rotating.transfer_share(scope_for(tree.users[role]), share, today, person=tree.kanoon_head)
    assert Share.objects.get(code=fund.c[2], valid_to__isnull=True).person == tree.other_member


# The evaluation cycle: evidence of a hamlet's assessment ---------------------------------------

# The hamlet branch's records: written by its branch, the commune above and platform
# administrators; read (only) by the city association's trainer; not there for anyone else.
CYCLE_WRITERS = {Role.PLATFORM_ADMIN, Role.COMMUNE_OFFICIAL, Role.HAMLET_BRANCH}
CYCLE_READERS = {Role.TRAINER}


def cycle_answer(role, done: int) -> int:
    return done if role in CYCLE_WRITERS else 403 if role in CYCLE_READERS else 404


@pytest.fixture
def registered(places, media):  # noqa: F811
    """A household of the hamlet branch registered for 2024 (before review: evidence open)."""
    places.scope = scope_for(places.tree.users["hamlet_branch"])
    return register(places)


@pytest.mark.parametrize("role", ROLES)
def test_attaching_evidence_on_the_web_api_and_service(
    tree, registered, client_as, api_client, role
):
    a = registered
    expected = cycle_answer(role, 302)
    web = client_as(tree.users[role], "en")
    response = web.post(f"/evaluation/assessments/{a.pk}/evidence/", {"file": _file(PDF)})
    if expected == 302:
        assert response.status_code == 302
        assert EvidenceFile.objects.filter(assessment=a).count() == 1
        return
    missing = web.post(f"/evaluation/assessments/{MISSING}/evidence/", {"file": _file(PDF)})
    assert_web_refusal(response, expected, missing)
    api = api_client(tree.users[role])
    assert_api_refusal(
        api.post(f"/api/v1/evaluation/assessments/{a.pk}/evidence", {"file": _file(PDF)}),
        expected,
        api.post(f"/api/v1/evaluation/assessments/{MISSING}/evidence", {"file": _file(PDF)}),
    )
    with pytest.raises(ReadOnly if expected == 403 else NotFound):
        cycle.attach_evidence(scope_for(tree.users[role]), a, "a.pdf", PDF)
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_removing_evidence_on_the_web_api_and_service(
    tree, registered, client_as, api_client, role
):
    evidence = cycle.attach_evidence(EVERYTHING, registered, "a.pdf", PDF)
    expected = cycle_answer(role, 302)
    web = client_as(tree.users[role], "en")
    response = web.post(f"/evaluation/evidence/{evidence.pk}/delete/")
    if expected == 302:
        assert response.status_code == 302
        assert not EvidenceFile.objects.exists()
        return
    assert_web_refusal(response, expected, web.post(f"/evaluation/evidence/{MISSING}/delete/"))
    api = api_client(tree.users[role])
    assert_api_refusal(
        api.delete(f"/api/v1/evaluation/evidence/{evidence.pk}"),
        expected,
        api.delete(f"/api/v1/evaluation/evidence/{MISSING}"),
    )
    with pytest.raises(ReadOnly if expected == 403 else NotFound):
        cycle.delete_evidence(scope_for(tree.users[role]), evidence)
    assert EvidenceFile.objects.filter(pk=evidence.pk).exists()


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("bien-ban.pdf", content)
