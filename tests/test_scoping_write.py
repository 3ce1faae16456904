"""The one write-permission check (``Scope.require_write`` and friends, decision 0002 §8).

A writer changes, a reader is told they may only read (403), anyone else is answered as if
the record did not exist (404); the check is made in memory and asks the database only when
it refuses. A hypothesis property proves that the check of one record and the list of what a
user may change (``Scope.filter(…, write=True)``) are one rule, on both databases.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_evaluation_rollups import places  # noqa: F401 — the evaluation's places

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.core.scoping import Acting, NotFound, ReadOnly, Scope
from edupact.directory.models import AdminUnit, Organisation, Person, Position
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
from edupact.funds import services as fund_services
from edupact.funds.models import Fund, FundAccount
from edupact.rotating.models import Code, RotatingFund, Share
from edupact.rotating.services import assign_code
from edupact.rotating.services import create_fund as create_rotating_fund

EVERYTHING = Scope(everything=True)


def scope_of(tree, role: str) -> Scope:
    return scope_for(tree.users[role])


# Unit tests ------------------------------------------------------------------------------------


def test_a_writer_changes_a_reader_is_read_only_an_outsider_finds_nothing(tree):
    kanoon = Organisation.objects.get(pk=tree.kanoon.pk)
    scope_of(tree, "kanoon_leader").require_write(kanoon)
    scope_of(tree, "secretariat").require_write(kanoon)  # the subtree above
    with pytest.raises(ReadOnly) as refused:
        scope_of(tree, "social_banker").require_write(kanoon)
    assert str(refused.value) == "You may only read these records."
    with pytest.raises(NotFound):
        scope_of(tree, "principal").require_write(kanoon)
    with pytest.raises(NotFound):
        scope_of(tree, "trainer").require_write(kanoon)


def test_read_only_speaks_the_readers_language(tree):
    kanoon = Organisation.objects.get(pk=tree.kanoon.pk)
    with pytest.raises(ReadOnly) as refused:
        scope_of(tree, "social_banker").require_write(kanoon)
    with translation.override("fa"):
        assert str(refused.value) == "شما فقط می‌توانید این سوابق را ببینید."
    with translation.override("vi"):
        assert str(refused.value) == "Bạn chỉ được xem các hồ sơ này."


def test_not_found_says_what_a_missing_record_says(tree):
    with pytest.raises(NotFound) as refused:
        scope_of(tree, "principal").require_write(Organisation.objects.get(pk=tree.kanoon.pk))
    assert str(refused.value) == "Organisation not found."
    with pytest.raises(NotFound):
        scope_of(tree, "principal").require_read(Organisation.objects.get(pk=tree.kanoon.pk))
    scope_of(tree, "social_banker").require_read(Organisation.objects.get(pk=tree.kanoon.pk))


def test_a_new_record_is_checked_by_the_organisation_it_would_belong_to(tree):
    new = Organisation(name="کانون ۱۰", kind=Organisation.Kind.KANOON, parent=tree.secretariat)
    assert scope_of(tree, "secretariat").can_write(new)
    assert not scope_of(tree, "kanoon_leader").can_write(new)  # reads below, not the parent
    with pytest.raises(NotFound):
        scope_of(tree, "kanoon_leader").require_write(new)
    with pytest.raises(ReadOnly) as refused:
        scope_of(tree, "social_banker").require_write(new)
    assert str(refused.value) == "You may only read these records."


def test_a_top_level_record_is_for_platform_administrators(tree):
    top = Organisation(name="انجمن دوم", kind=Organisation.Kind.ASSOCIATION)
    EVERYTHING.require_write(top)
    scope_of(tree, "platform_admin").require_write(top)
    for role in ("secretariat", "social_banker", "member"):
        with pytest.raises(ReadOnly) as refused:
            scope_of(tree, role).require_write(top)
        assert str(refused.value) == "Only platform administrators create top-level records."


def test_a_member_reads_their_own_record_and_changes_it_only_as_its_owner(tree):
    scope = scope_of(tree, "member")
    own = Person.objects.select_related("home_organisation").get(pk=tree.member.pk)
    other = Person.objects.select_related("home_organisation").get(pk=tree.other_member.pk)
    assert scope.can_read(own) and not scope.can_read(other)
    assert not scope.can_write(own)
    assert scope.can_write(own, acting=Acting.OWNER)
    assert scope.can_write(own, acting=Acting.PERSONALLY)
    with pytest.raises(ReadOnly):
        scope.require_write(own)
    with pytest.raises(NotFound):
        scope.require_write(other, acting=Acting.OWNER)
    with pytest.raises(NotFound):
        scope.require_write(other, acting=Acting.PERSONALLY)


def test_a_personal_act_is_the_persons_alone(tree):
    """Not even who writes for the organisation, nor a platform administrator, acts in
    someone's own name: they read the record, so the refusal is a 403."""
    person = Person.objects.select_related("home_organisation").get(pk=tree.member.pk)
    for scope in (scope_of(tree, "kanoon_leader"), EVERYTHING):
        assert scope.can_write(person)
        assert not scope.can_write(person, acting=Acting.PERSONALLY)
        with pytest.raises(ReadOnly):
            scope.require_write(person, acting=Acting.PERSONALLY)


