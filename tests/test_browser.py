"""Journeys in real Chromium: sign in, switch language, a mirrored Persian page, and a form
error on its field in each language."""

import datetime as dt

import pytest
from django.utils import translation
from playwright.sync_api import expect

from edupact.accounts.models import Role, RoleGrant, User
from edupact.core.scoping import Scope
from edupact.directory.models import Organisation, Participant, Partnership, Person, Position
from edupact.directory.services import save_organisation, save_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-browser-password"


@pytest.fixture
def officer(db):
    everything = Scope(everything=True)
    office = save_organisation(everything, Organisation(
        name="اداره آموزش و پرورش منطقه ۹", name_i18n={"en": "District 9 education office"},
        kind=Organisation.Kind.EDUCATION_OFFICE, country="IR"))
    head = save_person(everything, Person(
        given_name="علی اکبر", family_name="محسنی نسب", home_organisation=office,
        id_kind=Person.IdKind.IR_NATIONAL_CODE, national_id="0076229645"))
    Position.objects.create(person=head, organisation=office, title="رئیس اداره",
                            title_i18n={"en": "Head of the office"}, start=dt.date(2016, 9, 22))
    meeting = Partnership.objects.create(name="نشست منطقه ۹", kind="joint_meeting",
                                         signed_on=dt.date(2017, 4, 9), start=dt.date(2017, 4, 9))
    meeting.members.create(organisation=office)
    Participant.objects.create(partnership=meeting, person=head, organisation=office)
    user = User.objects.create_user("officer", password=PASSWORD, person=head, language="en")
    RoleGrant.objects.create(user=user, role=Role.EDUCATION_OFFICER, organisation=office)
    return user


def sign_in(page, live_server, username="officer"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def switch_to(page, language):
    page.click(f".lang-switch button[value={language}]")
    # A locator waits without evaluating a string in the page: the Content-Security-Policy
    # forbids that (wait_for_function's polling is an eval).
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_sign_in_and_see_home(page, live_server, officer):
    sign_in(page, live_server)
    assert "محسنی نسب" in page.inner_text("h1")
    assert page.locator("nav >> text=People").count() == 1


def test_wrong_password_is_refused(page, live_server, officer):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "wrong")
    page.click("main button[type=submit]")
    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist").count() == 1


def test_switching_language_mirrors_the_page(page, live_server, officer):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/directory/partnerships/")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    ltr_brand = page.locator(".brand").bounding_box()
    switch_to(page, "fa")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    rtl_brand = page.locator(".brand").bounding_box()
    width = page.viewport_size["width"]
    # The brand sits at the start of the bar: the left edge in English, the right in Persian.
    assert ltr_brand["x"] < width / 4
    assert rtl_brand["x"] + rtl_brand["width"] > width * 3 / 4
    # Table cells start on the right too: text-align is logical.
    assert page.evaluate("getComputedStyle(document.querySelector('th')).textAlign") in (
        "start", "right")
    # Jalali date with Persian digits.
    assert "۱۳۹۶/۰۱/۲۰" in page.inner_text("#results")
    switch_to(page, "vi")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert "09/04/2017" in page.inner_text("#results")


@pytest.mark.parametrize("language", ["fa", "vi", "en"])
def test_form_error_on_its_field_in_each_language(page, live_server, officer, language):
    sign_in(page, live_server)
    if language != "en":
        switch_to(page, language)
    page.goto(f"{live_server.url}/directory/people/new/")
    page.fill("input[name=family_name]", "Test")
    page.select_option("select[name=id_kind]", "ir_national_code")
    page.fill("input[name=national_id]", "۱۲۳۴۵۶۷۸۹۰")
    page.select_option("select[name=home_organisation]", index=1)
    page.click("main form button[type=submit]")
    error = page.locator("#id_national_id_error")
    error.wait_for()
    with translation.override(language):
        expected = translation.gettext("This national code is not valid.")
    if language != "en":
        assert expected != "This national code is not valid.", "catalogue lacks this message"
    assert expected in error.inner_text()
    assert Person.objects.filter(family_name="Test").count() == 0


def test_masked_identifier_is_revealed_on_request(page, live_server, officer):
    sign_in(page, live_server)
    person = Person.objects.get(family_name="محسنی نسب")
    page.goto(f"{live_server.url}/directory/people/{person.pk}/")
    assert "007****645" in page.inner_text("#national-id")
    page.click("#national-id + button")
    expect(page.locator("#national-id")).to_contain_text("0076229645")
    assert "0076229645" in page.inner_text("#national-id")
