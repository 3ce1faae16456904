"""Guarantors are asked by SMS, and borrowers hear the answer: in the reader's language
(their user's, else their kanoon's, else the fund's), with the borrower's name, the amount
in the fund's currency and where to confirm; once per guarantee and kind."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from factories import RoleGrantFactory, UserFactory

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.core import sms
from edupact.core.errors import Refused
from edupact.core.identifiers import mask
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.funds import guarantees, notices, services
from edupact.funds.models import (
    Fund,
    Guarantee,
    GuaranteeNotice,
    GuaranteeStatus,
    LoanProduct,
    NoticeKind,
)

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)


class FailingBackend(sms.BaseBackend):
    def send(self, to, body):
        raise ConnectionError("gateway down")


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.EDUPACT_SMS_BACKEND = "edupact.core.sms.LocmemBackend"
    sms.LocmemBackend.outbox.clear()
    yield sms.LocmemBackend.outbox
    sms.LocmemBackend.outbox.clear()


@pytest.fixture
def k(tree):
    """Zahra (member, English user) borrows 50,000,000 rials; Ebrahimi reads Vietnamese,
    the principal has a user without a language, the head of the kanoon has no user."""
    fund = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    product = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="big", max_amount=10**10, guarantors_required=2)
    )
    ns = type("K", (), {})()
    ns.fund = fund
    ns.alice = services.open_account(EVERYTHING, fund, person=tree.member)
    ns.bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    ns.carol = services.open_account(EVERYTHING, fund, person=tree.principal)
    ns.dave = services.open_account(EVERYTHING, fund, person=tree.kanoon_head)
    for account in (ns.alice, ns.bob, ns.carol, ns.dave):
        services.deposit(EVERYTHING, account, 100_000_000, D - dt.timedelta(days=365))
    tree.users["member"].language = "en"
    tree.users["member"].save()
    ns.bob_user = UserFactory(username="bob", person=tree.other_member, language="vi")
    RoleGrantFactory(user=ns.bob_user, role=Role.MEMBER, organisation=tree.kanoon)
    ns.carol_user = UserFactory(username="carol", person=tree.principal)
    RoleGrantFactory(user=ns.carol_user, role=Role.MEMBER, organisation=tree.kanoon)
    ns.loan = services.request_loan(EVERYTHING, ns.alice, product, 50_000_000, 10, D)
    return ns


def _url(g: Guarantee) -> str:
    return settings.EDUPACT_SITE_URL + reverse("funds:guarantee", args=[g.pk])


def test_the_guarantor_is_asked_in_their_language(k, tree, outbox):
    borrower = scope_for(tree.users["member"])
    g_bob = guarantees.invite_guarantor(borrower, k.loan, k.bob, 30_000_000, D)
    assert outbox[-1].to == tree.other_member.phone
    assert outbox[-1].body == (
        f"edupact: {k.alice.owner_name} đề nghị bạn bảo lãnh 30.000.000\xa0IRR trong khoản vay "
        f"50.000.000\xa0IRR của họ từ صندوق کانون ۹. Xác nhận hoặc từ chối tại {_url(g_bob)}"
    )
    # The principal chose no language: her kanoon's (Persian), rials shown as tomans.
    g_carol = guarantees.invite_guarantor(borrower, k.loan, k.carol, 20_000_000, D)
    assert tree.kanoon.language == "fa"
    body = outbox[-1].body
    assert outbox[-1].to == tree.principal.phone
    assert "۲٬۰۰۰٬۰۰۰ تومان" in body and "۵٬۰۰۰٬۰۰۰ تومان" in body
    assert k.alice.owner_name in body and _url(g_carol) in body
    assert [(n.guarantee_id, n.kind, n.language) for n in GuaranteeNotice.objects.all()] == [
        (g_bob.pk, "invited", "vi"),
        (g_carol.pk, "invited", "fa"),
    ]


def test_an_english_reader_gets_the_source_text(k, tree, outbox):
    tree.kanoon_head.phone = "+989121234567"
    tree.kanoon_head.save()
    user = UserFactory(username="dave", person=tree.kanoon_head, language="en")
    RoleGrantFactory(user=user, role=Role.MEMBER, organisation=tree.kanoon)
    g = guarantees.invite_guarantor(EVERYTHING, k.loan, k.dave, 5_000_000, D)
    assert [(m.to, m.body) for m in outbox] == [
        (
            "+989121234567",
            f"edupact: {k.alice.owner_name} asks you to guarantee IRR5,000,000 of their loan "
            f"of IRR50,000,000 from صندوق کانون ۹. Confirm or decline at {_url(g)}",
        )
    ]


def test_the_borrower_hears_the_answer_once(k, tree, outbox):
    g_bob = guarantees.invite_guarantor(EVERYTHING, k.loan, k.bob, 30_000_000, D)
    g_carol = guarantees.invite_guarantor(EVERYTHING, k.loan, k.carol, 20_000_000, D)
    outbox.clear()
    guarantees.decide(scope_for(k.bob_user), g_bob, confirm=True, user=k.bob_user)
    guarantees.decide(scope_for(k.bob_user), g_bob, confirm=True, user=k.bob_user)  # again
    guarantees.decide(scope_for(k.carol_user), g_carol, confirm=False, user=k.carol_user)
    assert [(m.to, m.body) for m in outbox] == [
        (
            tree.member.phone,
            f"edupact: {k.bob.owner_name} confirmed guaranteeing IRR30,000,000 of your loan "
            "of IRR50,000,000.",
        ),
        (
            tree.member.phone,
            f"edupact: {k.carol.owner_name} declined to guarantee your loan of IRR50,000,000.",
        ),
    ]
    kinds = GuaranteeNotice.objects.order_by("id").values_list("kind", flat=True)
    assert list(kinds) == ["invited", "invited", "confirmed", "declined"]


def test_re_inviting_sends_nothing_more(k, outbox):
    guarantees.invite_guarantor(EVERYTHING, k.loan, k.bob, 30_000_000, D)
    for _attempt in range(3):
        with pytest.raises(Refused) as refused:
            guarantees.invite_guarantor(EVERYTHING, k.loan, k.bob, 30_000_000, D)
        assert refused.value.reason == "already_guarantor"
    assert len(outbox) == 1 and GuaranteeNotice.objects.count() == 1
    g = Guarantee.objects.get()
    assert notices.notify(g, NoticeKind.INVITED) is False  # logged already: not sent again
    assert len(outbox) == 1


def test_no_mobile_no_message_but_the_invitation_stands(k, tree, outbox):
    tree.kanoon_head.phone = ""
    tree.kanoon_head.save()
    g = guarantees.invite_guarantor(EVERYTHING, k.loan, k.dave, 5_000_000, D)
    assert g.status == GuaranteeStatus.INVITED and outbox == []
    assert not GuaranteeNotice.objects.exists()


def test_a_failing_gateway(k, outbox, settings):
    """The invitation fails with the gateway (nothing saved, so it can be tried again); the
    borrower's notice does not undo the guarantor's decision."""
    g = guarantees.invite_guarantor(EVERYTHING, k.loan, k.bob, 30_000_000, D)
    settings.EDUPACT_SMS_BACKEND = f"{__name__}.FailingBackend"
    with pytest.raises(ConnectionError):
        guarantees.invite_guarantor(EVERYTHING, k.loan, k.carol, 20_000_000, D)
    assert not Guarantee.objects.filter(guarantor=k.carol).exists()
    confirmed = guarantees.decide(scope_for(k.bob_user), g, confirm=True, user=k.bob_user)
    assert confirmed.status == GuaranteeStatus.CONFIRMED
    assert list(GuaranteeNotice.objects.values_list("kind", flat=True)) == ["invited"]
    settings.EDUPACT_SMS_BACKEND = "edupact.core.sms.LocmemBackend"
    guarantees.invite_guarantor(EVERYTHING, k.loan, k.carol, 20_000_000, D)
    assert outbox[-1].to == k.carol.person.phone


def test_on_the_web_and_the_api(k, tree, client_as, api_client, outbox):
    """The borrower names a guarantor on the web; he confirms on the page the SMS links to;
    a leader names another through the API. Others cannot trigger messages."""
    zahra = client_as(tree.users["member"], "en")
    response = zahra.post(
        reverse("funds:add_guarantor", args=[k.loan.pk]),
        {
            "national_code": tree.other_member.national_id,
            "mobile": tree.other_member.phone,
            "amount": "30000000",
        },
    )
    assert response.status_code == 302
    g = Guarantee.objects.get(guarantor=k.bob)
    assert outbox[-1].to == tree.other_member.phone and _url(g) in outbox[-1].body
    path = outbox[-1].body.rsplit(" ", 1)[1].removeprefix(settings.EDUPACT_SITE_URL)
    bob = client_as(k.bob_user, "vi")
    assert bob.post(path, {"decision": "confirm"}).status_code == 302
    assert outbox[-1].to == tree.member.phone and "confirmed" in outbox[-1].body

    sent = len(outbox)
    banker = client_as(tree.users["social_banker"], "en")
    assert banker.post(path, {"decision": "decline"}).status_code in (403, 404)
    carol_client = api_client(k.carol_user)  # a member, not the borrower
    body = {"account_id": k.dave.pk, "amount": 1_000}
    denied = carol_client.post(
        f"/api/v1/funds/loans/{k.loan.pk}/guarantees", body, "application/json"
    )
    assert denied.status_code in (403, 404) and len(outbox) == sent
    leader = api_client(tree.users["kanoon_leader"])
    made = leader.post(
        f"/api/v1/funds/loans/{k.loan.pk}/guarantees",
        {"account_id": k.carol.pk, "amount": 20_000_000},
        "application/json",
    )
    assert made.status_code == 201, made.content
    assert outbox[-1].to == tree.principal.phone and "تومان" in outbox[-1].body
    again = leader.post(
        f"/api/v1/funds/loans/{k.loan.pk}/guarantees",
        {"account_id": k.carol.pk, "amount": 20_000_000},
        "application/json",
    )
    assert again.status_code == 409 and len(outbox) == sent + 1


# Sending the invitation again ---------------------------------------------------------------


def _age_notices(hours: float) -> None:
    """Time passes: every notice logged so far was sent ``hours`` ago."""
    from django.utils import timezone

    GuaranteeNotice.objects.update(created_at=timezone.now() - dt.timedelta(hours=hours))


def test_the_invitation_is_sent_again_at_most_once_a_day(k, tree, outbox):
    """Bob did not answer: Zahra asks him again a day later. The first notice stays as it
    was; each resend is a new row, sent in Bob's language, recorded in the audit trail."""
    from django.contrib.contenttypes.models import ContentType

    from edupact.audit.context import acting_as
    from edupact.audit.models import AuditEntry

    zahra = tree.users["member"]
    borrower = scope_for(zahra)
    g = guarantees.invite_guarantor(borrower, k.loan, k.bob, 30_000_000, D)
    first = GuaranteeNotice.objects.get()
    first_body = outbox[-1].body

    with pytest.raises(Refused) as refused:
        guarantees.resend_invitation(borrower, g, user=zahra)
    assert refused.value.reason == "resent_too_soon"
    assert "24 hours" in refused.value.messages[0]
    _age_notices(23.5)
    with translation.override("fa"), pytest.raises(Refused) as refused:
        guarantees.resend_invitation(borrower, g, user=zahra)
    assert "۱ ساعت" in refused.value.messages[0]
    assert len(outbox) == 1 and GuaranteeNotice.objects.count() == 1

    _age_notices(25)
    with acting_as(zahra):
        again = guarantees.resend_invitation(borrower, g, user=zahra)
    assert (again.kind, again.to, again.language, again.sent_by) == (
        "reinvited",
        tree.other_member.phone,
        "vi",
        zahra,
    )
    assert [(m.to, m.body) for m in outbox] == [(tree.other_member.phone, first_body)] * 2
    unchanged = GuaranteeNotice.objects.get(pk=first.pk)
    assert (unchanged.kind, unchanged.to, unchanged.sent_by) == ("invited", first.to, None)
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(GuaranteeNotice), object_id=str(again.pk)
    )
    assert entry.action == AuditEntry.Action.CREATE and entry.actor == zahra
    assert entry.changes["kind"] == [None, "reinvited"]

    with pytest.raises(Refused):  # the resend itself starts the next 24 hours
        guarantees.resend_invitation(borrower, g, user=zahra)
    _age_notices(24.1)
    leader = tree.users["kanoon_leader"]
    guarantees.resend_invitation(scope_for(leader), g, user=leader)
    kinds = GuaranteeNotice.objects.order_by("id").values_list("kind", "sent_by")
    assert list(kinds) == [("invited", None), ("reinvited", zahra.pk), ("reinvited", leader.pk)]
    assert len(outbox) == 3