def test_a_position_is_changed_through_its_organisation_not_the_persons(tree):
    seat = Position.objects.select_related("organisation").get(pk=tree.council_seat.pk)
    assert scope_of(tree, "education_officer").can_write(seat)
    home = Scope(read_paths=(tree.association.path,), write_paths=(tree.association.path,))
    assert home.can_write(Person.objects.get(pk=tree.association_head.pk))
    with pytest.raises(NotFound):  # the seat is District 9's record, not the person's home's
        home.require_write(seat)


def test_the_decision_is_made_in_memory_and_a_refusal_asks_once(tree):
    kanoon = Organisation.objects.get(pk=tree.kanoon.pk)
    person = Person.objects.select_related("home_organisation").get(pk=tree.other_member.pk)
    writer, reader, outsider = (
        scope_of(tree, r) for r in ("kanoon_leader", "social_banker", "principal")
    )
    with CaptureQueriesContext(connection) as queries:
        writer.require_write(kanoon)
        writer.require_write(person)
        assert reader.can_read(person)
        with pytest.raises(ReadOnly):
            reader.require_write(person)  # read in memory: no query
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries, pytest.raises(NotFound):
        outsider.require_write(person)
    assert len(queries) == 1  # "does the principal read this person?" — one keyed query


def test_a_record_seen_through_a_related_one_is_read_not_changed(tree):
    """The association's head sits on District 9's council: District 9 reads the person (one
    query, on the refusal path) but changes them only through their home organisation."""
    head = Person.objects.select_related("home_organisation").get(pk=tree.association_head.pk)
    officer = scope_of(tree, "education_officer")
    assert officer.can_read(head)
    with pytest.raises(ReadOnly):
        officer.require_write(head)


@pytest.fixture
def commune_places(tree):
    province = AdminUnit.objects.create(
        name="Thành phố Hồ Chí Minh", country="VN", level="province", code="79"
    )
    commune = AdminUnit.objects.create(
        name="Xã Bình Chánh", country="VN", level="commune", code="27595", parent=province
    )
    hamlet = AdminUnit.objects.create(
        name="Ấp 3", country="VN", level="hamlet", parent=commune, kind="ấp"
    )
    Organisation.objects.filter(pk=tree.commune_branch.pk).update(admin_unit=commune)
    return province, commune, hamlet


