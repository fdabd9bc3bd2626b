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
    staff_login_succeeded = "staff:login:succeeded"
    staff_login_failed = "staff:login:failed"
    staff_session_ended = "staff:session:ended"
    staff_recovery_code_used = "staff:recovery_code:used"

    accession_application_submitted = "accession:application:submitted"
    accession_application_confirmed = "accession:application:confirmed"
    accession_confirmation_resent = "accession:confirmation:resent"
    accession_confirmation_refused = "accession:confirmation:refused"
    accession_status_activated = "accession:status:activated"
    accession_status_rejected = "accession:status:rejected"
    accession_applications_purged = "accession:applications:purged"

    security_csrf_refused = "security:csrf:refused"
    keys_data_key_rotated = "keys:data_key:rotated"
    mail_message_failed = "mail:message:failed"
