"""Reference places: Iran's provinces, Vietnam since 1 July 2025 and the units it retired."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from edupact.directory import selectors
from edupact.directory.models import AdminUnit, AdminUnitSuccession
from edupact.directory.places import load_places, read_data

REFORM = dt.date(2025, 7, 1)
Level = AdminUnit.Level
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    """Load the places once for this module inside a transaction rolled back at its end;
    each test runs in a savepoint inside it, so no test sees another's changes."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        counts = load_places()
    yield counts
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def places(_loaded, db):
    return _loaded


def vn(level, code, valid_from=REFORM):
    return AdminUnit.objects.get(country="VN", level=level, code=code, valid_from=valid_from)


def successors(unit):
    return {
        (s.new.code, s.new.valid_from, s.approximate)
        for s in AdminUnitSuccession.objects.filter(old=unit).select_related("new")
    }


def test_vietnam_since_the_reform(places):
    provinces = AdminUnit.objects.filter(country="VN", level=Level.PROVINCE, valid_from=REFORM)
    communes = AdminUnit.objects.filter(country="VN", level=Level.COMMUNE)
    assert provinces.count() == 34
    assert communes.count() == 3321
    hcmc = vn(Level.PROVINCE, "79")
    assert hcmc.name == "Thành phố Hồ Chí Minh"
    assert hcmc.kind == "thành phố trung ương"
    assert hcmc.name_i18n["en"] == "Ho Chi Minh City"
    assert hcmc.valid_to is None
    assert communes.filter(parent=hcmc).count() == 168
    assert vn(Level.COMMUNE, "26740").name == "Phường Sài Gòn"
    # The package writes a few names with two spaces; stored names are normalised.
    assert vn(Level.COMMUNE, "26536").name == "Phường Rạch Dừa"
    assert set(communes.values_list("kind", flat=True)) == {"phường", "xã", "đặc khu"}
    assert all(len(c) == 5 and c.isdigit() for c in communes.values_list("code", flat=True))
    assert not communes.exclude(parent__valid_from=REFORM).exists()
    assert not communes.exclude(valid_from=REFORM).exists()


def test_iran_provinces(places):
    provinces = AdminUnit.objects.filter(country="IR", level=Level.PROVINCE)
    assert provinces.count() == 31
    assert len(set(provinces.values_list("code", flat=True))) == 31
    tehran = provinces.get(code="23")
    assert (tehran.name, tehran.kind, tehran.name_i18n["en"]) == ("تهران", "استان", "Tehran")
    # Folded search finds a place by its English name too.
    assert selectors.admin_units(q="tehran", country="IR").get() == tehran


def test_the_63_provinces_retire_into_the_34(places):
    old = AdminUnit.objects.filter(country="VN", level=Level.PROVINCE, valid_from=None)
    assert old.count() == 63
    assert set(old.values_list("valid_to", flat=True)) == {REFORM}
    new_codes = set(
        AdminUnit.objects.filter(country="VN", level=Level.PROVINCE, valid_from=REFORM).values_list(
            "code", flat=True
        )
    )
    for unit in old:
        ((code, valid_from, approximate),) = successors(unit)
        assert code in new_codes and valid_from == REFORM and approximate is False
    # Every new province has at least one predecessor.
    targets = set(
        AdminUnitSuccession.objects.filter(old__in=old).values_list("new__code", flat=True)
    )
    assert targets == new_codes


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("79", "79"),
        ("74", "79"),
        ("77", "79"),
        ("02", "08"),
        ("10", "15"),
        ("27", "24"),
        ("64", "52"),
        ("72", "80"),
        ("87", "82"),
        ("89", "91"),
        ("94", "92"),
        ("95", "96"),
        ("01", "01"),
    ],
)
def test_successor_of_old_province(places, old, new):
    unit = vn(Level.PROVINCE, old, valid_from=None)
    assert unit.valid_to == REFORM
    assert successors(unit) == {(new, REFORM, False)}
    assert list(unit.successors.all()) == [vn(Level.PROVINCE, new)]


def test_binh_duong_is_found_on_old_dates_only(places):
    on_2024 = selectors.admin_units(country="VN", level=Level.PROVINCE, on=dt.date(2024, 6, 1))
    on_2025 = selectors.admin_units(country="VN", level=Level.PROVINCE, on=REFORM)
    assert on_2024.count() == 63
    assert on_2025.count() == 34
    assert on_2024.filter(code="74", name="Bình Dương").exists()
    assert not on_2025.filter(code="74").exists()


def test_hcmc_districts_retired_with_approximate_successor(places):
    old_hcmc = vn(Level.PROVINCE, "79", valid_from=None)
    districts = AdminUnit.objects.filter(country="VN", level=Level.DISTRICT)
    assert districts.count() == 22
    assert set(districts.values_list("parent", flat=True)) == {old_hcmc.pk}
    assert set(districts.values_list("valid_to", flat=True)) == {REFORM}
    assert districts.get(code="769").name == "Thành phố Thủ Đức"
    assert districts.get(code="760").name == "Quận 1"
    assert districts.get(code="787").name == "Huyện Cần Giờ"
    for district in districts:
        assert successors(district) == {("79", REFORM, True)}
    assert not selectors.admin_units(country="VN", level=Level.DISTRICT, on=REFORM).exists()


def test_data_files_are_consistent():
    old = read_data("vn_provinces_2008.json")["provinces"]
    assert len(old) == 63 and len({p["code"] for p in old}) == 63
    assert len({p["successor"] for p in old}) == 34
    districts = read_data("hcmc_districts_2008.json")["districts"]
    assert len(districts) == 22 and len({d["code"] for d in districts}) == 22


def test_loading_twice_adds_nothing(places):
    assert places["units_created"] == 31 + 34 + 3321 + 63 + 22
    assert places["successions_created"] == 63 + 22
    units, links = AdminUnit.objects.count(), AdminUnitSuccession.objects.count()
    assert load_places() == dict.fromkeys(places, 0)
    assert (AdminUnit.objects.count(), AdminUnitSuccession.objects.count()) == (units, links)
    out = StringIO()
    call_command("load_places", stdout=out)
    assert "nothing changed" in out.getvalue()


def test_loading_again_repairs_changed_reference_data(places):
    unit = vn(Level.COMMUNE, "26740")
    name = unit.name
    AdminUnit.objects.filter(pk=unit.pk).update(name="x", search_key="x")
    AdminUnitSuccession.objects.filter(old__code="74").update(approximate=True)
    counts = load_places()
    assert counts["units_updated"] == 1 and counts["units_created"] == 0
    assert counts["successions_updated"] == 1
    unit.refresh_from_db()
    assert unit.name == name


def test_bulk_loaded_search_keys_match_save(places):
    """bulk_create skips save(): the keys the loader computed must be the ones save() makes."""
    sample = list(AdminUnit.objects.order_by("code")[::97])
    assert len(sample) > 30
    for unit in sample:
        before = (unit.name, unit.search_key)
        unit.save()
        assert (unit.name, unit.search_key) == before


def test_command_reports_what_it_created(places):
    AdminUnitSuccession.objects.all().delete()
    AdminUnit.objects.filter(country="IR", code="23").update(name="x")
    out = StringIO()
    call_command("load_places", stdout=out)
    assert "0 created, 1 updated; successions: 85 created" in out.getvalue()
