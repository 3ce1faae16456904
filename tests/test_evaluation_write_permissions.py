"""Who may change the evaluation's records, through every path (web, API, service), for every
role: a writer changes the record, a reader is told why not (403) and nothing changes, anyone
else gets exactly the 404 of a record that does not exist. The services decide
(``Scope.require_write`` on the record, an unsaved one for a creation); pages and endpoints
only pass the answer on (decision 0002 §8), in the table style of test_write_permissions.py.

The places of ``test_evaluation_rollups.places``: the commune branch sits in commune A (it
writes for A and its hamlets), the hamlet branch in hamlet a1, the city association (read by
the trainer) in the city. The other roles are Iranian: nothing of Vietnam is theirs to see.
"""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from test_evaluation_cycle import assessed, register
from test_evaluation_frameworks import small
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture
from test_write_permissions import MISSING, READ_ONLY, ROLES, assert_web_refusal

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.directory.models import Organisation, Person, Position
from edupact.evaluation import cycle, services, workflow
from edupact.evaluation.models import (
    Assessment,
    Deadline,
    Framework,
    IndicatorValue,
    RecognitionDecision,
    ReviewMeeting,
    Subject,
    Target,
    YearApproval,
)

EVERYTHING = Scope(everything=True)
API = "/api/v1/evaluation"
YEAR = 2024


def expect(role, writers, readers, done):
    """The answer a role gets: ``done`` for a writer, 403 for a reader, 404 for the rest."""
    return done if role in writers else 403 if role in readers else 404


def refusal(expected):
    return ReadOnly if expected == 403 else NotFound


def send(client, method, path, body=None):
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(f"{API}{path}", data=data, content_type="application/json")


def assert_api_refusal(response, expected, missing, detail=READ_ONLY["fa"]):
    """403 with the reason in the caller's language (Persian by default); 404 identical to
    the answer for a record that does not exist."""
    assert response.status_code == expected, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    if expected == 403:
        assert body["detail"] == detail
    if expected == 404:
        assert missing.status_code == 404
        assert {k: v for k, v in body.items() if k != "instance"} == {
            k: v for k, v in missing.json().items() if k != "instance"
        }


# Who writes (and reads) the records of each place.
COMMUNE = {Role.PLATFORM_ADMIN, Role.COMMUNE_OFFICIAL}  # the commune branch and above
HAMLET = COMMUNE | {Role.HAMLET_BRANCH}  # records of the hamlet branch (or of hamlet a1)
TRAINER = {Role.TRAINER}  # reads the city association's subtree, writes nothing
EVERYONE = set(Role)


# Local rubrics ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_revising_a_local_rubric(places, client_as, api_client, role):  # noqa: F811
    rubric = services.create_framework(
        EVERYTHING, small(code="R-A"), owner=places.tree.commune_branch
    )
    expected = expect(role, COMMUNE, TRAINER, 200)
    user = places.tree.users[role]
    web = client_as(user, "en")
    page = web.get(f"/evaluation/frameworks/{rubric.pk}/edit/")
    api = api_client(user)
    changed = send(api, "put", f"/frameworks/{rubric.pk}", small(code="R-A", pass_total=9))
    if expected == 200:
        assert page.status_code == 200 and changed.status_code == 200, changed.content
        assert Framework.objects.get(pk=rubric.pk).pass_total == 9
        return
    assert_web_refusal(page, expected, web.get(f"/evaluation/frameworks/{MISSING}/edit/"))
    assert_api_refusal(
        changed, expected, send(api, "put", f"/frameworks/{MISSING}", small(code="R-A"))
    )
    with pytest.raises(refusal(expected)):
        services.revise_framework(scope_for(user), rubric, small(code="R-A", pass_total=9))
    assert Framework.objects.get(pk=rubric.pk).pass_total == 15  # as created