def test_only_the_borrower_or_a_leader_and_only_while_pending(k, tree, outbox):
    g = guarantees.invite_guarantor(EVERYTHING, k.loan, k.bob, 30_000_000, D)
    _age_notices(48)
    # The guarantor and another member do not read the loan (404); the banker only reads it.
    for user, refusal in ((k.bob_user, NotFound), (k.carol_user, NotFound)):
        with pytest.raises(refusal):
            guarantees.resend_invitation(scope_for(user), g, user=user)
    with pytest.raises(ReadOnly):
        banker = tree.users["social_banker"]
        guarantees.resend_invitation(scope_for(banker), g, user=banker)
    assert len(outbox) == 1
    guarantees.decide(scope_for(k.bob_user), g, confirm=True, user=k.bob_user)
    _age_notices(48)
    with pytest.raises(Refused) as refused:
        guarantees.resend_invitation(EVERYTHING, g)
    assert refused.value.reason == "guarantee_decided"
    assert [n.kind for n in GuaranteeNotice.objects.order_by("id")] == ["invited", "confirmed"]


def test_a_guarantor_without_mobile_or_a_failing_gateway(k, tree, outbox, settings):
    tree.kanoon_head.phone = ""
    tree.kanoon_head.save()
    g = guarantees.invite_guarantor(EVERYTHING, k.loan, k.dave, 5_000_000, D)
    with pytest.raises(Refused) as refused:
        guarantees.resend_invitation(EVERYTHING, g)
    assert refused.value.reason == "guarantor_no_mobile"
    g_bob = guarantees.invite_guarantor(EVERYTHING, k.loan, k.bob, 30_000_000, D)
    _age_notices(30)
    settings.EDUPACT_SMS_BACKEND = f"{__name__}.FailingBackend"
    with pytest.raises(Refused) as refused:
        guarantees.resend_invitation(EVERYTHING, g_bob)
    assert refused.value.reason == "sms_not_sent"
    assert list(GuaranteeNotice.objects.values_list("kind", flat=True)) == ["invited"]


