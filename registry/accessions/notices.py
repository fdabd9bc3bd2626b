"""What a signatory or applicant is told by mail as their accession moves: every text in
one place, rendered by the one template `signatory_notice` in the recipient's language.

No notice mentions the "persecuted" mark: mail can be read by those who persecute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.mail import services as mail
from registry.translation import N_, NP_


@dataclass(frozen=True)
class Notice:
    subject: str
    before: tuple[str, ...]  # paragraphs before the quoted text, if any
    after: tuple[str, ...] = ()
    action: str | None = None  # the label of the link, when there is one


HELLO = N_("Hello %(name)s,")
NOTICES: dict[str, Notice] = {
    "question": Notice(
        N_("A question about your application to accede to the Principles"),
        (HELLO, N_("The secretariat has a question about the application of "
                   "\"%(public_name)s\":")),
        (NP_("Answer it through the link below within %(days)s day. The application waits "
             "for your answer.",
             "Answer it through the link below within %(days)s days. The application waits "
             "for your answer.", "days"),),
        N_("Answer the question")),
    "reaffirm_reminder": Notice(
        N_("Time to re-affirm your accession to the Principles"),
        (HELLO, N_("The accession of \"%(public_name)s\" to the Principles (version "
                   "%(version)s) is due for re-affirmation on %(due)s."),
         N_("One click on the link below re-affirms it for another year. If it is not "
            "re-affirmed by %(lapses)s, it lapses.")),
        action=N_("Re-affirm the accession")),
    "reaffirmed": Notice(
        N_("Your accession to the Principles is re-affirmed"),
        (HELLO, N_("The accession of \"%(public_name)s\" to the Principles (version "
                   "%(version)s) is re-affirmed. The next re-affirmation is due on %(due)s."),)),
    "lapsed": Notice(
        N_("Your accession to the Principles has lapsed"),
        (HELLO, N_("The accession of \"%(public_name)s\" was not re-affirmed in time and has "
                   "lapsed; the register shows it as lapsed."),
         N_("You can re-affirm it through the link below, and it becomes active again.")),
        action=N_("Re-affirm the accession")),
    "lapsed_superseded": Notice(
        N_("Your accession to the Principles has lapsed"),
        (HELLO, N_("The accession of \"%(public_name)s\" to version %(version)s was not "
                   "renewed for version %(in_force)s within the grace period and has lapsed; "
                   "the register shows it as lapsed."),
         N_("You can accede to version %(in_force)s through the link below, and the "
            "accession becomes active again.")),
        action=N_("Read the Principles and accede")),
    "superseded": Notice(
        N_("A new version of the Principles is in force"),
        (HELLO, N_("Version %(in_force)s of the Principles came into force. The accession of "
                   "\"%(public_name)s\" to version %(version)s stays valid until %(grace)s."),
         N_("To remain active in the register after that date, read version %(in_force)s "
            "and accede to it through the link below.")),
        action=N_("Read the Principles and accede")),
    "reacceded": Notice(
        N_("Your accession to the Principles is recorded"),
        (HELLO, N_("\"%(public_name)s\" now accedes to version %(version)s of the Principles. "
                   "The next re-affirmation is due on %(due)s."),)),
    "withdraw_link": Notice(
        N_("Confirm the withdrawal of your accession to the Principles"),
        (HELLO, NP_("Someone asked to withdraw the accession of \"%(public_name)s\" from "
                    "the Principles. If it was you, confirm it through the link below within "
                    "%(hours)s hour.",
                    "Someone asked to withdraw the accession of \"%(public_name)s\" from "
                    "the Principles. If it was you, confirm it through the link below within "
                    "%(hours)s hours.", "hours"),
         N_("If it was not you, ignore this message: nothing changes.")),
        action=N_("Withdraw the accession")),
    "withdrawal_pending": Notice(
        N_("Your withdrawal from the Principles takes effect on %(effective)s"),
        (HELLO, N_("The accession of \"%(public_name)s\" will be withdrawn on %(effective)s. "
                   "Until then the register shows \"withdrawal pending\"."),
         N_("You can cancel the withdrawal until that date through the link below, also if "
            "you were made to withdraw against your will.")),
        action=N_("Cancel the withdrawal")),
    "withdrawal_cancelled": Notice(
        N_("Your withdrawal from the Principles is cancelled"),
        (HELLO, N_("The withdrawal was cancelled: the accession of \"%(public_name)s\" "
                   "continues as before."),)),
    "withdrawn": Notice(
        N_("Your accession to the Principles is withdrawn"),
        (HELLO, N_("The accession of \"%(public_name)s\" is withdrawn; the register shows it "
                   "as withdrawn. You may accede again at any time."),)),
    "suspended": Notice(
        N_("Your accession to the Principles is suspended"),
        (HELLO, N_("By decision of the ethics panel (%(decision)s), the accession of "
                   "\"%(public_name)s\" is suspended until %(until)s."),)),
    "suspended_pending_revocation": Notice(
        N_("Your accession to the Principles is suspended"),
        (HELLO, N_("By decision of the ethics panel (%(decision)s), the accession of "
                   "\"%(public_name)s\" is to be revoked. Until the decision can no longer be "
                   "appealed, the accession is suspended."),)),
    "revoked": Notice(
        N_("Your accession to the Principles is revoked"),
        (HELLO, N_("By decision of the ethics panel (%(decision)s), the accession of "
                   "\"%(public_name)s\" is revoked."),)),
    "reinstated": Notice(
        N_("Your accession to the Principles is active again"),
        (HELLO, N_("The suspension has ended: the accession of \"%(public_name)s\" is active "
                   "again."),)),
}


async def send(notice: str, *, to: str, language: str, url: str | None = None,
               quote: str | None = None, **values: Any) -> None:
    """Queue a notice, inside the caller's transaction."""
    await mail.queue(to, "signatory_notice", language=language, context={
        "notice": NOTICES[notice], "values": values, "url": url, "quote": quote})
