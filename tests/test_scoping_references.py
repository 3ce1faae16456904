"""A write that names a record outside the writer's scope is answered exactly as one naming a
record that does not exist: the same status, the same bytes, no name (issue 9 §3).

Services follow the ids a client sends through ``Scope.resolve``; pages and endpoints fetch
the record they are about through ``scoped_get_or_404``. Both are exercised here, through the
API, for every kind of reference a write takes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from test_evaluation_rollups import add, assess, places  # noqa: F401 — the shared fixture

from edupact.accounts.selectors import scope_for
from edupact.core.scoping import Scope, not_found, record_key
from edupact.directory.models import Person
from edupact.evaluation import cycle
from edupact.evaluation.models import Assessment, ReviewMeeting, Subject

pytestmark = pytest.mark.django_db

MISSING = 10**9  # no record has this id
DAY = dt.date(2024, 12, 20)


@pytest.fixture
def world(places):  # noqa: F811
    """In Vietnam: a household of hamlet a1 (the hamlet branch's) self-assessed for 2024, and
    Hộ bà Trần Thị Chi, registered by the city association in hamlet b1 — outside the hamlet
    branch's sight and, all the more, the Iranian kanoon leader's."""
    p = places
    p.mine = assess(
        p,
        add(p, place=p.a1, name="Hộ ông Võ Văn Ba"),
        2024,
        status=Assessment.Status.SELF_ASSESSED,
    )
    p.chi_subject = add(p, place=p.b1, name="Hộ bà Trần Thị Chi", org=p.tree.vn_association)
    p.chi = assess(p, p.chi_subject, 2024, status=Assessment.Status.SELF_ASSESSED)
    return p


def _meeting_body(organisation_id, proposals, attendees=()):
    return {
        "organisation_id": organisation_id,
        "year": 2024,
        "date": DAY.isoformat(),
        "place": "Nhà văn hóa",
        "chair": "Võ Văn Năm",
        "secretary": "Lê Thị Hoa",
        "present": 20,
        "invited": 25,
        "attendees": list(attendees),
        "proposals": [{"assessment_id": i, "proposed": True} for i in proposals],
    }


@pytest.mark.parametrize("language", ["en", "vi", "fa"])
def test_the_reproduction_a_kanoon_leader_names_a_household_of_another_province(
    world, api_client, language
):
    """POST /review-meetings by the kanoon leader, proposing Hộ bà Trần Thị Chi's assessment:
    it used to answer 422 "Hộ bà Trần Thị Chi is not reviewed by this hamlet"."""
    p = world
    leader = api_client(p.tree.users["kanoon_leader"], **{"Accept-Language": language})
    url = "/api/v1/evaluation/review-meetings"
    body = _meeting_body(p.tree.kanoon.pk, [p.chi.pk])
    answer = leader.post(url, body, content_type="application/json")
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert "Trần Thị Chi" not in answer.content.decode()
    with_nothing = leader.post(
        url, _meeting_body(p.tree.kanoon.pk, [MISSING]), content_type="application/json"
    )
    assert answer.content == with_nothing.content
    expected = {
        "en": "Assessment not found.",
        "vi": "Không tìm thấy bản đánh giá.",
        "fa": "ارزیابی یافت نشد.",
    }[language]
    assert answer.json()["errors"] == {"proposals": [expected]}
    assert not ReviewMeeting.objects.exists()
    assert Assessment.objects.get(pk=p.chi.pk).status == Assessment.Status.SELF_ASSESSED


def _recorded_meeting(p):
    """The hamlet's meeting of 2024, which proposed its own household (recorded once)."""
    if not hasattr(p, "meeting"):
        p.meeting = _record_meeting(p)
    return p.meeting


def _record_meeting(p):
    return cycle.record_review_meeting(
        scope_for(p.tree.users["hamlet_branch"]),
        p.tree.hamlet_branch,
        cycle.Meeting(
            2024,
            DAY,
            "Nhà văn hóa",
            "Võ Văn Năm",
            "Lê Thị Hoa",
            20,
            25,
            proposals=[cycle.ProposalRow(p.mine.pk, True)],
        ),
    )


# Each case: the role that writes, and the request naming ``ref`` (an id of a record the
# writer cannot see, or one of no record at all).
CASES = {
    "meeting proposal": (
        "hamlet_branch",
        lambda p, ref: (
            "post",
            "/api/v1/evaluation/review-meetings",
            _meeting_body(p.tree.hamlet_branch.pk, [p.mine.pk, ref]),
        ),
    ),
    "meeting attendee": (
        "hamlet_branch",
        lambda p, ref: (
            "post",
            "/api/v1/evaluation/review-meetings",
            _meeting_body(p.tree.hamlet_branch.pk, [p.mine.pk], [{"person_id": ref}]),
        ),
    ),
    "corrected proposal": (
        "hamlet_branch",
        lambda p, ref: (
            "put",
            f"/api/v1/evaluation/review-meetings/{_recorded_meeting(p).pk}",
            {**_meeting_body(None, [p.mine.pk, ref]), "reason": "Bổ sung"},
        ),
    ),
    "subject's parent": (
        "hamlet_branch",
        lambda p, ref: (
            "post",
            "/api/v1/evaluation/subjects",
            {
                "kind": "household",
                "name": "Hộ mới",
                "organisation_id": p.tree.hamlet_branch.pk,
                "parent_id": ref,
            },
        ),
    ),
    "registration's parent": (
        "hamlet_branch",
        lambda p, ref: (
            "post",
            "/api/v1/evaluation/registrations",
            {
                "kind": "household",
                "name": "Hộ mới",
                "organisation_id": p.tree.hamlet_branch.pk,
                "parent_id": ref,
                "year": 2024,
            },
        ),
    ),
    "person's home organisation": (
        "hamlet_branch",
        lambda p, ref: (
            "post",
            "/api/v1/people",
            {"family_name": "Nguyễn", "home_organisation_id": ref},
        ),
    ),
    "subject's organisation": (
        "hamlet_branch",
        lambda p, ref: (
            "post",
            "/api/v1/evaluation/subjects",
            {"kind": "household", "name": "Hộ mới", "organisation_id": ref},
        ),
    ),
}

# What each case names outside the writer's scope.
UNSEEN = {
    "meeting proposal": lambda p: p.chi.pk,
    "meeting attendee": lambda p: p.tree.minister.pk,
    "corrected proposal": lambda p: p.chi.pk,
    "subject's parent": lambda p: p.chi_subject.pk,
    "registration's parent": lambda p: p.chi_subject.pk,
    "person's home organisation": lambda p: p.tree.kanoon.pk,
    "subject's organisation": lambda p: p.tree.vn_association.pk,
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("missing", [MISSING, 2**63, 2**70])
def test_an_unseen_reference_answers_as_a_missing_one_byte_for_byte(
    world, api_client, case, missing
):
    p = world
    role, build = CASES[case]
    client = api_client(p.tree.users[role], **{"Accept-Language": "vi"})
    requests = [build(p, ref) for ref in (UNSEEN[case](p), missing)]
    models = (ReviewMeeting, Subject, Person, Assessment)
    before = {model: model.objects.count() for model in models}
    unseen, absent = (
        getattr(client, method)(url, body, content_type="application/json")
        for method, url, body in requests
    )
    assert unseen.status_code in (404, 422), unseen.content
    assert (unseen.status_code, unseen.content) == (absent.status_code, absent.content)
    assert unseen["Content-Type"] == "application/problem+json"
    for name in ("Trần Thị Chi", p.tree.minister.full_name, p.tree.kanoon.name):
        assert name not in unseen.content.decode()
    assert {model: model.objects.count() for model in models} == before  # nothing written


def test_resolve_refuses_what_is_out_of_sight_as_what_does_not_exist(world):
    p = world
    hamlet = scope_for(p.tree.users["hamlet_branch"])
    assert hamlet.resolve(Assessment, [p.mine.pk]) == {p.mine.pk: p.mine}
    assert hamlet.resolve(Assessment, []) == {}
    refusals = []
    for ids in ([p.mine.pk, p.chi.pk], [p.mine.pk, MISSING], [2**63], ["x"], [True], [0]):
        with pytest.raises(ValidationError) as exc:
            hamlet.resolve(Assessment, ids, field="proposals")
        refusals.append(exc.value.message_dict)
    assert refusals == [{"proposals": ["Assessment not found."]}] * 6
    assert Scope(everything=True).resolve_one(Assessment, p.chi.pk) == p.chi
    assert not_found(Person).messages == ["Person not found."]
    assert [record_key(v) for v in (1, "12", 2**63 - 1, 2**63, 0, -1, True, None, 1.0)] == [
        1,
        12,
        2**63 - 1,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
