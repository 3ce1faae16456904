"""The demo: the two seed documents as data, synthetic people with valid identifiers, demo
accounts, and a second run that changes nothing."""

import datetime as dt
import re
from io import StringIO

import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from edupact.accounts.models import Role, RoleGrant
from edupact.audit.models import AuditEntry
from edupact.core import identifiers
from edupact.demo.directory_plan import SIZES, build_plan, iran_check_digit
from edupact.directory.models import (
    AdminUnit,
    AdminUnitSuccession,
    Organisation,
    Participant,
    Partnership,
    PartnershipMember,
    Person,
    Position,
)
from edupact.directory.selectors import participants_with_titles, title_on

pytestmark = pytest.mark.django_db
SEED_000 = dt.date(2017, 4, 9)
SEED_004 = dt.date(2023, 4, 11)
MODELS = (
    AdminUnit,
    AdminUnitSuccession,
    Organisation,
    Person,
    Position,
    Partnership,
    PartnershipMember,
    Participant,
    RoleGrant,
    AuditEntry,
)


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    """Run the small demo once for this module inside a transaction rolled back at its end;
    each test runs in a savepoint inside it, so no test sees another's changes."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        out = StringIO()
        call_command("demo", size="small", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(_loaded, db):
    return _loaded


def counts():
    return {m.__name__: m.objects.count() for m in (*MODELS, get_user_model())}


def org(name) -> Organisation:
    return Organisation.objects.get(name=name)


def person(family, given="", **kw) -> Person:
    return Person.objects.get(family_name=family, given_name=given, **kw)


# -- the seeds -------------------------------------------------------------------------------


def test_seed_000_organisations(demo):
    ministry = org("وزارت آموزش و پرورش")
    tehran = org("اداره کل آموزش و پرورش شهر تهران")
    d9 = org("اداره آموزش و پرورش منطقه 9 تهران")
    assert tehran.parent == ministry and d9.parent == tehran
    assert d9.path.startswith(ministry.path) and d9.depth == 2
    assert tehran.admin_unit == AdminUnit.objects.get(country="IR", code="23")
    assert Organisation.objects.filter(parent=tehran, kind="education_office").count() == 19
    secretariat = org("دبیرخانه استان تهران")
    assert secretariat.parent.name == "انجمن حامیان فرهنگ قرض\u200cالحسنه و کارآفرینی اجتماعی"
    group = org("گروه آموزش و پرورش")
    assert group.parent.name == "بانک قرض\u200cالحسنه رسالت" and group.kind == "bank_group"
    kanoon = Organisation.objects.get(kind="kanoon")
    assert kanoon.parent == secretariat
    assert ministry.name_i18n["en"] and ministry.name_i18n["vi"]
    assert (d9.language, d9.calendar, d9.currency) == ("fa", "jalali", "IRR")


@pytest.mark.parametrize(
    ("family", "given", "honorific", "org_name", "title", "en"),
    [
        (
            "حافظی",
            "",
            "آقای",
            "گروه آموزش و پرورش",
            "مدیر آموزش و پرورش گروه بانکداری اجتماعی",
            "Education manager, Social Banking Group",
        ),
        (
            "حافظی",
            "",
            "آقای",
            "دبیرخانه استان تهران",
            "دبیر انجمن حامیان فرهنگ قرض\u200cالحسنه و کارآفرینی اجتماعی استان تهران",
            None,
        ),
        ("فلاح", "", "آقای", "گروه آموزش و پرورش", "بانکدار اجتماعی گروه آموزش و پرورش", None),
        ("جزنی", "زهرا", "خانم", "دبیرخانه استان تهران", "کارشناس انجمن استان تهران", None),
        ("حافظی", "", "خانم", "دبیرخانه استان تهران", "کارشناس انجمن استان تهران", None),
        (
            "محسنی\u200cنسب",
            "علی اکبر",
            "آقای",
            "اداره آموزش و پرورش منطقه 9 تهران",
            "رئیس آموزش و پرورش منطقه 9",
            "Head of Education, District 9",
        ),
        ("شادلو", "", "آقای", "اداره آموزش و پرورش منطقه 9 تهران", "معاون پشتیبانی", None),
        (
            "سرلک",
            "",
            "آقای",
            "اداره آموزش و پرورش منطقه 9 تهران",
            "مسوول امور رفاه و پشتیبانی",
            None,
        ),
        (
            "توکلی",
            "",
            "خانم",
            "اداره آموزش و پرورش منطقه 9 تهران",
            "کارشناس مدارس غیرانتفاعی منطقه 9",
            None,
        ),
    ],
)
def test_seed_000_titles_on_the_day(demo, family, given, honorific, org_name, title, en):
    who = person(family, given, honorific=honorific)
    held = title_on(who, SEED_000, org(org_name))
    assert held is not None and held.title == title
    assert held.title_i18n["en"] and held.title_i18n["vi"]
    if en:
        assert held.title_i18n["en"] == en
    assert title_on(who, dt.date(2016, 1, 1)) is None  # not before the 1395 school year


def test_seed_000_meeting(demo):
    meeting = Partnership.objects.get(source="seed 000")
    assert meeting.kind == "joint_meeting"
    assert meeting.signed_on == meeting.start == SEED_000
    assert meeting.name == "نشست آموزش و پرورش منطقه 9، انجمن حامیان و بانک رسالت"
    assert meeting.summary.count("\n") == 2 and "سواد مالی" in meeting.summary
    members = set(meeting.members.values_list("organisation__name", flat=True))
    assert members == {
        "اداره آموزش و پرورش منطقه 9 تهران",
        "دبیرخانه استان تهران",
        "گروه آموزش و پرورش",
    }
    parts = participants_with_titles(meeting)
    assert len(parts) == 8
    assert all(p.position is not None for p in parts), "each title is found on the day"
    assert [p.person.given_name for p in parts if p.signatory] == ["زهرا"]


@pytest.mark.parametrize(
    ("family", "middle", "given", "honorific", "org_name", "title"),
    [
        (
            "Trương",
            "Thị",
            "Hiền",
            "PGS. TS.",
            "Hội Khuyến học Việt Nam",
            "Phó Chủ tịch Trung ương Hội Khuyến học Việt Nam",
        ),
        (
            "Nguyễn",
            "Huy",
            "Cận",
            "Ông",
            "Hội Khuyến học Việt Nam",
            "Ủy viên Thường vụ Trung ương Hội Khuyến học Việt Nam",
        ),
        (
            "Nguyễn",
            "Huy",
            "Cận",
            "Ông",
            "Hội Khuyến học Thành phố Hồ Chí Minh",
            "Chủ tịch Hội Khuyến học Thành phố",
        ),
        (
            "Nguyễn",
            "Văn",
            "Hiếu",
            "TS.",
            "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
            "Bí thư Đảng ủy, Giám đốc Sở Giáo dục và Đào tạo, Phó Trưởng ban Thường trực "
            "Ban Chỉ đạo Xây dựng xã hội học tập Thành phố",
        ),
        (
            "Hồ",
            "Phú",
            "Bạc",
            "Ông",
            "Hội Khuyến học Thành phố Hồ Chí Minh",
            "Phó Chủ tịch Hội Khuyến học Thành phố",
        ),
    ],
)
def test_seed_004_titles_on_the_day(demo, family, middle, given, honorific, org_name, title):
    who = person(family, given, middle_name=middle, honorific=honorific, name_order="family_first")
    held = title_on(who, SEED_004, org(org_name))
    assert held is not None and held.title == title
    assert held.title_i18n["en"] and held.title_i18n["fa"]
    assert who.full_name == f"{family} {middle} {given}"


def test_seed_004_plan(demo):
    plan = Partnership.objects.get(source="seed 004")
    assert plan.kind == "coordination_plan"
    assert (plan.signed_on, plan.start, plan.end) == (
        SEED_004,
        dt.date(2022, 1, 1),
        dt.date(2030, 12, 31),
    )
    doet = org("Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh")
    city = org("Hội Khuyến học Thành phố Hồ Chí Minh")
    assert doet.parent.name == "Bộ Giáo dục và Đào tạo"
    assert city.parent.name == "Hội Khuyến học Việt Nam"
    hcmc = AdminUnit.objects.get(
        country="VN", level="province", code="79", valid_from=dt.date(2025, 7, 1)
    )
    assert doet.admin_unit == city.admin_unit == hcmc
    assert (doet.language, doet.calendar, doet.currency) == ("vi", "gregorian", "VND")
    assert set(plan.members.values_list("organisation__name", flat=True)) == {
        doet.name,
        city.name,
        "Hội Khuyến học Việt Nam",
    }
    signatories = {p.person.given_name for p in participants_with_titles(plan) if p.signatory}
    assert signatories == {"Hiếu", "Cận"}


# -- synthetic data --------------------------------------------------------------------------


def test_identifiers_are_valid(demo):
    people = Person.objects.exclude(national_id="")
    assert people.filter(id_kind="ir_national_code").count() > 50
    assert people.filter(id_kind="vn_cccd").count() > 50
    for p in people:
        if p.id_kind == Person.IdKind.IR_NATIONAL_CODE:
            assert identifiers.iran_national_code(p.national_id) == p.national_id
            assert identifiers.phone_e164(p.phone, "IR") == p.phone
        else:
            assert identifiers.vietnam_cccd(p.national_id, p.birth_year, p.sex) == p.national_id
            assert p.national_id.startswith("079")
            assert identifiers.phone_e164(p.phone, "VN") == p.phone
            assert p.phone.startswith("+849")
        if p.bank_account:
            assert identifiers.bank_account(p.bank_account) == p.bank_account
        p.full_clean()
    for o in Organisation.objects.exclude(phone=""):
        assert phonenumbers.is_valid_number(phonenumbers.parse(o.phone))


def test_iran_check_digit_matches_the_validator():
    assert iran_check_digit("007622964") == "5"  # 0076229645, the domain brief's example


def test_bulk_rows_equal_what_save_writes(demo):
    """Paths, depths and search/sort keys of bulk inserts are those save() would compute."""
    for o in Organisation.objects.select_related("parent"):
        expected = (o.parent.path if o.parent_id else "") + f"{o.pk:06d}."
        assert (o.path, o.depth) == (expected, expected.count(".") - 1)
    for model in (Person, Organisation, Partnership):
        for obj in model.objects.order_by("pk")[::7]:
            before = (getattr(obj, "sort_key", None), obj.search_key)
            obj.save()
            assert (getattr(obj, "sort_key", None), obj.search_key) == before, obj


def test_persian_text_uses_persian_letters(demo):
    arabic = re.compile("[\u064a\u0643]")  # ي ك
    values = [
        *Person.objects.values_list("family_name", "given_name"),
        *Organisation.objects.values_list("name", "address"),
        *Position.objects.values_list("title", "title_i18n"),
        *Partnership.objects.values_list("name", "summary"),
    ]
    assert not [v for v in values if arabic.search(str(v))]


def test_hamlets_and_communes(demo):
    hamlets = AdminUnit.objects.filter(level="hamlet")
    assert hamlets.exists()
    for h in hamlets.select_related("parent"):
        assert h.parent.level == "commune" and h.parent.parent.code == "79"
        assert h.kind == ("khu phố" if h.parent.kind == "phường" else "ấp")
        assert h.valid_from == dt.date(2025, 7, 1) and h.code == ""
    committees = Organisation.objects.filter(kind="peoples_committee", admin_unit__level="commune")
    assert committees.exists()
    for c in committees:
        assert Organisation.objects.filter(kind="branch", admin_unit=c.admin_unit).exists()
        assert Organisation.objects.filter(kind="learning_centre", parent=c).exists()


def test_kanoon_members_hold_positions(demo):
    kanoon = Organisation.objects.get(kind="kanoon")
    d9 = org("اداره آموزش و پرورش منطقه 9 تهران")
    members = Position.objects.filter(organisation=kanoon, title="عضو کانون")
    assert members.count() >= SIZES["small"].kanoon_members - 4
    assert members.first().title_i18n["en"] == "Kanoon member"
    positions = Position.objects.filter(organisation=kanoon)
    for p in positions.select_related("person__home_organisation"):
        assert p.person.home_organisation.path.startswith(d9.path)
        assert p.start > SEED_000


# -- accounts --------------------------------------------------------------------------------


def test_demo_accounts(demo):
    User = get_user_model()
    expected = {
        "secretariat": (Role.SECRETARIAT, "دبیرخانه استان تهران", "fa", "jalali"),
        "district9": (Role.EDUCATION_OFFICER, "اداره آموزش و پرورش منطقه 9 تهران", "fa", "jalali"),
        "banker": (Role.SOCIAL_BANKER, "گروه آموزش و پرورش", "fa", "jalali"),
        "kanoon": (Role.KANOON_LEADER, "کانون کارکنان آموزش و پرورش منطقه 9", "fa", "jalali"),
        "hcmc": (
            Role.EDUCATION_OFFICER,
            "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
            "vi",
            "gregorian",
        ),
        "khuyenhoc": (Role.SECRETARIAT, "Hội Khuyến học Thành phố Hồ Chí Minh", "vi", "gregorian"),
        "english": (Role.EDUCATION_OFFICER, "اداره آموزش و پرورش منطقه 9 تهران", "en", ""),
    }
    for username, (role, org_name, language, calendar) in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password("edupact-demo-2017")
        assert (user.language, user.calendar) == (language, calendar)
        assert user.grants.get().role == role
        assert user.grants.get().organisation.name == org_name
        assert username in demo
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="secretariat").person.family_name == "حافظی"
    assert User.objects.get(username="district9").person.family_name == "محسنی\u200cنسب"
    assert User.objects.get(username="banker").person.family_name == "فلاح"
    assert User.objects.get(username="hcmc").person.given_name == "Hiếu"
    assert User.objects.get(username="khuyenhoc").person.given_name == "Cận"
    commune = User.objects.get(username="commune").grants.get()
    assert commune.role == Role.COMMUNE_OFFICIAL
    assert commune.organisation.kind == "peoples_committee"
    assert commune.organisation.admin_unit.level == "commune"


def test_demo_member_user(demo):
    member = get_user_model().objects.get(username="member")
    assert member.language == "fa"
    grant = member.grants.get()
    assert grant.role == Role.MEMBER
    teacher = member.person
    assert teacher.id_kind == Person.IdKind.IR_NATIONAL_CODE
    d9 = org("اداره آموزش و پرورش منطقه 9 تهران")
    assert teacher.home_organisation.path.startswith(d9.path)
    assert teacher.positions.filter(organisation__kind="school").exists()
    assert teacher.positions.filter(organisation__kind="kanoon", title="عضو کانون").exists()


def test_demo_password_from_the_environment(demo, monkeypatch):
    get_user_model().objects.filter(username="hcmc").update(username="hcmc-before")
    monkeypatch.setenv("EDUPACT_DEMO_PASSWORD", "another-demo-password")
    out = StringIO()
    call_command("demo", size="small", stdout=out)
    assert get_user_model().objects.get(username="hcmc").check_password("another-demo-password")
    assert "another-demo-password" in out.getvalue()


# -- idempotence and size --------------------------------------------------------------------


def test_second_run_changes_nothing(demo):
    before = counts()
    out = StringIO()
    call_command("demo", size="small", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert counts() == before


def test_second_run_keeps_user_edits(demo):
    hiep = Person.objects.filter(id_kind="vn_cccd").first()
    Person.objects.filter(pk=hiep.pk).update(phone="")
    user = get_user_model().objects.get(username="banker")
    user.set_password("changed-by-the-banker")
    user.save()
    out = StringIO()
    call_command("demo", size="small", stdout=out)
    hiep.refresh_from_db()
    assert hiep.phone == ""
    assert "password changed" in out.getvalue()


def test_plan_is_reproducible_and_full_size_is_large():
    first, second = build_plan("full"), build_plan("full")
    assert [p.national_id for p in first.people] == [p.national_id for p in second.people]
    assert [o.name for o in first.orgs] == [o.name for o in second.orgs]
    schools_ir = [o for o in first.orgs if o.kind == "school" and o.country == "IR"]
    schools_vn = [o for o in first.orgs if o.kind == "school" and o.country == "VN"]
    assert len(schools_ir) == 60 and len(schools_vn) == 40
    assert sum(o.parent == "ir.d9" for o in schools_ir) == 40
    iranians = [p for p in first.people if p.id_kind == "ir_national_code"]
    vietnamese = [p for p in first.people if p.id_kind == "vn_cccd"]
    assert 1300 <= len(iranians) <= 1800 and 1300 <= len(vietnamese) <= 1800
    assert len({p.national_id for p in first.people if p.national_id}) == len(iranians) + len(
        vietnamese
    )
    assert sum(o.kind == "peoples_committee" for o in first.orgs) == 31  # 30 communes + city
    kanoon = [p for p in first.positions if p.org == "ir.kanoon"]
    assert len(kanoon) == 100
    assert len(first.partnerships) > 25  # the list pages


# -- createadmin -----------------------------------------------------------------------------


def test_createadmin(monkeypatch):
    out = StringIO()
    call_command(
        "createadmin",
        username="root",
        email="root@example.org",
        password="a long enough secret",
        stdout=out,
    )
    root = get_user_model().objects.get(username="root")
    assert root.is_superuser and root.is_staff and root.check_password("a long enough secret")
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "createadmin", username="root", email="x@example.org", password="another long secret"
        )
    monkeypatch.setenv("EDUPACT_ADMIN_PASSWORD", "from the environment")
    call_command("createadmin", username="ops", email="ops@example.org", stdout=out)
    assert get_user_model().objects.get(username="ops").check_password("from the environment")
    with pytest.raises(CommandError, match="refused"):
        call_command("createadmin", username="weak", email="w@example.org", password="123")
