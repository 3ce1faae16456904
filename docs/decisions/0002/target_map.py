"""Where every top-level name of funds, evaluation and rotating goes (decision 0002, §3).

MAP[source module] = (default target module, {name: target module for names that go elsewhere})
A target of None means: deleted (replaced by Scope.require_write, core.bounds, or a caller
of the service it wrapped). Names keep their current spelling here; the decision lists the
private ones that become public where they land (§7). check_plan.py reads this map.
"""

# ruff: noqa: E501, SIM905 - a table: names as space-separated words, one group per line

F = "edupact.funds"
E = "edupact.evaluation"
R = "edupact.rotating"
C = "edupact.core"
D = "edupact.demo"

MAP = {
    # ------------------------------------------------------------------ funds
    f"{F}.models": (
        f"{F}.models.ledger",
        {
            "Currency": f"{C}.money",
            "CALENDAR_CHOICES": f"{C}.calendars",
            **{
                n: f"{F}.models.gifts"
                for n in "PointsUse TransferKind PointsTransfer PendingGiftStatus PendingGift".split()
            },
            **{
                n: f"{F}.models.loans"
                for n in (
                    "FeeStrategy LoanProduct LoanStatus NeedCategory Loan ScheduleChangeKind "
                    "ScheduleChange CurrentInstalments Instalment GuaranteeStatus Guarantee NoticeKind "
                    "GuaranteeNotice ReminderKind Reminder"
                ).split()
            },
            **{n: f"{F}.models.imports" for n in "ImportKind FileImport".split()},
            **{
                n: f"{F}.models.allocation"
                for n in "CommitteeRole CommitteeMember CommitteeVote AllocationRound Outcome AllocationDecision".split()
            },
        },
    ),
    f"{F}.ledger": (f"{F}.ledger.posting", {}),
    f"{F}.errors": (f"{C}.errors", {}),
    f"{F}.sms": (f"{C}.sms", {}),
    f"{F}.otp": (f"{F}.gifts.otp", {}),
    f"{F}.export": (f"{F}.ledger.hledger", {}),
    f"{F}.rules": (
        f"{F}.loans.rules",
        {
            **{
                n: f"{F}.ledger.rules"
                for n in "money_days money_days_daily roll_forward points_earned points_needed".split()
            },
            **{n: f"{C}.calendars" for n in "jalali_month_days add_months month_of".split()},
            **{n: f"{F}.ledger.rules" for n in "round_half_up ceil_div as_fraction".split()},
        },
    ),
    f"{F}.services": (
        f"{F}.ledger.services",
        {
            "_require_write": None,
            "_require_owner_or_writer": None,
            "acts_for_member": None,
            "_positive": None,  # core.bounds.check_amount / check_months
            **{
                n: f"{F}.gifts.services"
                for n in "_points_dated gift_points _supporter_mobile NO_MATCH_MESSAGE start_gift confirm_gift _return_pledges".split()
            },
            "_beneficiary_by_identity": f"{F}.ledger.selectors",
            "_bump": f"{F}.ledger.services",
            **{
                n: f"{F}.loans.services"
                for n in "save_product revise_product request_loan _decide _receivable disburse _require_guarantees repay _credit".split()
            },
            **{
                n: f"{F}.loans.eligibility"
                for n in "REASON_MESSAGES reason_message eligibility preview_loan".split()
            },
            "allocate": f"{F}.allocation.services",
            "approve": None,  # allocation.services.approve
            **{n: f"{F}.reports.integrity" for n in "verify _verify_fund".split()},
        },
    ),
    f"{F}.selectors": (
        f"{F}.ledger.selectors",
        {
            **{
                n: f"{F}.ledger.points"
                for n in "Points _from_running running_sums_apply account_points LISTED points_at".split()
            },
            "transfers_of": f"{F}.gifts.selectors",
            **{
                n: f"{F}.loans.selectors"
                for n in (
                    "loans loans_enabled_by overdue_instalments arrears late_days products Cover "
                    "guarantee_cover INVITATIONS RESEND_AFTER guarantees_of_loan guarantee_for_reader "
                    "guarantee_notices last_invitation invitation_resend_from guarantees_given "
                    "defaulted_loans guarantees_defaulting Overdue loan_overdue overdue_of_account "
                    "schedule_history products_offered"
                ).split()
            },
            "fund_summary": f"{F}.reports.selectors",
            "_running_totals": f"{F}.reports.selectors",
            **{
                n: f"{F}.allocation.selectors"
                for n in "rounds round_decisions committee committee_candidates".split()
            },
            "votes_of": f"{F}.loans.selectors",
        },
    ),
    f"{F}.settlement": (f"{F}.loans.settlement", {}),
    f"{F}.guarantees": (f"{F}.loans.guarantees", {}),
    f"{F}.notices": (f"{F}.loans.notices", {}),
    f"{F}.reminders": (f"{F}.loans.reminders", {}),
    f"{F}.tasks": (f"{F}.loans.tasks", {}),
    f"{F}.allocation": (
        f"{F}.allocation.services",
        {
            "MAX_SEED": f"{C}.draws",
            **{
                n: f"{F}.allocation.policies"
                for n in (
                    "POLICIES DEFAULT_WEIGHTS DEFAULTS KEYS SCORE_PARTS _whole clean_parameters "
                    "_weights SCORE_KEYS Step Plan _fifo priority_scores _priority _committee draw_keys "
                    "_lottery _supporter_directed PLANNERS"
                ).split()
            },
            **{
                n: f"{F}.allocation.selectors"
                for n in (
                    "WAITING_MESSAGES outcome_message parameters_of all_parameters queue_for"
                ).split()
            },
            **{n: f"{F}.loans.selectors" for n in "committee_member loan_for_reader".split()},
        },
    ),
    f"{F}.reports": (f"{F}.reports.selectors", {}),
    f"{F}.report_views": (f"{F}.reports.views", {}),
    f"{F}.report_api": (f"{F}.reports.api", {}),
    f"{F}.tables": (
        f"{F}.reports.tables",
        {
            "_plain": f"{C}.exports",
            "members": f"{F}.ledger.tables",
            "statement": f"{F}.ledger.tables",
            "transfers": f"{F}.gifts.tables",
            "loans": f"{F}.loans.tables",
            "schedule": f"{F}.loans.tables",
        },
    ),
    f"{F}.imports": (
        f"{F}.imports.files",
        {
            **{n: f"{F}.imports.services" for n in "template import_file".split()},
            "CHUNK": f"{F}.ledger.bulk",
            **{
                n: f"{F}.imports.members"
                for n in "PERSON_WORDS ORGANISATION_WORDS _Member import_members _MemberRows PERSON_FIELD_COLUMN".split()
            },
            **{
                n: f"{F}.imports.deposits"
                for n in (
                    "reference_key import_deposits _Memo _DepositRows "
                    "_posted_keys AMBIGUOUS _YEAR_FIRST _YEAR_LAST statement_date fund_start _payer_key "
                    "_payer_index"
                ).split()
            },
            **{
                n: f"{F}.ledger.bulk"
                for n in (
                    "WRITE_CHUNK _in_chunks Posting ROLLED_FIELDS write_deposits Running _lock _columns "
                    "ENTRY_FIELDS LINE_FIELDS _insert_chunk _table _entries_returning _lines_executemany "
                    "_entries_copy _lines_copy _copy _pg_type _WRITERS _batch _save_running_sums "
                    "_rolled_all roll"
                ).split()
            },
            "MAX_AMOUNT": None,  # core.bounds.MAX_AMOUNT
        },
    ),
    f"{F}.simulator": (
        f"{F}.simulator.run",
        {
            **{
                n: f"{F}.simulator.scenario"
                for n in (
                    "EVENT_TYPES _DATE COUNTRY PHONE_REGION ScenarioError Scenario _Checker _show _rate "
                    "load _load_allocation _load_products _load_members _identifier _load_events"
                ).split()
            },
        },
    ),
    f"{F}.forms": (
        f"{F}.ledger.forms",
        {
            "AmountField": f"{C}.forms",
            **{
                n: f"{C}.calendars"
                for n in "GREGORIAN_MONTHS JALALI_MONTHS_LATIN month_choices".split()
            },
            **{n: f"{F}.gifts.forms" for n in "GiveForm ConfirmGiftForm".split()},
            **{
                n: f"{F}.loans.forms"
                for n in "ProductForm LoanRequestForm GuarantorForm RescheduleForm".split()
            },
            **{n: f"{F}.imports.forms" for n in "MAX_UPLOAD_BYTES ImportForm".split()},
            **{n: f"{F}.allocation.forms" for n in "AllocationSettingsForm RoundForm".split()},
        },
    ),
    f"{F}.views": (
        f"{F}.ledger.views",
        {
            **{n: f"{F}.overview.views" for n in "home fund account _account_export".split()},
            **{
                n: f"{F}.allocation.views"
                for n in "POLICY_CHOICES allocate allocation_round allocation_settings vote approve".split()
            },
            **{n: f"{F}.gifts.views" for n in "give confirm_gift".split()},
            **{
                n: f"{F}.loans.views"
                for n in (
                    "_loan loan products new_product _int request_loan _preview loan_preview "
                    "add_guarantor resend_invitation guarantee settle reschedule"
                ).split()
            },
            "_loan_or_404": f"{F}.loans.selectors",
            **{n: f"{F}.imports.views" for n in "import_file import_template".split()},
        },
    ),
    f"{F}.api": (
        f"{F}.ledger.api",
        {
            **{
                n: f"{F}.loans.api"
                for n in (
                    "InstalmentOut GuaranteeOut OverdueOut LoanOut list_loans get_loan LoanRequestIn "
                    "EligibilityOut _member_account _product eligibility request_loan GuarantorIn "
                    "add_guarantor guarantees_given _decide GuaranteeNoticeOut _guarantee guarantee_notices "
                    "resend_invitation confirm_guarantee decline_guarantee QuoteOut SettleIn RescheduleIn "
                    "_refused_or settlement_quote settle reschedule ProductOut ProductIn list_products "
                    "create_product_version"
                ).split()
            },
            **{
                n: f"{F}.gifts.api"
                for n in "GiftIn PendingGiftOut ConfirmIn _refused start_gift confirm_gift".split()
            },
            **{n: f"{F}.imports.api" for n in "ImportErrorOut ImportReportOut import_file".split()},
            **{
                n: f"{F}.allocation.api"
                for n in (
                    "ApproveIn approve CommitteeIn AllocationIn CommitteeMemberOut AllocationOut RoundIn "
                    "DecisionOut RoundOut VoteIn VoteOut _allocation_out get_allocation put_allocation "
                    "list_rounds run_round get_round list_votes cast_vote _voting_loan"
                ).split()
            },
            "router": f"{F}.api",
        },
    ),
    f"{F}.urls": (f"{F}.urls", {}),
    f"{F}.apps": (f"{F}.apps", {}),
    f"{F}.demo": (f"{D}.funds", {}),
    f"{F}.demo_rounds": (f"{D}.fund_rounds", {}),
    f"{F}.management.commands.fund": (f"{F}.management.commands.fund", {}),
    # ------------------------------------------------------------------ rotating
    f"{R}.simulation": (f"{F}.simulator.lottery", {"MAX_SEED": f"{C}.draws"}),
    f"{R}.demo": (f"{D}.rotating", {}),
    f"{R}.rules": (f"{R}.rules", {"day_in_month": f"{C}.calendars"}),
    f"{R}.services": (
        f"{R}.services",
        {
            "may_write": None,
            "_require_write": None,
            "MAX_SEED": f"{C}.draws",
            **{n: f"{R}.rules" for n in "month_date start_date next_month".split()},
            **{n: f"{R}.selectors" for n in "holders_on not_won paid_for".split()},
        },
    ),
    f"{R}.forming": (
        f"{R}.forming",
        {
            **{n: f"{R}.rules" for n in "MAX_CODES YEARS parse_start parse_parts".split()},
        },
    ),
    # ------------------------------------------------------------------ evaluation
    f"{E}.models": (
        f"{E}.models.cycle",
        {
            **{
                n: f"{E}.models.frameworks"
                for n in "LEGAL_NUMBER LearningModel Style IndicatorKind Framework Criterion Indicator".split()
            },
            **{n: f"{E}.models.subjects" for n in "Subject Member Assessment".split()},
            "RecognitionDecision": f"{E}.models.recognition",
            **{n: f"{E}.models.targets" for n in "Target IndicatorValue".split()},
            "Rollup": f"{E}.models.rollups",
            **{
                n: f"{E}.models.workflow"
                for n in "Step Deadline Reminder AssessmentReopening YearApproval".split()
            },
        },
    ),
    f"{E}.scoring": (f"{E}.scoring", {}),
    f"{E}.exchange": (
        f"{E}.frameworks.canonical",
        {
            **{
                n: f"{E}.frameworks.workbook"
                for n in (
                    "ROW_COLUMNS TAIL_COLUMNS MAX_LEVEL_COLUMNS _cell_text to_xlsx _yes from_xlsx "
                    "_row_number _parse_decimal bands_text parse_bands"
                ).split()
            },
        },
    ),
    f"{E}.locks": (
        f"{E}.places.locks",
        {
            "HAMLET": f"{E}.places.selectors",
            "COMMUNE": f"{E}.places.selectors",
            "PROVINCE": f"{E}.places.selectors",
        },
    ),
    f"{E}.rollups": (
        f"{E}.rollups.refresh",
        {
            "successor_map": f"{E}.places.selectors",
            "Placement": f"{E}.places.selectors",
            "HAMLET": f"{E}.places.selectors",
            "COMMUNE": f"{E}.places.selectors",
            "PROVINCE": f"{E}.places.selectors",
        },
    ),
    f"{E}.reports": (f"{E}.rollups.annual_report", {}),
    f"{E}.tasks": (f"{E}.rollups.tasks", {"send_deadline_reminders": f"{E}.workflow.tasks"}),
    f"{E}.bulk": (f"{E}.cycle.bulk_entry", {}),
    f"{E}.pdf": (f"{E}.cycle.pdf", {"certificate_pdf": f"{E}.recognition.pdf"}),
    f"{E}.demo": (f"{D}.evaluation", {}),
    f"{E}.cycle": (
        f"{E}.cycle.meetings",
        {
            "_require_write": None,
            "Status": f"{E}.models.subjects",
            "BEFORE_REVIEW": f"{E}.cycle.evidence",
            **{
                n: f"{E}.cycle.registration"
                for n in "MemberRow Registration _check_year _member_errors register".split()
            },
            **{
                n: f"{E}.cycle.evidence"
                for n in (
                    "SIGNATURES EXTENSIONS max_evidence_bytes evidence_storage sniff "
                    "_assessment_for_write attach_evidence delete_evidence evidence_bytes"
                ).split()
            },
            "meeting_area_q": f"{E}.cycle.selectors",
        },
    ),
    f"{E}.services": (
        f"{E}.frameworks.services",
        {
            "_require_write": None,
            "_require_organisation": None,
            "can_change_framework": None,
            **{n: f"{E}.cycle.registration" for n in "save_subject add_member".split()},
            **{n: f"{E}.frameworks.selectors" for n in "_year_bounds framework_applies".split()},
            **{
                n: f"{E}.models.subjects"
                for n in "ANSWERS_OPEN DECIDED ANSWER_FIELDS REVIEWED_IN_HAMLET".split()
            },
            **{
                n: f"{E}.cycle.self_assessment"
                for n in (
                    "check_assessment_year stored_answers AssessmentChange check_answers_change "
                    "check_record_assessment do_record_assessment record_assessment"
                ).split()
            },
            **{
                n: f"{E}.recognition.services"
                for n in "decide_assessment _not_awaiting Signer can_issue issue_recognition_decision".split()
            },
            **{
                n: f"{E}.recognition.selectors"
                for n in "ISSUERS UNDECIDED awaiting_q area_q".split()
            },
            **{
                n: f"{E}.rollups.tasks"
                for n in "schedule_rollup_refresh schedule_place_refresh".split()
            },
            **{
                n: f"{E}.targets.services"
                for n in (
                    "TARGETS _unit_for load_targets record_indicator_value _save_value "
                    "_ensure_value_open can_change_indicator_value _locked_value change_indicator_value "
                    "delete_indicator_value add_target _check_target can_change_target _require_target "
                    "change_target delete_target"
                ).split()
            },
            "can_write_unit": f"{E}.places.selectors",
        },
    ),
    f"{E}.selectors": (
        f"{E}.frameworks.selectors",
        {
            "cycle_years": f"{E}.subjects.selectors",
            **{
                n: f"{E}.subjects.selectors"
                for n in "subjects assessments share_recognised subject_list history_of".split()
            },
            **{
                n: f"{E}.places.selectors"
                for n in "unit_roots units_q unit_chain place visible_parent home_place writable_places".split()
            },
            **{
                n: f"{E}.rollups.selectors"
                for n in (
                    "CLOSE DASHBOARD_MODELS _with_share rollups Targets light _percent RANKED_FIELDS "
                    "RankedPlace dashboard rollups_with_targets"
                ).split()
            },
            **{
                n: f"{E}.targets.selectors"
                for n in "indicator_share targets indicator_values".split()
            },
            **{
                n: f"{E}.recognition.selectors"
                for n in "issuers awaiting_decision decisions decision".split()
            },
            **{
                n: f"{E}.cycle.selectors"
                for n in (
                    "to_review meetings meeting_proposals meeting_revisions registering_organisations "
                    "entry_places"
                ).split()
            },
            **{
                n: f"{E}.workflow.selectors"
                for n in "cycle_provinces _deadline_light commune_cycle province_cycle notices".split()
            },
        },
    ),
    f"{E}.workflow": (
        f"{E}.workflow.approvals",
        {
            **{
                n: f"{E}.workflow.deadlines"
                for n in (
                    "DEFAULT_DEADLINES STEP_LEVEL default_deadline _shifted seed_deadlines "
                    "ensure_deadlines _chain deadlines_for _RANK settable_at set_deadline clear_deadline"
                ).split()
            },
            **{
                n: f"{E}.workflow.reminders"
                for n in "log RESPONSIBLE_ROLES _below responsible_users due_for_reminder send_reminders reminder_text _email".split()
            },
            "finished_places": f"{E}.workflow.selectors",
            **{n: f"{E}.places.locks" for n in "APPROVED PENDING".split()},
            **{n: f"{E}.places.selectors" for n in "HAMLET COMMUNE PROVINCE".split()},
            **{n: f"{E}.places.selectors" for n in "hamlets_of communes_of retired_onto".split()},
            "pending_for_approval": f"{E}.workflow.selectors",
        },
    ),
    f"{E}.forms": (
        f"{E}.frameworks.forms",
        {
            **{n: f"{E}.recognition.forms" for n in "AssessmentChoices DecisionForm".split()},
            **{
                n: f"{E}.cycle.forms"
                for n in "MAX_BULK_FILE _years BulkTemplateForm BulkImportForm".split()
            },
        },
    ),
    f"{E}.forms_edit": (
        f"{E}.frameworks.editor",
        {
            **{
                n: f"{E}.targets.forms"
                for n in "TargetForm IndicatorValueForm IndicatorValueCorrectionForm".split()
            },
            "DeadlineForm": f"{E}.workflow.forms",
        },
    ),
    f"{E}.forms_cycle": (f"{E}.cycle.forms", {}),
    f"{E}.views": (
        f"{E}.frameworks.views",
        {
            "_int": f"{C}.params",
            **{
                n: f"{E}.rollups.views"
                for n in "dashboard _link_places _place_or_home _visible_parent _annual annual_report annual_report_file".split()
            },
            **{
                n: f"{E}.recognition.views"
                for n in "decisions new_decision _decision decision certificate".split()
            },
            **{n: f"{E}.cycle.views" for n in "_writer bulk_entry XLSX".split()},
            **{
                n: f"{E}.workflow.views"
                for n in "_cycle_place cycle_home cycle _province_cycle cycle_action".split()
            },
        },
    ),
    f"{E}.views_cycle": (f"{E}.cycle.views", {"_int": f"{C}.params", "_require_write": None}),
    f"{E}.views_data": (
        f"{E}.targets.views",
        {
            **{n: f"{E}.frameworks.views" for n in "edit_framework new_framework".split()},
            **{
                n: f"{E}.workflow.views"
                for n in "deadlines default_deadlines _deadlines_page _save _origin".split()
            },
            "_seen_place": f"{E}.places.selectors",
        },
    ),
    f"{E}.api": (
        f"{E}.frameworks.api",
        {
            "router": f"{E}.api",
            **{
                n: f"{E}.cycle.api"
                for n in (
                    "SubjectOut SubjectIn SubjectFilter AssessmentOut AssessmentIn AssessmentFilter "
                    "list_subjects get_subject create_subject share_recognised list_assessments "
                    "record_assessment assessment_template import_assessments"
                ).split()
            },
            **{
                n: f"{E}.rollups.api"
                for n in "RollupOut RollupFilter list_rollups AnnualCellOut AnnualLineOut AnnualReportOut _annual_line annual_report".split()
            },
            **{
                n: f"{E}.targets.api"
                for n in (
                    "TargetOut list_targets TargetIn _target_values add_target change_target delete_target "
                    "IndicatorValueIn IndicatorValueOut IndicatorValueFilter list_indicator_values "
                    "record_indicator_value IndicatorValueChangeIn _indicator_value change_indicator_value "
                    "delete_indicator_value"
                ).split()
            },
            **{
                n: f"{E}.workflow.api"
                for n in (
                    "DeadlineOut DeadlineIn ApprovalOut ReasonIn _place list_deadlines set_deadline "
                    "clear_deadline commune_cycle approve_year reopen_year reopen_assessment"
                ).split()
            },
        },
    ),
    f"{E}.api_cycle": (f"{E}.cycle.api", {"_require_write": None, "router": f"{E}.cycle.api"}),
    f"{E}.urls": (f"{E}.urls", {}),
    f"{E}.apps": (f"{E}.apps", {}),
    f"{E}.templatetags.evaluation": (f"{E}.templatetags.evaluation", {}),
    f"{E}.management.commands.evaluation": (f"{E}.management.commands.evaluation", {}),
    # ------------------------------------------------------------------ shared pieces
    "edupact.web.paging": (f"{C}.paging", {}),
    "edupact.api.problems": (
        "edupact.api.problems",
        {"PROBLEM": f"{C}.problems", "problem": f"{C}.problems"},
    ),
    "edupact.demo.plan": (f"{D}.directory_plan", {}),
}


def target(module: str, name: str) -> str | None:
    """Where ``module.name`` goes; the module itself when it is not moved."""
    if module in MAP:
        default, names = MAP[module]
        return names.get(name, default) if name in names else default
    return module