@pytest.mark.parametrize("role", ROLES)
def test_creating_a_rubric_for_an_owner(places, api_client, role):  # noqa: F811
    """An owner one only reads: 403; one out of sight: 404, as an owner that does not exist."""
    expected = expect(role, COMMUNE, TRAINER, 201)
    user = places.tree.users[role]
    api = api_client(user)
    owner = places.tree.commune_branch.pk
    created = send(api, "post", f"/frameworks?owner={owner}", small(code="R-NEW"))
    if expected == 201:
        assert created.status_code == 201, created.content
        assert Framework.objects.get(code="R-NEW").owner_id == owner
        return
    assert_api_refusal(
        created, expected, send(api, "post", f"/frameworks?owner={MISSING}", small(code="R-NEW"))
    )
    with pytest.raises(refusal(expected)):
        services.create_framework(scope_for(user), small(code="R-NEW"), places.tree.commune_branch)
    assert not Framework.objects.filter(code="R-NEW").exists()


@pytest.mark.parametrize("role", ROLES)
def test_creating_a_national_framework(places, client_as, api_client, role):  # noqa: F811
    """National frameworks are read by everyone and made by platform administrators only,
    who are told so (403 with the reason, never 404)."""
    user = places.tree.users[role]
    created = send(api_client(user), "post", "/frameworks", small(code="N-NEW"))
    page = client_as(user, "en").get("/evaluation/frameworks/new/")
    if role == Role.PLATFORM_ADMIN:
        assert created.status_code == 201 and page.status_code == 200
        return
    assert created.status_code == 403
    assert (
        created.json()["detail"]
        == "فقط مدیران سامانه می‌توانند چارچوب‌های ارزیابی ملی را تغییر دهند."
    )
    if role == Role.COMMUNE_OFFICIAL:  # a local rubric of the commune branch: the page opens
        assert page.status_code == 200
    else:
        assert page.status_code == 403
        assert "Only platform administrators change national frameworks." in page.text
    with pytest.raises(ReadOnly):
        services.create_framework(scope_for(user), small(code="N-NEW"))
    assert not Framework.objects.filter(code="N-NEW").exists()


# Subjects and assessments ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_registering_a_subject(places, api_client, role):  # noqa: F811
    expected = expect(role, HAMLET, TRAINER, 201)
    user = places.tree.users[role]
    api = api_client(user)
    body = {"kind": "household", "name": "Hộ mới", "organisation_id": places.tree.hamlet_branch.pk}
    created = send(api, "post", "/subjects", body)
    if expected == 201:
        assert created.status_code == 201 and Subject.objects.get().name == "Hộ mới"
        return
    missing = send(api, "post", "/subjects", body | {"organisation_id": MISSING})
    assert_api_refusal(created, expected, missing)
    subject = Subject(kind="household", name="Hộ mới", organisation=places.tree.hamlet_branch)
    with pytest.raises(refusal(expected)):
        services.save_subject(scope_for(user), subject)
    assert not Subject.objects.exists()


@pytest.fixture
def household(places):  # noqa: F811
    places.scope = EVERYTHING
    return register(places).subject


@pytest.mark.parametrize("role", ROLES)
def test_recording_an_assessment(places, household, client_as, api_client, role):  # noqa: F811
    expected = expect(role, HAMLET, TRAINER, 201)
    user = places.tree.users[role]
    api = api_client(user)
    body = {"subject_id": household.pk, "year": YEAR, "answers": {"I1": 9}}
    recorded = send(api, "post", "/assessments", body)
    if expected == 201:
        assert recorded.status_code == 201, recorded.content
        assert Assessment.objects.get().total == 9
        return
    missing = send(api, "post", "/assessments", body | {"subject_id": MISSING})
    assert_api_refusal(recorded, expected, missing)
    web = client_as(user, "en")
    page = web.get(f"/evaluation/subjects/{household.pk}/assess/{YEAR}/")
    assert_web_refusal(page, expected, web.get(f"/evaluation/subjects/{MISSING}/assess/{YEAR}/"))
    with pytest.raises(refusal(expected)):
        services.record_assessment(scope_for(user), household, YEAR, {"I1": 9})
    assert Assessment.objects.get().total is None  # still the registration row


