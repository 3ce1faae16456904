"""Guarantors are asked by SMS, and borrowers hear the answer: in the reader's language
(their user's, else their kanoon's, else the fund's), with the borrower's name, the amount
in the fund's currency and where to confirm; once per guarantee and kind."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from factories import RoleGrantFactory, UserFactory

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.core.scoping import Scope
from edupact.funds import guarantees, notices, services, sms
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
    settings.EDUPACT_SMS_BACKEND = "edupact.funds.sms.LocmemBackend"
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
        with pytest.raises(services.Refused) as refused:
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
    settings.EDUPACT_SMS_BACKEND = "edupact.funds.sms.LocmemBackend"
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
