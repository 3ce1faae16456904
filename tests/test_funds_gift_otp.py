"""Gifts of points confirmed by an SMS one-time code: web, API, codes and their limits."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from edupact.core import sms
from edupact.core.errors import Refused
from edupact.core.scoping import Scope
from edupact.funds import services
from edupact.funds.gifts import otp
from edupact.funds.models import (
    Fund,
    FundAccount,
    PendingGift,
    PendingGiftStatus,
    PointsTransfer,
    PointsUse,
    TransferKind,
)
from edupact.funds.selectors import account_points

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)


@pytest.fixture(autouse=True)
def locmem_sms(settings):
    settings.EDUPACT_SMS_BACKEND = "edupact.core.sms.LocmemBackend"
    sms.LocmemBackend.outbox.clear()
    yield sms.LocmemBackend.outbox
    sms.LocmemBackend.outbox.clear()


@pytest.fixture
def setup(tree):
    fund = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    services.deposit(EVERYTHING, alice, 1_800_000, D)
    return fund, alice, bob


def member_scope(tree):
    from edupact.accounts.selectors import scope_for

    return scope_for(tree.users["member"])


def last_code(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)


def start(tree, alice, points=5, **kw):
    b = tree.other_member
    return services.start_gift(
        member_scope(tree),
        alice,
        national_code=kw.pop("national_code", b.national_id),
        mobile=kw.pop("mobile", b.phone),
        points=points,
        **kw,
    )


def test_happy_path_moves_points_only_on_confirmation(setup, tree, locmem_sms):
    fund, alice, bob = setup
    today = timezone.localdate()
    before = account_points(FundAccount.objects.get(pk=alice.pk), today)
    pending = start(tree, alice, 7, use=PointsUse.ZERO_FEE_LOAN, kind=TransferKind.PLEDGE)
    assert len(locmem_sms) == 1 and locmem_sms[0].to == tree.member.phone
    code = last_code(locmem_sms)
    assert code not in pending.code_hash and pending.code_hash
    # Nothing changes before confirmation.
    assert PointsTransfer.objects.count() == 0
    assert account_points(FundAccount.objects.get(pk=alice.pk), today) == before
    assert FundAccount.objects.get(pk=bob.pk).points_received == 0
    transfer = services.confirm_gift(member_scope(tree), pending, code)
    assert (transfer.points, transfer.use, transfer.kind) == (7, "zero_fee_loan", "pledge")
    pending.refresh_from_db()
    assert pending.status == PendingGiftStatus.CONFIRMED and pending.transfer == transfer
    assert FundAccount.objects.get(pk=alice.pk).points_given == 7
    bob_row = FundAccount.objects.get(pk=bob.pk)
    assert (bob_row.points_received, bob_row.restricted_received) == (7, 7)


def test_reused_code_is_refused(setup, tree, locmem_sms):
    fund, alice, bob = setup
    pending = start(tree, alice)
    code = last_code(locmem_sms)
    services.confirm_gift(member_scope(tree), pending, code)
    with pytest.raises(Refused) as err:
        services.confirm_gift(member_scope(tree), pending, code)
    assert err.value.reason == "code_used"
    assert PointsTransfer.objects.count() == 1


def test_wrong_codes_count_and_the_fifth_locks(setup, tree, locmem_sms):
    fund, alice, bob = setup
    pending = start(tree, alice)
    code = last_code(locmem_sms)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for n in range(1, 5):
        with pytest.raises(Refused) as err:
            services.confirm_gift(member_scope(tree), pending, wrong)
        assert err.value.reason == "wrong_code"
        pending.refresh_from_db()
        assert pending.attempts == n
    with pytest.raises(Refused) as err:
        services.confirm_gift(member_scope(tree), pending, wrong)
    assert err.value.reason == "code_locked"
    pending.refresh_from_db()
    assert (pending.attempts, pending.status) == (5, PendingGiftStatus.LOCKED)
    with pytest.raises(Refused):  # even the right code now
        services.confirm_gift(member_scope(tree), pending, code)
    assert PointsTransfer.objects.count() == 0


def test_expired_code_is_refused(setup, tree, locmem_sms):
    fund, alice, bob = setup
    pending = start(tree, alice)
    code = last_code(locmem_sms)
    PendingGift.objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    pending.refresh_from_db()
    with pytest.raises(Refused) as err:
        services.confirm_gift(member_scope(tree), pending, code)
    assert err.value.reason == "code_expired"
    assert PointsTransfer.objects.count() == 0
    assert pending.expires_at - pending.created_at <= otp.LIFETIME


@pytest.mark.parametrize("which", ["national_code", "mobile", "both_of_others"])
def test_mismatched_identity_says_the_same_thing(setup, tree, which):
    fund, alice, bob = setup
    kanoon_head = tree.kanoon_head  # a person who is not a member of the fund
    if which == "national_code":
        kw = {"national_code": tree.kanoon_head.national_id}
    elif which == "mobile":
        kw = {"mobile": tree.kanoon_head.phone}
    else:
        kw = {"national_code": kanoon_head.national_id, "mobile": kanoon_head.phone}
    with pytest.raises(Refused) as err:
        start(tree, alice, **kw)
    assert err.value.reason == "beneficiary_not_found"
    assert err.value.messages == [str(services.NO_MATCH_MESSAGE)]
    assert PendingGift.objects.count() == 0


def test_points_are_checked_again_at_confirmation(setup, tree, locmem_sms):
    fund, alice, bob = setup
    available = account_points(FundAccount.objects.get(pk=alice.pk), timezone.localdate()).available
    first = start(tree, alice, available)
    first_code = last_code(locmem_sms)
    second = start(tree, alice, available)
    second_code = last_code(locmem_sms)
    services.confirm_gift(member_scope(tree), first, first_code)
    with pytest.raises(Refused) as err:
        services.confirm_gift(member_scope(tree), second, second_code)
    assert err.value.reason == "above_available_points"
    second.refresh_from_db()
    assert second.status == PendingGiftStatus.REFUSED
    assert PointsTransfer.objects.count() == 1


def test_above_available_is_refused_at_the_start(setup, tree, locmem_sms):
    fund, alice, bob = setup
    with pytest.raises(Refused) as err:
        start(tree, alice, 10**9)
    assert err.value.reason == "above_available_points"
    assert locmem_sms == []


def test_code_hashing():
    stored = otp.hash_code("123456")
    assert "123456" not in stored
    assert otp.check_code("123456", stored) and otp.check_code("۱۲۳۴۵۶", stored)
    assert not otp.check_code("123457", stored) and not otp.check_code("", stored)


# Web ---------------------------------------------------------------------------------------------


def test_web_give_and_confirm(setup, tree, client_as, locmem_sms):
    fund, alice, bob = setup
    c = client_as(tree.users["member"], "en")
    page = c.get(alice.get_absolute_url()).content.decode()
    assert reverse("funds:give", args=[alice.pk]) in page
    form = {
        "national_code": tree.other_member.national_id,
        "mobile": tree.other_member.phone,
        "points": "۳",
        "use": "any_loan",
        "kind": "gift",
    }
    response = c.post(reverse("funds:give", args=[alice.pk]), form)
    assert response.status_code == 302
    pending = PendingGift.objects.get()
    assert response["Location"] == pending.get_absolute_url()
    assert PointsTransfer.objects.count() == 0
    bad = c.post(
        pending.get_absolute_url(),
        {"code": "000000" if last_code(locmem_sms) != "000000" else "111111"},
    )
    assert bad.status_code == 200 and "attempts left" in bad.content.decode()
    ok = c.post(pending.get_absolute_url(), {"code": last_code(locmem_sms)})
    assert ok.status_code == 302
    assert PointsTransfer.objects.get().points == 3
    bob_page = client_as(tree.users["kanoon_leader"], "en").get(bob.get_absolute_url())
    assert "Ebrahimi" in c.get(alice.get_absolute_url()).content.decode()
    assert tree.member.family_name in bob_page.content.decode()


def test_web_mismatch_and_scope(setup, tree, client_as):
    fund, alice, bob = setup
    c = client_as(tree.users["member"], "en")
    form = {
        "national_code": tree.other_member.national_id,
        "mobile": tree.kanoon_head.phone,
        "points": "3",
        "use": "any_loan",
        "kind": "gift",
    }
    page = c.post(reverse("funds:give", args=[alice.pk]), form)
    assert page.status_code == 200
    assert "No member of this fund has this national code" in page.content.decode()
    # Not the supporter and not a writer: 404.
    assert c.get(reverse("funds:give", args=[bob.pk])).status_code == 404
    # The social banker reads the kanoon's accounts and gifts, and is told she only reads them.
    banker = client_as(tree.users["social_banker"], "en")
    assert banker.get(reverse("funds:give", args=[alice.pk])).status_code == 403
    pending = start(tree, alice)
    assert banker.get(pending.get_absolute_url()).status_code == 403
    assert client_as(tree.users["trainer"]).get(pending.get_absolute_url()).status_code == 404
    leader = client_as(tree.users["kanoon_leader"], "fa")
    assert leader.get(pending.get_absolute_url()).status_code == 200
    assert leader.get(reverse("funds:give", args=[bob.pk])).status_code == 200


# API ---------------------------------------------------------------------------------------------


def test_api_start_and_confirm(setup, tree, api_client, locmem_sms):
    fund, alice, bob = setup
    member = api_client(tree.users["member"])
    payload = {
        "national_code": tree.other_member.national_id,
        "mobile": tree.other_member.phone,
        "points": 4,
        "use": "zero_fee_loan",
        "kind": "gift",
    }
    r = member.post(
        f"/api/v1/funds/{fund.pk}/gifts", json.dumps(payload), content_type="application/json"
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["status"] == "pending" and PointsTransfer.objects.count() == 0
    url = f"/api/v1/funds/gifts/{pk}/confirm"
    wrong = "000000" if last_code(locmem_sms) != "000000" else "111111"
    bad = member.post(url, json.dumps({"code": wrong}), content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "wrong_code"
    # A reader of the kanoon is told she only reads it; someone outside does not even see it.
    body = json.dumps({"code": last_code(locmem_sms)})
    banker = api_client(tree.users["social_banker"])
    assert banker.post(url, body, content_type="application/json").status_code == 403
    outsider = api_client(tree.users["trainer"])
    assert outsider.post(url, body, content_type="application/json").status_code == 404
    ok = member.post(url, body, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "confirmed" and ok.json()["transfer_id"]
    again = member.post(url, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "code_used"
    mismatch = dict(payload, mobile=tree.kanoon_head.phone)
    r = member.post(
        f"/api/v1/funds/{fund.pk}/gifts", json.dumps(mismatch), content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["code"] == "beneficiary_not_found"
    r = member.post(
        f"/api/v1/funds/{fund.pk}/gifts",
        json.dumps(dict(payload, account_id=bob.pk)),
        content_type="application/json",
    )
    assert r.status_code == 404


def test_console_backend_writes_stdout(capsys):
    sms.ConsoleBackend().send("+989121234567", "code 123456")
    assert "code 123456" in capsys.readouterr().out