# Recognition decisions -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_issuing_a_recognition_decision(places, client_as, role):  # noqa: F811
    """The commune branch issues (an association's branch); the hamlet branch does not even
    see it; the trainer reads it."""
    commune = places.tree.commune_branch
    expected = expect(role, COMMUNE, TRAINER, 200)
    user = places.tree.users[role]
    web = client_as(user, "en")
    page = web.get(f"/evaluation/decisions/new/?organisation={commune.pk}&year={YEAR}")
    if expected == 200:
        assert page.status_code == 200
        return
    missing = web.get(f"/evaluation/decisions/new/?organisation={MISSING}&year={YEAR}")
    assert_web_refusal(page, expected, missing)
    signer = services.Signer(name="Nguyễn Văn A", title="Chủ tịch")
    with pytest.raises(refusal(expected)):
        services.issue_recognition_decision(
            scope_for(user), commune, "1/QĐ-UBND", dt.date(2024, 12, 30), signer, [MISSING]
        )
    assert not RecognitionDecision.objects.exists()


# Targets: reference data every reader sees ------------------------------------------------------


@pytest.fixture
def target(places):  # noqa: F811
    return services.add_target(
        EVERYTHING,
        Target(
            indicator="household.share",
            model="household",
            year=dt.date.today().year + 1,
            admin_unit=places.a,
            value=70,
            source="Kế hoạch xã",
            name="Gia đình học tập",
        ),
    )


@pytest.mark.parametrize("role", ROLES)
def test_changing_a_local_target(places, target, client_as, api_client, role):  # noqa: F811
    """Everyone reads the targets, so a refusal is always 403 ("You may only read…")."""
    expected = expect(role, COMMUNE, EVERYONE, 200)
    user = places.tree.users[role]
    web = client_as(user, "en")
    page = web.get(f"/evaluation/targets/{target.pk}/edit/")
    api = api_client(user)
    response = send(api, "delete", f"/targets/{target.pk}")
    if expected == 200:
        assert page.status_code == 200 and response.status_code == 204
        return
    assert_web_refusal(page, 403, None)
    assert_api_refusal(response, 403, None)
    target.value = 90
    with pytest.raises(ReadOnly):
        services.change_target(scope_for(user), target)
    assert Target.objects.get(pk=target.pk).value == 70


# Indicator values: a place's figures -----------------------------------------------------------


@pytest.fixture
def figure(places):  # noqa: F811
    return services.record_indicator_value(EVERYTHING, "citizen.worker", 2025, 45, 50, places.a1)


@pytest.mark.parametrize("role", ROLES)
def test_correcting_a_figure(places, figure, client_as, api_client, role):  # noqa: F811
    expected = expect(role, HAMLET, TRAINER, 200)
    user = places.tree.users[role]
    web = client_as(user, "en")
    page = web.get(f"/evaluation/indicator-values/{figure.pk}/edit/")
    api = api_client(user)
    body = {"numerator": 40, "denominator": 50}
    response = send(api, "put", f"/indicator-values/{figure.pk}", body)
    if expected == 200:
        assert page.status_code == 200 and response.status_code == 200
        assert IndicatorValue.objects.get().numerator == 40
        return
    assert_web_refusal(page, expected, web.get(f"/evaluation/indicator-values/{MISSING}/edit/"))
    assert_api_refusal(response, expected, send(api, "put", f"/indicator-values/{MISSING}", body))
    with pytest.raises(refusal(expected)):
        services.change_indicator_value(scope_for(user), figure, 40, 50)
    with pytest.raises(refusal(expected)):  # a new one at the same place
        services.record_indicator_value(scope_for(user), "citizen.other", 2025, 1, 2, places.a1)
    assert IndicatorValue.objects.get().numerator == 45


