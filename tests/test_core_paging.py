"""Lists stop counting at COUNT_CAP: the page says "more than" and search narrows it."""

import pytest

from edupact.core import paging
from edupact.core.paging import page_of
from edupact.directory.models import AdminUnit


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)


@pytest.fixture
def units(db):
    AdminUnit.objects.bulk_create(
        AdminUnit(name=f"Ấp {i}", country="VN", level="hamlet", search_key=f"ap {i}")
        for i in range(12)
    )
    return AdminUnit.objects.order_by("id")


def test_count_stops_after_the_cap(small_cap, units):
    assert paging.capped_count(units) == 6
    assert paging.capped_count(units.filter(search_key="ap 1")) == 1
    assert paging.capped_count(list(range(3))) == 3


def test_page_says_more_than_the_cap(small_cap, units, rf):
    page = page_of(rf.get("/", {"page": "1"}), units, per_page=2)
    assert page.paginator.more_than_cap
    assert page.paginator.num_pages == 3
    assert [u.name for u in page] == ["Ấp 0", "Ấp 1"]


def test_page_below_the_cap_is_exact(units, rf):
    page = page_of(rf.get("/"), units, per_page=5)
    assert not page.paginator.more_than_cap
    assert page.paginator.count == 12
