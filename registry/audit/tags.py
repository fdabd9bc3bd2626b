"""Every audit event tag (`area:subject:action`) in one place."""

from enum import StrEnum


class EventTag(StrEnum):
    principles_version_added = "principles:version:added"
    principles_version_in_force = "principles:version:in_force"
    principles_version_superseded = "principles:version:superseded"

    staff_account_created = "staff:account:created"
    staff_account_enrolled = "staff:account:enrolled"
    staff_account_disabled = "staff:account:disabled"
    staff_account_reset = "staff:account:reset"
    staff_enrolment_refused = "staff:enrolment:refused"
    staff_enrolment_refusals_counted = "staff:enrolment_refusals:counted"
    staff_login_succeeded = "staff:login:succeeded"
    staff_login_failed = "staff:login:failed"
    # Anonymous failures of one window, counted: details say how many, and why.
    staff_login_failures_counted = "staff:login_failures:counted"
    staff_session_ended = "staff:session:ended"
    staff_recovery_code_used = "staff:recovery_code:used"

    accession_application_submitted = "accession:application:submitted"
    accession_application_confirmed = "accession:application:confirmed"
    accession_confirmation_resent = "accession:confirmation:resent"
    accession_confirmation_refused = "accession:confirmation:refused"
    accession_status_activated = "accession:status:activated"
    accession_status_rejected = "accession:status:rejected"
    accession_applications_purged = "accession:applications:purged"
    accession_information_requested = "accession:information:requested"
    accession_information_answered = "accession:information:answered"
    accession_status_superseded = "accession:status:superseded"
    accession_status_lapsed = "accession:status:lapsed"
    accession_status_withdrawn = "accession:status:withdrawn"
    accession_status_suspended = "accession:status:suspended"
    accession_status_revoked = "accession:status:revoked"
    accession_status_reinstated = "accession:status:reinstated"
    accession_reaffirmation_reminded = "accession:reaffirmation:reminded"
    accession_reaffirmation_recorded = "accession:reaffirmation:recorded"
    accession_version_reacceded = "accession:version:reacceded"
    accession_withdrawal_asked = "accession:withdrawal:asked"
    accession_withdrawal_requested = "accession:withdrawal:requested"
    accession_withdrawal_cancelled = "accession:withdrawal:cancelled"
    accession_persecution_marked = "accession:persecution:marked"
    accession_persecution_unmarked = "accession:persecution:unmarked"
    accession_link_refused = "accession:link:refused"

    case_filing_received = "case:filing:received"
    case_message_received = "case:message:received"
    case_message_sent = "case:message:sent"
    case_stage_moved = "case:stage:moved"
    case_link_refused = "case:link:refused"
    case_declaration_asked = "case:declaration:asked"
    case_interest_declared = "case:interest:declared"
    case_interest_withdrawn = "case:interest:withdrawn"
    case_panel_assigned = "case:panel:assigned"
    case_panel_confirmed = "case:panel:confirmed"
    case_panel_recused = "case:panel:recused"
    case_file_opened = "case:file:opened"
    case_file_refused = "case:file:refused"
    case_attachment_opened = "case:attachment:opened"
    case_note_added = "case:note:added"
    case_draft_saved = "case:draft:saved"
    case_draft_shared = "case:draft:shared"
    case_vote_cast = "case:vote:cast"
    case_decision_adopted = "case:decision:adopted"
    case_decision_rejected = "case:decision:rejected"
    case_decision_published = "case:decision:published"
    case_decision_deferred = "case:decision:deferred"
    case_appeal_lodged = "case:appeal:lodged"
    case_interim_proposed = "case:interim:proposed"
    case_interim_confirmed = "case:interim:confirmed"
    case_interim_withdrawn = "case:interim:withdrawn"
    case_sanction_applied = "case:sanction:applied"
    case_deadline_reminded = "case:deadline:reminded"
    case_filer_persecution_marked = "case:filer_persecution:marked"
    case_filer_persecution_unmarked = "case:filer_persecution:unmarked"
    case_calendar_created = "case:calendar:created"
    case_calendar_revoked = "case:calendar:revoked"

    security_csrf_refused = "security:csrf:refused"
    security_csrf_refusals_counted = "security:csrf_refusals:counted"
    keys_data_key_rotated = "keys:data_key:rotated"
    keys_signing_key_rotated = "keys:signing_key:rotated"
    mail_message_failed = "mail:message:failed"

    # What a secret event shows in the table: its real tag is sealed beside it.
    audit_event_sealed = "audit:event:sealed"


# Events a copy of the database must not reveal, not even by their tag: they are stored
# sealed, and opened for staff who read the audit trail.
SEALED = frozenset({
    EventTag.accession_persecution_marked,
    EventTag.accession_persecution_unmarked,
    EventTag.case_filer_persecution_marked,
    EventTag.case_filer_persecution_unmarked,
    # What a case decided, before it is published, and who asked to declare a conflict.
    EventTag.case_decision_adopted,
    EventTag.case_sanction_applied,
    EventTag.case_declaration_asked,
})
