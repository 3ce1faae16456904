"""``edupact fund …``: the fund simulator, the ledger verifier and the journal export.

edupact fund simulate SCENARIO.json            run a scenario on a throwaway database, print JSON
edupact fund verify [FUND]                     check every entry balances and every running sum
edupact fund export-journal FUND --format hledger [--output FILE]
edupact fund redraw --seed SEED REF...         re-run a lottery round's draw from its record
edupact fund remind [--on DATE] [--fund FUND]   send the day's SMS reminders to borrowers
edupact fund import FUND members|deposits FILE [--dry-run]
                                               import a members list or a bank statement
"""

import datetime as dt
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Mutual-aid funds: simulate a scenario, verify the ledger, export the journal."

    def add_arguments(self, parser):
        parser.add_argument("--language", default="en", help="Language of messages (en, fa, vi).")
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        simulate = sub.add_parser("simulate", help="Run a scenario and print the report as JSON.")
        simulate.add_argument("scenario", help="Path to the scenario JSON file ('-' for stdin).")
        simulate.add_argument(
            "--same-database",
            action="store_true",
            help="Run on the configured database inside a transaction that is rolled back, "
            "instead of a fresh in-memory SQLite database.",
        )
        verify = sub.add_parser("verify", help="Check the ledger's invariants.")
        verify.add_argument("fund", nargs="?", help="Fund id or name (all funds when omitted).")
        export = sub.add_parser("export-journal", help="Write the journal for another tool.")
        export.add_argument("fund", help="Fund id or name.")
        export.add_argument("--format", default="hledger", choices=["hledger"])
        export.add_argument("--output", "-o", help="File to write (stdout when omitted).")
        redraw = sub.add_parser(
            "redraw", help="Re-run a lottery draw: the order of REFs for the published SEED."
        )
        redraw.add_argument("--seed", required=True, help="The round's published seed.")
        redraw.add_argument("refs", nargs="+", metavar="REF", help="The eligible requests.")
        remind = sub.add_parser("remind", help="Send SMS reminders: instalments due soon, arrears.")
        remind.add_argument("--on", help="The day (ISO or the fund's calendar); today by default.")
        remind.add_argument("--fund", help="Fund id or name (all funds when omitted).")
        imp = sub.add_parser(
            "import", help="Import members or bank-statement deposits from XLSX or CSV."
        )
        imp.add_argument("fund", help="Fund id or name.")
        imp.add_argument("kind", choices=["members", "deposits"])
        imp.add_argument("file", help="The XLSX or CSV file.")
        imp.add_argument(
            "--dry-run", action="store_true", help="Check every row without importing."
        )

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            action = options["action"]
            if action == "simulate":
                return self.simulate(options)
            if action == "verify":
                return self.verify(options)
            if action == "redraw":
                return self.redraw(options)
            if action == "remind":
                return self.remind(options)
            if action == "import":
                return self.import_file(options)
            return self.export(options)

    # simulate -----------------------------------------------------------------------------

    def simulate(self, options):
        from edupact.funds import simulator

        path = options["scenario"]
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
            data = json.loads(text)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}, returncode=2
            ) from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                _("%(path)s is not valid JSON: %(error)s") % {"path": path, "error": exc},
                returncode=2,
            ) from exc
        try:
            scenario = simulator.load(data)
        except simulator.ScenarioError as exc:
            lines = [_("The scenario is not valid; nothing was computed:"), *exc.errors]
            raise CommandError("\n  ".join(lines), returncode=2) from exc
        if options["same_database"]:
            report = simulator.run(scenario)
        else:
            with simulator.throwaway_database():
                report = simulator.run(scenario)
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))

    # verify -------------------------------------------------------------------------------

    def verify(self, options):
        from edupact.funds import services

        fund = _fund(options["fund"]) if options["fund"] else None
        problems = services.verify(fund)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                _("%(count)s problem(s) found in the ledger.") % {"count": len(problems)}
            )
        self.stdout.write(_("The ledger is consistent."))

    # redraw -------------------------------------------------------------------------------

    def redraw(self, options):
        """One line per request in drawn order: position, reference, SHA-256 ticket."""
        from edupact.core.draws import draw_order, ticket

        seed = options["seed"]
        for position, ref in enumerate(draw_order(seed, options["refs"]), 1):
            self.stdout.write(f"{position}\t{ref}\t{ticket(seed, ref)}")

    # remind -------------------------------------------------------------------------------

    def remind(self, options):
        from django.utils import timezone

        from edupact.core.calendars import InvalidDate, parse_date
        from edupact.funds import reminders

        fund = _fund(options["fund"]) if options["fund"] else None
        on = timezone.localdate()
        if options["on"]:
            calendar = fund.calendar if fund is not None else "gregorian"
            text = options["on"]
            try:
                on = dt.date.fromisoformat(text) if "-" in text else parse_date(text, calendar)
            except (ValueError, InvalidDate) as exc:
                raise CommandError(
                    _("Not a date: %(value)s") % {"value": text}, returncode=2
                ) from exc
        counts = reminders.send_reminders(on, fund)
        self.stdout.write(
            _("%(sent)s reminder(s) sent, %(already)s already sent, %(missing)s without a mobile.")
            % {
                "sent": counts["sent"],
                "already": counts["already_sent"],
                "missing": counts["no_mobile"],
            }
        )

    # export-journal -----------------------------------------------------------------------

    def export(self, options):
        from edupact.funds.ledger import hledger

        fund = _fund(options["fund"])
        text = hledger.hledger_journal(fund)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")

    # import -------------------------------------------------------------------------------

    def import_file(self, options):
        from edupact.core.scoping import Scope
        from edupact.funds import imports

        fund = _fund(options["fund"])
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}, returncode=2
            ) from exc
        report = imports.import_file(
            Scope(everything=True),
            fund,
            options["kind"],
            content,
            path.name,
            dry_run=options["dry_run"],
        )
        if not report.ok:
            for e in report.errors:
                column = imports.column_label(options["kind"], e.column)
                where = _("row %(row)s") % {"row": e.row}
                self.stderr.write(
                    f"{where}, {column}: {e.message}" if column else f"{where}: {e.message}"
                )
            raise CommandError(
                _("%(count)s error(s); nothing was imported.") % {"count": len(report.errors)}
            )
        if report.already_imported:
            self.stdout.write(_("This file has already been imported; nothing was added."))
        elif report.dry_run:
            self.stdout.write(
                _(
                    "Dry run: %(rows)s rows are valid; %(created)s would be added, "
                    "%(skipped)s are already there."
                )
                % {"rows": report.rows, "created": report.created, "skipped": report.skipped}
            )
        else:
            self.stdout.write(
                _("Imported %(rows)s rows: %(created)s added, %(skipped)s already there.")
                % {"rows": report.rows, "created": report.created, "skipped": report.skipped}
            )


def _fund(ref: str):
    from edupact.funds.models import Fund

    found = Fund.objects.filter(pk=int(ref)) if str(ref).isdigit() else Fund.objects.none()
    found = found or Fund.objects.filter(name=ref)
    if len(found) != 1:
        raise CommandError(_("No single fund matches %(ref)s.") % {"ref": ref})
    return found[0]