def test_the_loan_page_shows_the_notices_and_resends(k, tree, client_as, outbox):
    g = guarantees.invite_guarantor(EVERYTHING, k.loan, k.bob, 30_000_000, D)
    loan_url = k.loan.get_absolute_url()
    resend_url = reverse("funds:resend_invitation", args=[g.pk])
    masked = mask(tree.other_member.phone)
    assert masked != tree.other_member.phone

    zahra = client_as(tree.users["member"], "en")
    page = zahra.get(loan_url).content.decode()
    assert "guarantor asked" in page and masked in page
    assert tree.other_member.phone not in page
    assert "The invitation can be sent again from" in page and resend_url not in page
    refused = zahra.post(resend_url, follow=True)
    assert "it can be sent again in 24 hours" in refused.content.decode()
    _age_notices(25)
    page = zahra.get(loan_url).content.decode()
    assert resend_url in page and "Send the invitation again" in page
    sent = zahra.post(resend_url, follow=True)
    assert "The invitation was sent again." in sent.content.decode()
    assert GuaranteeNotice.objects.filter(kind="reinvited").count() == 1 and len(outbox) == 2
    assert "guarantor asked again" in sent.content.decode()

    fa = client_as(tree.users["kanoon_leader"], "fa").get(loan_url).content.decode()
    assert "درخواست دوباره از ضامن" in fa and "فرستادن دوباره دعوت" not in fa  # next day
    bob = client_as(k.bob_user, "en")
    assert resend_url not in bob.get(g.get_absolute_url()).content.decode()
    assert bob.post(resend_url).status_code in (403, 404)
    assert len(outbox) == 2