def test_a_place_is_written_for_by_who_writes_an_organisation_placed_there_or_above(
    tree, commune_places
):
    province, commune, hamlet = commune_places
    official, hamlet_branch, trainer = (
        scope_of(tree, r) for r in ("commune_official", "hamlet_branch", "trainer")
    )
    assert official.can_write_place(commune) and official.can_write_place(hamlet)
    assert not official.can_write_place(province)
    assert not hamlet_branch.can_write_place(commune)  # not placed: the branch is not there
    assert not trainer.can_write_place(commune)  # reads the commune branch, writes nothing
    assert not official.can_write_place(None)  # national: platform administrators
    assert EVERYTHING.can_write_place(None) and EVERYTHING.can_write_place(province)


# The places each role writes for in the evaluation's fixture: the answers of
# ``evaluation.services.can_write_unit`` before ``Scope.can_write_place`` replaced it.
PLACES_WRITTEN = {
    "platform_admin": {"city", "a", "b", "a1", "a2", "b1", "d", None},
    "commune_official": {"a", "a1", "a2"},  # the commune branch, placed in A: A and below
    "hamlet_branch": {"a1"},
}


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_can_write_place_answers_as_the_evaluations_can_write_unit(places, role):  # noqa: F811
    """The place rule in core gives the answer ``evaluation.services.can_write_unit`` gave
    for every place of the evaluation's fixture and every role (the call sites moved to it);
    no place (national figures, default deadlines): platform administrators only."""
    scope = scope_of(places.tree, role)
    names = ["city", "a", "b", "a1", "a2", "b1", "d", None]
    written = {n for n in names if scope.can_write_place(getattr(places, n) if n else None)}
    assert written == PLACES_WRITTEN.get(role, set())


# One rule, two forms: the check of a record and the list of what one may change ---------------


@pytest.fixture
def records(tree):
    """A record of every model whose rule has organisation paths, in several organisations:
    organisations, people, positions, rotating funds with codes and shares, loan funds and
    accounts of people and of organisations (read through the institution, changed by the
    kanoon), and the evaluation's records of the hamlet and commune branches (local rubrics,
    subjects, assessments, review meetings, recognition decisions)."""
    for org in (tree.kanoon, tree.hamlet_branch, tree.school_a):
        fund = create_rotating_fund(
            EVERYTHING,
            RotatingFund(
                name=f"صندوق {org.pk}",
                organisation=org,
                due=1_000_000,
                start_year=1402,
                start_month=1,
                codes_count=2,
                share_denominator=12,
                draw_day=15,
            ),
        )
        assign_code(EVERYTHING, fund.codes.get(number=1), [(tree.member, 12)])
    fund = fund_services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    fund_services.open_account(EVERYTHING, fund, person=tree.member)
    fund_services.open_account(EVERYTHING, fund, organisation=tree.school_a)
    for org in (tree.commune_branch, tree.hamlet_branch):
        Framework.objects.create(
            code=f"R-{org.pk}", version="1", name="Bộ tiêu chí", model="household",
            style="points", owner=org,
        )  # fmt: skip
        subject = Subject.objects.create(
            kind="household", name="Hộ", organisation=org, person=tree.member
        )
        Assessment.objects.create(subject=subject, year=2024, total=0, recognised=False)
        ReviewMeeting.objects.create(
            organisation=org, year=2024, date=dt.date(2024, 11, 2), place="Nhà văn hoá",
            chair="A", secretary="B", present=10, invited=12,
        )  # fmt: skip
        RecognitionDecision.objects.create(
            organisation=org, number=f"{org.pk}/QĐ-UBND", date=dt.date(2024, 12, 1),
            year=2024, model="household", signer_name="C",
        )  # fmt: skip
    return [
        *Organisation.objects.all(),
        *Person.objects.select_related("home_organisation"),
        *Position.objects.select_related("organisation"),
        *RotatingFund.objects.select_related("organisation"),
        *Code.objects.select_related("fund__organisation"),
        *Share.objects.select_related("code__fund__organisation"),
        *Fund.objects.select_related("kanoon"),
        *FundAccount.objects.select_related("fund__kanoon", "organisation"),
        *Framework.objects.select_related("owner"),
        *Subject.objects.select_related("organisation"),
        *Assessment.objects.select_related("subject__organisation"),
        *ReviewMeeting.objects.select_related("organisation"),
        *RecognitionDecision.objects.select_related("organisation"),
    ]


PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(data=st.data())
def test_can_write_is_the_write_filter_of_one_record(tree, records, data):
    paths = sorted({o.path for o in tree.organisations})
    write = data.draw(st.lists(st.sampled_from(paths), max_size=3, unique=True))
    read = data.draw(st.lists(st.sampled_from(paths), max_size=3, unique=True))
    person = data.draw(st.sampled_from([None, *(p.pk for p in tree.people)]))
    scope = Scope(
        everything=data.draw(st.integers(0, 9)) == 0,
        read_paths=tuple(read + write),
        write_paths=tuple(write),
        person_id=person,
    )
    record = data.draw(st.sampled_from(records))
    model = type(record)
    in_write_scope = scope.filter(model.objects.all(), write=True, pk=record.pk).exists()
    assert scope.can_write(record) == in_write_scope
    assert scope.can_read(record) == scope.filter(model.objects.all(), pk=record.pk).exists()
    # a new organisation under a parent: created by who may change the parent
    if model is Organisation:
        new = Organisation(name="تازه", kind=Organisation.Kind.KANOON, parent=record)
        assert (
            scope.can_write(new)
            == scope.filter(Organisation.objects.all(), write=True, pk=record.pk).exists()
        )


# Records of a place (ScopeRule.place, unowned, unowned_public, public) -------------------------


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_a_places_records_are_read_and_changed_through_the_place(places, role):  # noqa: F811
    """A figure of hamlet a1 is read by who reads an organisation placed at a1 or above and
    changed by who writes for one; a national figure (no place) is read by everyone and
    changed by platform administrators; a target is read by everyone (``public``), so a
    refused change of one is always ReadOnly, never NotFound."""
    scope = scope_of(places.tree, role)
    figure = IndicatorValue(code="x", year=2025, numerator=1, denominator=2, admin_unit=places.a1)
    national = IndicatorValue(code="x", year=2025, numerator=1, denominator=2)
    readers = {"platform_admin", "commune_official", "hamlet_branch", "trainer"}
    assert scope.can_read(figure) == (role in readers)
    assert scope.can_write(figure) == (role in PLACES_WRITTEN and "a1" in PLACES_WRITTEN[role])
    assert scope.can_read(national) and scope.can_write(national) == (role == "platform_admin")
    target = Target(indicator="x", year=2030, value=70, admin_unit=places.a, name="x")
    assert scope.can_read(target)
    if role in ("platform_admin", "commune_official"):
        scope.require_write(target)
        return
    with pytest.raises(ReadOnly):
        scope.require_write(target)
    if not scope.can_write(figure):  # the hamlet branch writes a1's figures
        with pytest.raises(ReadOnly if role in readers else NotFound):
            scope.require_write(figure)
    with translation.override("en"), pytest.raises(ReadOnly) as refused:
        scope.require_write(Deadline(year=2025, step="review"))  # the defaults
    assert str(refused.value) == "Only platform administrators set the default deadlines."
    assert scope.can_read(YearApproval(admin_unit=places.a1, year=2025)) == (role in readers)


def test_a_national_framework_is_read_by_all_and_changed_by_administrators(tree):
    national = Framework(code="N", version="1", name="N", model="household", style="points")
    official = scope_of(tree, "commune_official")
    assert official.can_read(national) and not official.can_write(national)
    with translation.override("en"), pytest.raises(ReadOnly) as refused:
        official.require_write(national)
    assert str(refused.value) == "Only platform administrators change national frameworks."
    assert EVERYTHING.can_write(national)
