"""The hamlet branch's year in real Chromium, in Vietnamese, English and Persian: it opens a
registered household, records its self-assessment with the form (watching the live score),
attaches an evidence file, then records the review meeting with attendees and minutes and
downloads the minutes PDF; later it corrects a recorded meeting, giving the reason, and the
meeting page keeps the earlier version."""

import datetime as dt

import pytest
from django.utils import translation
from playwright.sync_api import expect
from test_browser_evaluation import LANGUAGES, open_as, shown, typed
from test_evaluation_cycle import DAY, hamlet  # noqa: F401 — the shared fixture
from test_evaluation_meeting_correction import held  # noqa: F401 — the shared fixture
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.accounts.selectors import scope_for
from edupact.core.calendars import parse_date
from edupact.core.money import format_number
from edupact.core.preferences import default_calendar
from edupact.evaluation import cycle
from edupact.evaluation.models import (
    Assessment,
    EvidenceFile,
    MeetingRevision,
    Proposal,
    ReviewMeeting,
    Subject,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n% giay khen\n%%EOF\n"


@pytest.fixture
def registered(places, settings, tmp_path):  # noqa: F811
    """Hộ ông Võ Văn Ba, registered by the hamlet branch of Khu phố 1 for this year."""
    settings.MEDIA_ROOT = tmp_path / "media"
    p = places
    p.year = dt.date.today().year
    subject = Subject(
        kind="household",
        name="Hộ ông Võ Văn Ba",
        organisation=p.tree.hamlet_branch,
        admin_unit=p.a1,
    )
    members = [cycle.MemberRow("Võ Văn Ba", 1970, "chủ hộ"), cycle.MemberRow("Lê Thị Hoa", 1975)]
    p.assessment = cycle.register(
        scope_for(p.tree.users["hamlet_branch"]),
        subject,
        cycle.Registration(p.year, members=members),
    )
    return p


def said(language, text, **values):
    with translation.override(language):
        return translation.gettext(text) % values if values else translation.gettext(text)


def points(language, total):
    """The live score as the reader sees it: Persian digits in fa."""
    return said(
        language,
        "%(total)s of %(max)s points",
        total=format_number(total, language),
        max=format_number(10, language),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_hamlet_branch_records_a_self_assessment_and_the_review(
    registered, page_as, live_server, language
):
    p = registered
    page = open_as(page_as, live_server, p.tree.users["hamlet_branch"], language)
    page.goto("/evaluation/subjects/")
    assert page.evaluate("document.documentElement.lang") == language
    page.fill("#q", "vo van ba")  # diacritics-insensitive search, swapped in by htmx
    link = page.locator("#subjects").get_by_role("link", name="Hộ ông Võ Văn Ba")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url("**/evaluation/subjects/*/")
    assert page.locator("#members").get_by_text("Lê Thị Hoa").count() == 1

    # The self-assessment: the form is the framework's, the score follows the typing.
    page.locator(f"a[href$='/assess/{p.year}/']").click()
    page.wait_for_url(f"**/assess/{p.year}/")
    answer = page.locator("#assess-form input[inputmode=decimal]")
    assert answer.count() == 1
    answer.fill("3")
    expect(page.locator("#preview #score-total")).to_contain_text(points(language, 3))
    expect(page.locator("#preview #failures li")).to_have_count(1)
    answer.fill("9")
    expect(page.locator("#preview #score-total")).to_contain_text(points(language, 9))
    expect(page.locator("#preview #failures")).to_have_count(0)
    assert Assessment.objects.get().status == Assessment.Status.REGISTERED  # preview only
    answer.blur()  # the blur's own preview request ends before the form is sent
    page.wait_for_load_state("networkidle")
    page.locator("#assess-form button[type=submit]").click()
    page.wait_for_url("**/evaluation/assessments/*/")
    a = Assessment.objects.get()
    assert a.status == Assessment.Status.SELF_ASSESSED and a.answers == {"I1": 9}

    # Evidence, kept behind the scoped view.
    page.set_input_files(
        "#id_file", {"name": "giấy khen.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("#upload button[type=submit]").click()
    evidence_link = page.locator("#evidence").get_by_role("link", name="giấy khen.pdf")
    expect(evidence_link).to_be_visible()
    assert EvidenceFile.objects.get().sha256
    download = page.request.get(evidence_link.get_attribute("href"))
    assert download.status == 200 and download.body() == PDF

    # The review meeting, its attendees, the proposal and the minutes.
    page.goto(f"/evaluation/meetings/new/?year={p.year}")
    row = page.locator(f"#proposals tr[data-assessment='{a.pk}']")
    assert row.get_by_text("Hộ ông Võ Văn Ba", exact=True).count() == 1
    assert row.locator(f"#id_p{a.pk}_proposed").is_checked()  # it meets the criteria
    page.fill("#id_date", typed(dt.date.today(), language))
    page.fill("#id_place", "Nhà văn hóa khu phố 1")
    page.fill("#id_chair", "Võ Văn Năm")
    page.fill("#id_secretary", "Lê Thị Hoa")
    page.fill("#id_invited", "30")
    page.fill("#id_present", "25")
    page.fill("#id_minutes", "Hội nghị bình xét gia đình học tập, thống nhất đề nghị công nhận.")
    page.select_option("#id_attendees-0-person", str(p.tree.hamlet_head.pk))
    page.fill("#id_attendees-0-role", "Chi hội trưởng")
    page.fill("#id_attendees-1-name", "Trần Văn Sáu")
    page.fill("#id_attendees-1-role", "Trưởng khu phố")
    page.fill(f"#id_p{a.pk}_for", "24")
    page.fill(f"#id_p{a.pk}_against", "0")
    page.fill(f"#id_p{a.pk}_abstain", "1")
    page.locator("form[method=post] button.primary").click()
    page.wait_for_url("**/evaluation/meetings/*/")
    meeting = ReviewMeeting.objects.get()
    assert page.url.endswith(meeting.get_absolute_url())
    assert said(language, "The review meeting is recorded.") in page.inner_text("ul.messages")
    assert page.locator("#attendees").get_by_text("Trần Văn Sáu").count() == 1
    a.refresh_from_db()
    assert a.status == Assessment.Status.PROPOSED

    minutes = page.locator("#minutes-pdf")
    response = page.request.get(minutes.get_attribute("href"), timeout=60_000)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_hamlet_branch_corrects_a_review_meeting_with_a_reason(
    held,  # noqa: F811
    page_as,
    live_server,
    language,
):
    """The secretary's name was misspelt and Hộ Ba's votes miscounted: the branch corrects the
    meeting, must give the reason, and the meeting page keeps the earlier version beside it."""
    p = held
    page = open_as(page_as, live_server, p.tree.users["hamlet_branch"], language)
    url = p.meeting.get_absolute_url()
    page.goto(url)
    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "fa" else "ltr")
    assert shown(DAY, language, "long") in page.inner_text(".facts")
    assert page.locator("#revisions").count() == 0
    page.locator("#correct-meeting").click()
    page.wait_for_url(f"**{url}correct/")
    # The form opens with the record as it stands, the date in the reader's calendar.
    date = page.locator("#id_date").input_value()
    assert parse_date(date, default_calendar(language)) == DAY
    assert page.locator("#id_secretary").input_value() == "Lê Thị Hoa"

    page.fill("#id_secretary", "Lê Thị Hoa Mai")
    page.fill(f"#id_p{p.ba.pk}_for", format_number(21, language))  # typed the reader's way
    page.fill(f"#id_p{p.ba.pk}_against", "2")
    page.locator("#meeting-correction button.primary").click()  # no reason given
    page.wait_for_load_state()
    assert said(language, "This field is required.") in page.inner_text("#meeting-correction")
    assert not MeetingRevision.objects.exists()

    page.fill("#id_reason", "Ghi sai tên thư ký; đếm phiếu sai")
    page.locator("#meeting-correction button.primary").click()
    page.wait_for_url(f"**{url}")
    assert not page.url.endswith("correct/")
    message = said(language, "The meeting is corrected; the earlier version is kept below.")
    assert message in page.inner_text("ul.messages")
    assert "Lê Thị Hoa Mai" in page.inner_text(".facts")
    assert Proposal.objects.get(assessment=p.ba).votes_for == 21

    revision = MeetingRevision.objects.get()
    version = page.locator("#revisions details[data-version='1']")
    summary = version.locator("summary").inner_text()
    replaced = said(
        language,
        "Version %(number)s, replaced on %(when)s",
        number=format_number(1, language),
        when=shown(revision.corrected_at, language),
    )
    assert replaced in summary and "Ghi sai tên thư ký; đếm phiếu sai" in summary
    version.locator("summary").click()
    old = version.inner_text()
    assert "Lê Thị Hoa" in old and "Lê Thị Hoa Mai" not in old
    votes = " / ".join(format_number(n, language) for n in (20, 3, 2))
    assert f"({votes})" in old  # Hộ Ba's votes as first recorded
    assert shown(DAY, language, "long") in old
