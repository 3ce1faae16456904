"""The province's closure of the year is a step with a deadline: 31 March of the next year
by default (the brief gives no date; two months after the communes' approval), shown with a
light on the province's page, set by the province on its deadlines page (not by a commune),
and reminded to the province's writers — except in a province that has closed already."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from factories import OrganisationFactory, RoleGrantFactory, UserFactory
from test_evaluation_province_closure import approve_communes, city, decide_city_records  # noqa: F401
from test_evaluation_rollups import places, unit  # noqa: F401 — the shared fixture
from test_evaluation_workflow import YEAR, cycle  # noqa: F401

from edupact.accounts.models import Role
from edupact.core.scoping import Scope
from edupact.directory.models import Organisation
from edupact.evaluation import selectors, workflow
from edupact.evaluation.models import Deadline, Reminder, Step

pytestmark = pytest.mark.django_db
CLOSURE = Step.PROVINCE_CLOSURE
EVERYTHING = Scope(everything=True)


@pytest.fixture
def two(city):  # noqa: F811
    """HCMC (its secretariat: ``city_user``, with an e-mail) and Hà Nội, whose association
    has a secretariat user of its own; no commune of Hà Nội, so it may close at once."""
    p = city
    p.city_user.language = "en"
    p.city_user.save()
    p.hanoi = unit("province", "Thành phố Hà Nội", code="01")
    org = OrganisationFactory(
        name="Hội Khuyến học TP. Hà Nội", kind=Organisation.Kind.ASSOCIATION, country="VN"
    )
    org.admin_unit = p.hanoi
    org.save()
    p.hanoi_user = UserFactory(username="hanoi", email="hn@example.vn", language="vi")
    RoleGrantFactory(user=p.hanoi_user, role=Role.SECRETARIAT, organisation=org)
    return p


def test_the_default_follows_the_communes_approval(two):
    p = two
    due = workflow.deadlines_for(p.city, YEAR)
    assert list(due)[-2:] == ["commune_approval", "province_closure"]  # in date order
    closure = due["province_closure"]
    assert (closure.level, closure.due, closure.remind_days) == (
        "province",
        dt.date(YEAR + 1, 3, 31),
        7,
    )
    assert workflow.ensure_deadlines(YEAR) == 7
    assert Deadline.objects.get(year=YEAR, step=CLOSURE, admin_unit=None).due == dt.date(
        2025, 3, 31
    )
    # A changed default carries on to the next year, like the other steps.
    workflow.set_deadline(EVERYTHING, YEAR, CLOSURE, dt.date(2025, 2, 28))
    assert workflow.deadlines_for(p.city, YEAR + 1)[CLOSURE].due == dt.date(2026, 2, 28)


def test_reminders_go_to_the_provinces_still_open(two):
    """Worked example: the window opens on 24 March 2025 (7 days before 31 March). On 28
    March both secretariats are reminded; HCMC closes its 2024 year that day, so on 29 March
    only Hà Nội is reminded, and nobody on the hamlet or commune level ever is."""
    p = two
    p.city_user.email = "hcm@example.vn"
    p.city_user.save()
    workflow.ensure_deadlines(YEAR)
    assert workflow.send_reminders(dt.date(2025, 3, 23)) == 0  # before the window
    assert workflow.send_reminders(dt.date(2025, 3, 28)) == 2
    assert {(r.user, r.deadline.step) for r in Reminder.objects.all()} == {
        (p.city_user, CLOSURE),
        (p.hanoi_user, CLOSURE),
    }
    english = next(m for m in mail.outbox if m.to == ["hcm@example.vn"])
    assert english.subject == "Reminder: closure of the province's year"
    assert (
        english.body
        == f"Closure of the province's year for {YEAR} is due in 3 days, on 31/03/2025."
    )
    assert workflow.send_reminders(dt.date(2025, 3, 28)) == 0  # once a day

    approve_communes(p)
    decide_city_records(p)
    workflow.approve_year(p.province, p.city, YEAR)
    assert workflow.finished_places(YEAR, CLOSURE, [p.city.pk, p.hanoi.pk]) == {p.city.pk}
    assert workflow.send_reminders(dt.date(2025, 3, 29)) == 1
    assert Reminder.objects.get(day=dt.date(2025, 3, 29)).user == p.hanoi_user
    workflow.approve_year(EVERYTHING, p.hanoi, YEAR)  # no commune
    assert workflow.send_reminders(dt.date(2025, 3, 30)) == 0


def test_the_province_page_shows_the_closure_deadline_and_its_light(two, client_as, api_client):
    p = two
    url = f"/evaluation/cycle/{p.city.pk}/{YEAR}/"
    closure = selectors.province_cycle(p.city, YEAR, today=dt.date(2025, 3, 1))
    assert (closure["closure_deadline"].due, closure["closure_light"]) == (
        dt.date(2025, 3, 31),
        "open",
    )
    assert (
        selectors.province_cycle(p.city, YEAR, today=dt.date(2025, 3, 25))["closure_light"]
        == "soon"
    )

    def light(page):
        return re.search(r'id="closure-deadline">(.*?)</p>', page.text, re.S).group(1)

    secretariat = client_as(p.city_user, "en")
    text = light(secretariat.get(url))  # today is after 31 March 2025: overdue
    assert "The province closes its year by 31 Mar 2025." in text and "overdue" in text
    fa = light(client_as(p.tree.users["platform_admin"], "fa").get(url))
    assert "۱۴۰۴/۰۱/۱۱" in fa  # 31 March 2025 in the Solar Hijri calendar
    body = api_client(p.city_user).get(f"/api/v1/evaluation/cycle/{p.city.pk}/{YEAR}").json()
    assert (body["closure_deadline"], body["closure_light"]) == ("2025-03-31", "overdue")

    approve_communes(p)
    decide_city_records(p)
    workflow.approve_year(p.province, p.city, YEAR)
    assert "done" in light(secretariat.get(url))
    commune = selectors.commune_cycle(p.a, YEAR)
    step = next(s for s in commune["steps"] if s["deadline"].step == CLOSURE)
    assert (step["done"], step["light"]) == (True, "done")


def test_the_province_sets_it_a_commune_does_not(two, client_as):
    """A commune times its own and its hamlets' steps, not the province's approval of the
    communes nor the closure: those are the province's to set, for all its communes."""
    p = two
    for step in (CLOSURE, Step.COMMUNE_APPROVAL):
        with pytest.raises(ValidationError) as exc:
            workflow.set_deadline(p.commune, YEAR, step, dt.date(2025, 3, 1), p.a)
        assert exc.value.message_dict["step"] == [
            "This step is taken above this place: its deadline is set there."
        ]
    own = workflow.set_deadline(p.commune, YEAR, Step.DOSSIER, dt.date(2025, 1, 10), p.a)
    assert (own.admin_unit, own.due) == (p.a, dt.date(2025, 1, 10))
    assert workflow.deadlines_for(p.a, YEAR)[Step.DOSSIER].due == dt.date(2025, 1, 10)
    city_page = client_as(p.city_user, "en")
    form = {}
    for step, d in workflow.deadlines_for(p.city, YEAR).items():
        form[f"{step}-due"] = d.due.strftime("%d/%m/%Y")
        form[f"{step}-remind_days"] = d.remind_days
    form[f"{CLOSURE}-due"] = "15/03/2025"
    form[f"{CLOSURE}-remind_days"] = 10
    saved = city_page.post(f"/evaluation/deadlines/{p.city.pk}/{YEAR}/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    own = Deadline.objects.get(step=CLOSURE, admin_unit=p.city)
    assert (own.due, own.remind_days, own.level) == (dt.date(2025, 3, 15), 10, "province")
    assert workflow.deadlines_for(p.hanoi, YEAR)[CLOSURE].due == dt.date(2025, 3, 31)

    official = client_as(p.tree.users["commune_official"], "en")
    page = official.get(f"/evaluation/deadlines/{p.a.pk}/{YEAR}/").text
    row = re.search(r'data-step="province_closure">(.*?)</tr>', page, re.S).group(1)
    assert "set by the province" in row and "<input" not in row
    assert 'name="review-due"' in page  # the commune's own steps stay editable
    form = {}
    for step, d in workflow.deadlines_for(p.a, YEAR).items():
        form[f"{step}-due"] = d.due.strftime("%d/%m/%Y")
        form[f"{step}-remind_days"] = d.remind_days
    form["review-due"] = "12/12/2024"
    form[f"{CLOSURE}-due"] = "01/01/2025"  # ignored: not the commune's to set
    assert official.post(f"/evaluation/deadlines/{p.a.pk}/{YEAR}/", form).status_code == 302
    assert workflow.deadlines_for(p.a1, YEAR)["review"].due == dt.date(2024, 12, 12)
    assert not Deadline.objects.filter(step=CLOSURE, admin_unit=p.a).exists()
    assert workflow.deadlines_for(p.a, YEAR)[CLOSURE].due == dt.date(2025, 3, 15)  # the city's
