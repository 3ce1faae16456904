"""Shared fixtures: a small two-country directory with a user for every role, an API
client that sends bearer tokens, and Chromium driven through Playwright.

With ``EDUPACT_REQUIRE_ALL=1`` (as in ``make test`` and CI) nothing may be skipped: a
skipped test is reported as a failure, and a run that was meant for one database
(``EDUPACT_EXPECT_DB``) stops if Django is connected to another.
"""

import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.test.utils import override_settings
from factories import (
    ApiTokenFactory,
    OrganisationFactory,
    PartnershipFactory,
    PersonFactory,
    PositionFactory,
    RoleGrantFactory,
    UserFactory,
)
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# to touch the database from a thread that has one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_ALL = os.environ.get("EDUPACT_REQUIRE_ALL", "") not in ("", "0", "false", "no")
CHROMIUM = os.environ.get("EDUPACT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

hypothesis_settings.register_profile(
    "ci",
    deadline=None,
    database=None,
    print_blob=True,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


# Nothing skipped when everything is required ----------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but EDUPACT_REQUIRE_ALL is set: {reason}"


_SKIPPED_MODULES: list[str] = []


def pytest_collectreport(report):
    """A module skipped as a whole (``importorskip``…) fails the run at the end; failing it
    here would stop the collection of everything else."""
    if REQUIRE_ALL and report.skipped:
        _SKIPPED_MODULES.append(f"{report.nodeid}: {report.longrepr}")


def pytest_terminal_summary(terminalreporter):
    if _SKIPPED_MODULES:
        terminalreporter.section("skipped although EDUPACT_REQUIRE_ALL is set", red=True)
        for line in _SKIPPED_MODULES:
            terminalreporter.line(line, red=True)


def pytest_sessionfinish(session, exitstatus):
    if _SKIPPED_MODULES and exitstatus == 0:
        session.exitstatus = 1


def pytest_collection_modifyitems(config, items):
    """Browser tests are marked by their fixtures; tests of PostgreSQL's own behaviour are
    deselected (not skipped) on SQLite: ``make test`` runs them in its PostgreSQL pass."""
    from django.db import connection

    kept, dropped = [], []
    for item in items:
        if {"browser", "page", "page_as"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("postgresql") and connection.vendor != "postgresql":
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def _expected_database():
    """A PostgreSQL run that silently fell back to SQLite would prove nothing."""
    from django.db import connection

    expected = os.environ.get("EDUPACT_EXPECT_DB")
    if expected and connection.vendor != expected:
        pytest.exit(f"EDUPACT_EXPECT_DB={expected} but Django uses {connection.vendor}", 3)


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Quick password hashing, and static files collected with hashed names as production
    serves them (the manifest fails on a template naming a missing file), minus WhiteNoise's
    Brotli compression, which takes minutes on the admin's files."""
    from django.conf import settings
    from django.core.management import call_command

    static_root = Path(tempfile.mkdtemp(prefix="edupact-static-"))
    storages = dict(settings.STORAGES)
    if storages["staticfiles"]["BACKEND"].endswith("ManifestStaticFilesStorage"):
        storages["staticfiles"] = {
            "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        }
    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STATIC_ROOT=static_root,
        STORAGES=storages,
    )
    overrides.enable()
    try:
        if storages["staticfiles"]["BACKEND"].endswith("ManifestStaticFilesStorage"):
            call_command("collectstatic", interactive=False, verbosity=0)
        yield
    finally:
        overrides.disable()
        shutil.rmtree(static_root, ignore_errors=True)


@pytest.fixture(autouse=True)
def _default_language():
    """Code called in-process speaks English, the source language, so that assertions on
    messages read as written; requests still choose their language as in production."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


# A small directory with every role -------------------------------------------------------


@pytest.fixture
def tree(db):
    """The small directory of ``build_tree``, for one test."""
    return build_tree()


def build_tree():
    """Two countries, one user per role. Attribute names as below; ``users`` by role value.

    IR  ministry → tehran (department) → district9 (office) → school_a, school_b
        association → secretariat → kanoon
    VN  doet (HCMC Department of Education and Training) → vn_school
        vn_association (HCMC) → commune_branch → hamlet_branch
    """
    from edupact.accounts.models import Role
    from edupact.directory.models import Country, Organisation, Person

    K = Organisation.Kind
    t = SimpleNamespace()
    t.ministry = OrganisationFactory(
        name="وزارت آموزش و پرورش", kind=K.MINISTRY, country=Country.IRAN, legal_id="10380284790"
    )
    t.tehran = OrganisationFactory(
        name="اداره کل آموزش و پرورش شهر تهران", kind=K.EDUCATION_DEPARTMENT, parent=t.ministry
    )
    t.district9 = OrganisationFactory(
        name="اداره آموزش و پرورش منطقه ۹", kind=K.EDUCATION_OFFICE, parent=t.tehran
    )
    t.school_a = OrganisationFactory(name="دبستان شهید رجایی", kind=K.SCHOOL, parent=t.district9)
    t.school_b = OrganisationFactory(name="دبیرستان فرزانگان", kind=K.SCHOOL, parent=t.district9)
    t.association = OrganisationFactory(
        name="انجمن قرض‌الحسنه", kind=K.ASSOCIATION, country=Country.IRAN
    )
    t.secretariat = OrganisationFactory(
        name="دبیرخانه تهران", kind=K.SECRETARIAT, parent=t.association
    )
    t.kanoon = OrganisationFactory(name="کانون محله ۹", kind=K.KANOON, parent=t.secretariat)
    t.doet = OrganisationFactory(
        name="Sở Giáo dục và Đào tạo TP.HCM", kind=K.EDUCATION_DEPARTMENT, country=Country.VIETNAM
    )
    t.vn_school = OrganisationFactory(name="Trường THCS Nguyễn Du", kind=K.SCHOOL, parent=t.doet)
    t.vn_association = OrganisationFactory(
        name="Hội Khuyến học TP.HCM", kind=K.ASSOCIATION, country=Country.VIETNAM
    )
    t.commune_branch = OrganisationFactory(
        name="Chi hội Khuyến học xã Bình Chánh", kind=K.BRANCH, parent=t.vn_association
    )
    t.hamlet_branch = OrganisationFactory(
        name="Chi hội ấp 3", kind=K.BRANCH, parent=t.commune_branch
    )
    t.organisations = [v for v in vars(t).values() if isinstance(v, Organisation)]

    person = PersonFactory
    t.minister = person(home_organisation=t.ministry, family_name="Karimi")
    t.dept_head = person(home_organisation=t.tehran, family_name="Rahimi")
    t.officer = person(home_organisation=t.district9, family_name="Hosseini")
    t.principal = person(home_organisation=t.school_a, family_name="Moradi", sex="female")
    t.teacher_b = person(home_organisation=t.school_b, family_name="Jafari")
    t.association_head = person(home_organisation=t.association, family_name="Mousavi")
    t.secretary = person(home_organisation=t.secretariat, family_name="Sadeghi")
    t.kanoon_head = person(home_organisation=t.kanoon, family_name="Kazemi")
    t.member = person(
        home_organisation=t.kanoon, family_name="Tehrani", given_name="Zahra", sex="female"
    )
    t.other_member = person(home_organisation=t.kanoon, family_name="Ebrahimi")
    t.doet_head = person(
        home_organisation=t.doet,
        family_name="Lê",
        middle_name="Thị",
        given_name="Lan",
        sex="female",
    )
    t.vn_teacher = person(
        home_organisation=t.vn_school, family_name="Nguyễn", middle_name="Văn", given_name="Hiếu"
    )
    t.vn_association_head = person(home_organisation=t.vn_association, family_name="Trần")
    t.commune_head = person(home_organisation=t.commune_branch, family_name="Phạm")
    t.hamlet_head = person(home_organisation=t.hamlet_branch, family_name="Võ")
    t.people = [v for v in vars(t).values() if isinstance(v, Person)]

    # The association's head also sits on District 9's council: seen from District 9 too.
    t.council_seat = PositionFactory(
        person=t.association_head, organisation=t.district9, title="council member"
    )
    t.ir_partnership = PartnershipFactory(
        name="صورتجلسه منطقه ۹ و انجمن", organisations=[t.district9, t.secretariat]
    )
    t.vn_partnership = PartnershipFactory(
        name="Kế hoạch phối hợp 2022-2030",
        kind="coordination_plan",
        organisations=[t.doet, t.vn_association],
    )
    t.partnerships = [t.ir_partnership, t.vn_partnership]

    where = {
        Role.PLATFORM_ADMIN: t.ministry,
        Role.SECRETARIAT: t.secretariat,
        Role.SOCIAL_BANKER: t.secretariat,
        Role.EDUCATION_OFFICER: t.district9,
        Role.PRINCIPAL: t.school_a,
        Role.KANOON_LEADER: t.kanoon,
        Role.COMMUNE_OFFICIAL: t.commune_branch,
        Role.HAMLET_BRANCH: t.hamlet_branch,
        Role.TRAINER: t.vn_association,
        Role.MEMBER: t.kanoon,
    }
    t.grant_on = where
    t.users = {}
    for role, organisation in where.items():
        user = UserFactory(username=role.value, person=t.member if role == Role.MEMBER else None)
        RoleGrantFactory(user=user, role=role, organisation=organisation)
        t.users[role.value] = user
    for organisation in t.organisations:
        organisation.refresh_from_db()
    return t


# HTTP clients ------------------------------------------------------------------------------


@pytest.fixture
def client_as(db):
    """``client_as(user)``: a test client signed in as ``user`` (optionally in a language)."""

    def make(user, language: str | None = None) -> Client:
        c = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        if language:
            c.cookies["edupact_language"] = language
        return c

    return make


@pytest.fixture
def api_client(db):
    """``api_client(user)``: a client sending ``Authorization: Bearer <token>``; the token
    is on ``client.token`` (with its raw value on ``client.token.raw``)."""

    def make(user, **headers) -> Client:
        token = ApiTokenFactory(user=user)
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        c = Client(HTTP_AUTHORIZATION=f"Bearer {token.raw}", **extra)
        c.token = token
        return c

    return make


# Chromium through Playwright ---------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if REQUIRE_ALL:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, but serving the collected (hashed) static files.

    Its default handler looks files up through the finders, which know nothing of the
    manifest names that templates render in production mode.
    """
    from django.test.testcases import _StaticFilesHandler
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _StaticFilesHandler
    server.start()
    yield server
    server.stop()


@pytest.fixture
def browser_locale():
    """Override with ``@pytest.mark.parametrize("browser_locale", ["vi-VN"])``."""
    return "fa-IR"


@pytest.fixture
def new_context(browser, live_server, browser_locale):
    """``new_context(locale=…)``: a fresh browser context whose base URL is the live server."""
    contexts = []

    def make(locale: str | None = None, **kwargs):
        context = browser.new_context(
            base_url=live_server.url, locale=locale or browser_locale, **kwargs
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """An anonymous page in a new context, in ``browser_locale``."""
    return new_context().new_page()


@pytest.fixture
def page_as(new_context, live_server):
    """``page_as(user, locale="vi-VN")``: a page already signed in as ``user``."""
    from urllib.parse import urlparse

    from django.conf import settings

    def make(user, locale: str | None = None, **kwargs):
        c = Client()
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        context = new_context(locale=locale, **kwargs)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": c.cookies[settings.SESSION_COOKIE_NAME].value,
                    "domain": urlparse(live_server.url).hostname,
                    "path": "/",
                }
            ]
        )
        return context.new_page()

    return make
