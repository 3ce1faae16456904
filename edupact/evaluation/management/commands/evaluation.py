"""``edupact evaluation …``: score answers, load, import and export criteria frameworks.

    edupact evaluation score --framework FRAMEWORK.json --answers ANSWERS.json
    edupact evaluation load-frameworks
    edupact evaluation export CODE [--version V] [--format json|xlsx] [--output FILE]
    edupact evaluation import FILE.json|FILE.xlsx [--dry-run]
    edupact evaluation load-targets
    edupact evaluation refresh-rollups [--place ID]
    edupact evaluation import-assessments FILE --year YEAR [--model household] [--dry-run]
    edupact evaluation deadlines --year YEAR
    edupact evaluation remind [--on YYYY-MM-DD]

``score`` needs no database. Input errors exit with status 2, print every problem on
stderr (naming the indicator) and nothing on stdout.
"""

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from edupact.core.scoping import Scope
from edupact.evaluation import exchange, scoring, services
from edupact.evaluation.models import Framework

INPUT_ERROR = 2


def _read_json(path: str, what: str):
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{what}: cannot read {path}: {exc.strerror}", returncode=2) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{what}: {path} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            returncode=INPUT_ERROR,
        ) from exc


def _problems(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "\n".join(f"{k}: {m}" for k, ms in exc.message_dict.items() for m in ms)
    return "\n".join(exc.messages)


class Command(BaseCommand):
    help = "Score answers against a criteria framework; load, import and export frameworks."
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        score = sub.add_parser(
            "score",
            help="Score a subject's answers; prints the result as JSON.",
            description="Exit status 2 on an input error (messages on stderr, nothing on stdout).",
        )
        score.add_argument("--framework", required=True, help="framework JSON file ('-': stdin)")
        score.add_argument("--answers", required=True, help="answers JSON file ('-': stdin)")
        score.add_argument("--compact", action="store_true", help="one line of JSON")
        score.add_argument(
            "--language", default="en", help="language of the reasons and messages (en, vi, fa)"
        )
        sub.add_parser(
            "load-frameworks", help="Create or refresh the shipped frameworks (idempotent)."
        )
        export = sub.add_parser("export", help="Export a stored framework as JSON or XLSX.")
        export.add_argument("code")
        export.add_argument("--version", dest="framework_version", help="default: the newest")
        export.add_argument("--format", choices=["json", "xlsx"], default="json")
        export.add_argument("--output", "-o", help="file to write (default: stdout for JSON)")
        sub.add_parser(
            "load-targets", help="Create or refresh the targets of QĐ 387 and QĐ 1373 (idempotent)."
        )
        refresh = sub.add_parser(
            "refresh-rollups", help="Rebuild the rollups (all, or one hamlet's or commune's)."
        )
        refresh.add_argument("--place", type=int, help="id of a hamlet, commune or province")
        imp = sub.add_parser("import", help="Import frameworks from JSON (one or a list) or XLSX.")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="check only; store nothing")

        bulk = sub.add_parser(
            "import-assessments",
            help="Import a filled-in bulk-entry template (XLSX or CSV) of assessments.",
            description="Exit status 2 when any row fails (each error printed; nothing stored).",
        )
        bulk.add_argument("file")
        bulk.add_argument("--year", type=int, required=True)
        bulk.add_argument("--model", default="household", help="learning model (household…)")
        bulk.add_argument("--dry-run", action="store_true", help="check only; store nothing")

        deadlines = sub.add_parser(
            "deadlines", help="Store the default deadlines of a year's cycle (idempotent)."
        )
        deadlines.add_argument("--year", type=int, required=True)
        remind = sub.add_parser(
            "remind",
            help="Remind users of the deadlines coming up (once per deadline, user and day).",
        )
        remind.add_argument("--on", help="the day to remind for, YYYY-MM-DD (default: today)")

    def handle(self, *args, action, **options):
        return getattr(self, "_" + action.replace("-", "_"))(**options)

    def _score(self, framework, answers, compact=False, language="en", **options):
        translation.activate(language)
        if framework == "-" and answers == "-":
            raise CommandError("Only one of --framework and --answers can be stdin.", returncode=2)
        data = _read_json(framework, "framework")
        given = _read_json(answers, "answers")
        try:
            result = scoring.score(data, given)
        except scoring.ScoringError as exc:
            label = "framework" if exc.kind == "framework" else "answers"
            raise CommandError(
                f"The {label} cannot be scored:\n" + "\n".join(f"  {p}" for p in exc.problems),
                returncode=INPUT_ERROR,
            ) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=None if compact else 2))

    def _load_frameworks(self, **options):
        counts = services.load_frameworks()
        self.stdout.write(
            "Frameworks: {created} created, {updated} updated, {revised} revised, "
            "{unchanged} unchanged, {kept} kept (used, not changed).".format(**counts)
        )

    def _load_targets(self, **options):
        counts = services.load_targets()
        self.stdout.write(
            "Targets: {created} created, {updated} updated, {unchanged} unchanged.".format(**counts)
        )

    def _refresh_rollups(self, place=None, **options):
        from edupact.directory.models import AdminUnit
        from edupact.evaluation import rollups

        unit = None
        if place:
            unit = AdminUnit.objects.filter(pk=place).first()
            if unit is None:
                raise CommandError(f"No place {place}.")
        counts = rollups.refresh(unit)
        self.stdout.write(
            "Rollups: " + ", ".join(f"{n} {level} rows" for level, n in counts.items()) + "."
        )

    def _export(self, code, framework_version=None, format="json", output=None, **options):
        qs = Framework.objects.filter(code=code)
        if framework_version:
            qs = qs.filter(version=framework_version)
        framework = qs.order_by("-created_at", "-id").first()
        if framework is None:
            raise CommandError(f"No framework {code} {framework_version or ''}".strip())
        if format == "xlsx":
            if not output:
                raise CommandError("An XLSX export needs --output FILE.")
            Path(output).write_bytes(exchange.to_xlsx(framework))
            return
        text = json.dumps(exchange.to_data(framework), ensure_ascii=False, indent=2)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)

    def _import(self, file, dry_run=False, **options):
        path = Path(file)
        try:
            if path.suffix.lower() == ".xlsx":
                payload = exchange.from_xlsx(path.read_bytes())
            else:
                payload = _read_json(file, "import")
            results = services.import_frameworks(Scope(everything=True), payload, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError("Nothing imported:\n" + _problems(exc), returncode=2) from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}", returncode=2) from exc
        prefix = "Would be " if dry_run else ""
        for framework, action in results:
            self.stdout.write(f"{prefix}{action}: {framework.code} {framework.version}")

    def _import_assessments(self, file, year, model="household", dry_run=False, **options):
        from edupact.evaluation import bulk
        from edupact.evaluation.models import LearningModel

        if model not in LearningModel.values:
            raise CommandError(f"Unknown learning model {model}.", returncode=INPUT_ERROR)
        try:
            content = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}", returncode=2) from exc
        report = bulk.import_assessments(
            Scope(everything=True), content, Path(file).name, year, model, dry_run=dry_run
        )
        if not report.ok:
            lines = [f"  row {e.row}, {e.column or '-'}: {e.message}" for e in report.errors]
            raise CommandError(
                f"Nothing imported: {len(report.errors)} errors.\n" + "\n".join(lines),
                returncode=INPUT_ERROR,
            )
        if report.already_imported:
            self.stdout.write("Already imported; nothing added.")
            return
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {report.rows} rows ({report.framework}): {report.created} created, "
            f"{report.updated} updated, {report.skipped} unchanged; "
            f"{report.recognised} meet the criteria."
        )

    def _deadlines(self, year, **options):
        from edupact.evaluation import workflow

        try:
            created = workflow.ensure_deadlines(year)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=INPUT_ERROR) from exc
        self.stdout.write(f"Deadlines of {year}: {created} created.")
        for step, d in workflow.deadlines_for(None, year).items():
            self.stdout.write(f"  {step}: {d.due:%d/%m/%Y} ({d.level})")

    def _remind(self, on=None, **options):
        import datetime as dt

        from edupact.evaluation.tasks import send_deadline_reminders

        if on:
            try:
                dt.date.fromisoformat(on)
            except ValueError as exc:
                raise CommandError(f"--on: {on} is not a date YYYY-MM-DD.", returncode=2) from exc
        result = send_deadline_reminders.enqueue(on)
        if not result.is_finished:  # a worker backend runs it later
            self.stdout.write("Reminders: queued.")
        elif result.status == "FAILED":
            raise CommandError("Sending the reminders failed; see the log.")
        else:
            self.stdout.write(f"Reminders: {result.return_value} sent.")