def test_the_api_lists_and_resends(k, tree, api_client, outbox):
    g = guarantees.invite_guarantor(EVERYTHING, k.loan, k.bob, 30_000_000, D)
    leader = api_client(tree.users["kanoon_leader"])
    listed = leader.get(f"/api/v1/funds/guarantees/{g.pk}/notices").json()
    assert [(n["kind"], n["to_masked"]) for n in listed] == [
        ("invited", mask(tree.other_member.phone))
    ]
    assert "to" not in listed[0]
    borrower = api_client(tree.users["member"])  # sees the guarantee through her loan
    assert len(borrower.get(f"/api/v1/funds/guarantees/{g.pk}/notices").json()) == 1
    too_soon = leader.post(f"/api/v1/funds/guarantees/{g.pk}/resend")
    assert too_soon.status_code == 409 and too_soon.json()["code"] == "resent_too_soon"
    _age_notices(25)
    carol = api_client(k.carol_user)
    assert carol.post(f"/api/v1/funds/guarantees/{g.pk}/resend").status_code in (403, 404)
    made = leader.post(f"/api/v1/funds/guarantees/{g.pk}/resend")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["kind"] == "reinvited" and body["sent_by_id"] == tree.users["kanoon_leader"].pk
    assert body["to_masked"] == mask(tree.other_member.phone) and len(outbox) == 2
    outsider = api_client(tree.users["commune_official"])
    assert outsider.get(f"/api/v1/funds/guarantees/{g.pk}/notices").status_code == 404