# Deadlines and approvals -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_setting_a_communes_deadline(places, client_as, api_client, role):  # noqa: F811
    expected = expect(role, COMMUNE, TRAINER, 200)
    user = places.tree.users[role]
    api = api_client(user)
    body = {"year": 2025, "step": "review", "due": "2025-12-05", "admin_unit_id": places.a.pk}
    response = send(api, "put", "/deadlines", body)
    if expected == 200:
        assert response.status_code == 200, response.content
        assert Deadline.objects.get(admin_unit=places.a).due == dt.date(2025, 12, 5)
        return
    missing = send(api, "put", "/deadlines", body | {"admin_unit_id": MISSING})
    assert_api_refusal(response, expected, missing)
    web = client_as(user, "en")
    posted = web.post(f"/evaluation/deadlines/{places.a.pk}/2025/", {"review-due": "05/12/2025"})
    assert_web_refusal(posted, expected, web.post(f"/evaluation/deadlines/{MISSING}/2025/", {}))
    with pytest.raises(refusal(expected)):
        workflow.set_deadline(scope_for(user), 2025, "review", dt.date(2025, 12, 5), places.a)
    assert not Deadline.objects.filter(admin_unit=places.a).exists()


@pytest.mark.parametrize("role", ROLES)
def test_the_default_deadlines(places, api_client, role):  # noqa: F811
    """Read by everyone, set by platform administrators: the others are told so."""
    user = places.tree.users[role]
    body = {"year": 2025, "step": "review", "due": "2025-12-05"}
    response = send(api_client(user), "put", "/deadlines", body)
    if role == Role.PLATFORM_ADMIN:
        assert response.status_code == 200
        return
    assert response.status_code == 403
    assert response.json()["detail"] == "فقط مدیران سامانه مهلت‌های پیش‌فرض را تعیین می‌کنند."
    with translation.override("en"), pytest.raises(ReadOnly, match="set the default deadlines"):
        workflow.set_deadline(scope_for(user), 2025, "review", dt.date(2025, 12, 5))
    assert not Deadline.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_approving_a_hamlets_year(places, api_client, role):  # noqa: F811
    """The level above approves: the commune for its hamlets. The hamlet branch and the
    trainer see the hamlet but may not approve it (403 with the reason); the rest: 404."""
    expected = expect(role, COMMUNE, TRAINER | {Role.HAMLET_BRANCH}, 200)
    user = places.tree.users[role]
    api = api_client(user)
    response = send(api, "post", f"/cycle/{places.a1.pk}/{YEAR}/approve")
    if expected == 200:
        assert response.status_code == 200, response.content
        assert YearApproval.objects.get().state == "approved"
        return
    assert_api_refusal(
        response,
        expected,
        send(api, "post", f"/cycle/{MISSING}/{YEAR}/approve"),
        detail="فقط سطح بالاتر می‌تواند این سال را تأیید کند.",
    )
    with pytest.raises(refusal(expected)):
        workflow.approve_year(scope_for(user), places.a1, YEAR)
    assert not YearApproval.objects.exists()


# Meeting attendees: the branch's people, whom the writer sees ----------------------------------


@pytest.fixture
def branch(places):  # noqa: F811
    """Hamlet a2's branch beside a1's, with its head; a member of the commune branch who
    holds a position in a1's branch (a member by position only); an Iranian out of sight."""
    t = places.tree
    other = Organisation.objects.create(
        name="Chi hội khu phố 2", kind=Organisation.Kind.BRANCH, parent=t.commune_branch
    )
    places.other_head = Person.objects.create(home_organisation=other, family_name="Đỗ")
    places.by_position = Person.objects.create(home_organisation=t.commune_branch, family_name="Hà")
    Position.objects.create(
        person=places.by_position,
        organisation=t.hamlet_branch,
        title="Chi hội phó",
        start=dt.date(2024, 1, 1),
    )
    places.scope = scope_for(t.users["commune_official"])  # sees both hamlets' people
    places.weighed = assessed(places, "Hộ ông Võ Văn Ba", 9)  # the meeting weighs it
    return places


