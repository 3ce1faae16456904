"""Write a fund's journal in hledger's format (plain-text accounting).

Amounts are the ledger's own signed integers (debit positive, as hledger reads them) with
the fund's currency as commodity, so ``hledger bal`` shows the same balance for every
account as edupact does. IRR and VND have no minor digits, so minor units are whole units.
"""

from collections import defaultdict

from ..models import Fund, FundAccount, JournalLine

ACCOUNT_TYPES = {"assets": "A", "liabilities": "L", "income": "R", "equity": "E"}


def _clean(text: str) -> str:
    """One line, no characters hledger treats specially in a description."""
    return " ".join(str(text).replace(";", ",").replace("|", "/").split())


def hledger_journal(fund: Fund) -> str:
    currency = fund.currency
    accounts = {
        a.pk: a
        for a in FundAccount.objects.filter(fund=fund).select_related("person", "organisation")
    }
    out = [
        f"; edupact fund {fund.pk}: {_clean(fund.name)}",
        f"; currency {currency}; amounts in minor units, debit positive",
        "",
        f"commodity 1000. {currency}",
        "",
    ]
    for account in sorted(accounts.values(), key=lambda a: a.ledger_name):
        kind = ACCOUNT_TYPES[account.ledger_name.split(":")[0]]
        label = _clean(account.owner_name) if (account.person_id or account.organisation_id) else ""
        comment = f"  ; type: {kind}" + (f", owner: {label}" if label else "")
        out.append(f"account {account.ledger_name}{comment}")
    out.append("")
    lines = defaultdict(list)
    for line in JournalLine.objects.filter(entry__fund=fund).order_by("entry_id", "id"):
        lines[line.entry_id].append(line)
    for entry in fund.entries.select_related("loan").order_by("date", "id"):
        description = _clean(entry.description)
        out.append(f"{entry.date.isoformat()} * ({entry.pk}) {description}")
        out.append(f"    ; kind: {entry.kind}")
        for line in lines[entry.pk]:
            name = accounts[line.account_id].ledger_name
            out.append(f"    {name:<48}  {line.amount} {currency}")
        out.append("")
    return "\n".join(out)