def _meeting(p, person_id):
    data = cycle.Meeting(
        year=YEAR,
        date=dt.date(2024, 12, 20),
        place="Nhà văn hóa",
        chair="Võ Văn Năm",
        secretary="Lê Thị Hoa",
        present=25,
        invited=30,
        attendees=[cycle.AttendeeRow(person_id=person_id, role="Hội viên")],
        proposals=[cycle.ProposalRow(p.weighed.pk, True, votes_for=20)],
    )
    return cycle.record_review_meeting(p.scope, p.tree.hamlet_branch, data)


def test_the_service_names_only_the_branchs_people(branch):
    p = branch
    refused = []
    for person_id in (p.other_head.pk, p.tree.kanoon_head.pk, MISSING):
        with pytest.raises(ValidationError) as exc:
            _meeting(p, person_id)
        refused.append(exc.value.message_dict)
    # another hamlet's person, one out of sight and a missing id: the same words, nothing kept
    assert refused == [{"attendees": ["Person not found."]}] * 3
    assert not ReviewMeeting.objects.exists()
    held = _meeting(p, p.by_position.pk)  # by position only: accepted
    assert held.attendees.get().person == p.by_position


def test_the_api_names_only_the_branchs_people(branch, api_client):
    p = branch
    api = api_client(p.tree.users["commune_official"])
    body = {
        "organisation_id": p.tree.hamlet_branch.pk,
        "year": YEAR,
        "date": "2024-12-20",
        "place": "Nhà văn hóa",
        "chair": "Võ Văn Năm",
        "secretary": "Lê Thị Hoa",
        "present": 25,
        "invited": 30,
        "proposals": [{"assessment_id": p.weighed.pk, "proposed": True, "votes_for": 20}],
    }
    answers = []
    for person_id in (p.other_head.pk, p.tree.kanoon_head.pk, MISSING):
        attendees = [{"person_id": person_id, "role": "Hội viên"}]
        response = send(api, "post", "/review-meetings", body | {"attendees": attendees})
        assert response.status_code == 422
        answers.append({k: v for k, v in response.json().items() if k != "instance"})
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["errors"] == {"attendees": ["شخص یافت نشد."]}
    assert not ReviewMeeting.objects.exists()
    attendees = [{"person_id": p.by_position.pk, "role": "Chi hội phó"}]
    accepted = send(api, "post", "/review-meetings", body | {"attendees": attendees})
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["attendees"][0]["person_id"] == p.by_position.pk


def test_the_web_form_offers_only_the_branchs_people(branch, client_as):
    p = branch
    web = client_as(p.tree.users["commune_official"], "en")
    url = f"/evaluation/meetings/new/?organisation={p.tree.hamlet_branch.pk}&year={YEAR}"
    page = web.get(url).text
    assert p.by_position.full_name in page and p.tree.hamlet_head.full_name in page
    assert p.other_head.full_name not in page
    form = {
        "organisation": p.tree.hamlet_branch.pk,
        "year": YEAR,
        "date": "20/12/2024",
        "place": "Nhà văn hóa",
        "chair": "Võ Văn Năm",
        "secretary": "Lê Thị Hoa",
        "invited": 30,
        "present": 25,
        "attendees-TOTAL_FORMS": 1,
        "attendees-INITIAL_FORMS": 0,
        "attendees-0-role": "Hội viên",
        f"p{p.weighed.pk}_proposed": "on",
        f"p{p.weighed.pk}_for": 20,
        f"p{p.weighed.pk}_against": 0,
        f"p{p.weighed.pk}_abstain": 0,
    }
    for person_id in (p.other_head.pk, p.tree.kanoon_head.pk, MISSING):
        refused = web.post("/evaluation/meetings/new/", form | {"attendees-0-person": person_id})
        assert refused.status_code == 200
        assert "Select a valid choice" in refused.text
    assert not ReviewMeeting.objects.exists()
    done = web.post("/evaluation/meetings/new/", form | {"attendees-0-person": p.by_position.pk})
    assert done.status_code == 302
    assert ReviewMeeting.objects.get().attendees.get().person == p.by_position
