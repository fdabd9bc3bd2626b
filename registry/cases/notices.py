"""What the procedure mails, every text in one place, in fixed words.

Nothing a filer, a respondent or a panel member wrote is ever put into a mail: a mail
says that there is something to read and where (a one-time link for the respondent, the
follow-up page for the filer, the staff area for staff), so that filing a case cannot be
used to send anyone a text. The values put into these words are the registry's own: a
case reference, a date, the respondent's own public name, a number of hours.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from registry.accessions.notices import HELLO, Notice
from registry.mail import services as mail
from registry.settings import Settings
from registry.staff.permissions import Role
from registry.staff.services import list_staff
from registry.staff.tables import StaffStatus
from registry.translation import N_, NP_

HELLO_ANYONE = N_("Hello,")
NOTICES: dict[str, Notice] = {
    # To the respondent, at its contact address.
    "respondent_told": Notice(
        N_("A case before the ethics panel concerns you (%(reference)s)"),
        (HELLO_ANYONE, N_("A case concerning \"%(public_name)s\" was brought before the ethics "
                          "panel under the procedure of Principle 15 (case %(reference)s)."),
         N_("You may read it and answer, with evidence, through the link below until "
            "%(due)s. The link works for one answer; the panel sends a new link for each "
            "further round.")),
        action=N_("Read the case and answer")),
    "respondent_message": Notice(
        N_("A message from the ethics panel (%(reference)s)"),
        (HELLO_ANYONE, N_("The ethics panel wrote to you in case %(reference)s. Read it and "
                          "answer through the link below."),),
        action=N_("Read the message")),
    "respondent_draft": Notice(
        N_("The draft decision in case %(reference)s"),
        (HELLO_ANYONE, N_("The ethics panel shares its draft decision in case %(reference)s "
                          "with both sides. You may comment on it through the link below "
                          "until %(due)s."),),
        action=N_("Read the draft and comment")),
    "respondent_decided": Notice(
        N_("The decision in case %(reference)s"),
        (HELLO_ANYONE, N_("The ethics panel decided case %(reference)s. Read the decision "
                          "through the link below."),
         N_("You may appeal it once, with your grounds, through the same link until "
            "%(due)s.")),
        action=N_("Read the decision")),
    "respondent_appeal_decided": Notice(
        N_("The appeal in case %(reference)s is decided"),
        (HELLO_ANYONE, N_("The appeal in case %(reference)s is decided. Read the decision "
                          "through the link below."),),
        action=N_("Read the decision")),
    "declare_link": Notice(
        N_("Declare a conflict of interest to the ethics panel"),
        (HELLO, NP_("Someone asked, for \"%(public_name)s\", for a link to declare a "
                    "conflict of interest to the ethics panel. If it was you, declare it "
                    "through the link below within %(hours)s hour.",
                    "Someone asked, for \"%(public_name)s\", for a link to declare a "
                    "conflict of interest to the ethics panel. If it was you, declare it "
                    "through the link below within %(hours)s hours.", "hours"),
         N_("If it was not you, ignore this message: nothing changes.")),
        action=N_("Declare a conflict of interest")),
    # To a filer who gave an address: only that there is news.
    "filer_news": Notice(
        N_("News in case %(reference)s"),
        (HELLO_ANYONE, N_("There is news in case %(reference)s before the ethics panel. Open "
                          "it with its reference and your receipt code through the link "
                          "below."),),
        action=N_("Follow up the case")),
    # To staff.
    "staff_new_case": Notice(
        N_("A new case: %(reference)s"),
        (HELLO, N_("A new case, %(reference)s, was filed. It is to be acknowledged by "
                   "%(due)s."),),
        action=N_("Open the case")),
    "staff_assigned": Notice(
        N_("You are assigned to case %(reference)s"),
        (HELLO, N_("You are assigned to the panel of case %(reference)s. Before its file "
                   "opens to you, confirm that you have no conflict of interest, or recuse "
                   "yourself."),),
        action=N_("Open the case")),
    "staff_recusal": Notice(
        N_("A recusal in case %(reference)s"),
        (HELLO, N_("A member of the panel of case %(reference)s recused themselves. Assign "
                   "a replacement."),),
        action=N_("Open the case")),
    "staff_appealed": Notice(
        N_("Case %(reference)s is appealed"),
        (HELLO, N_("Case %(reference)s was appealed. Assign an appeal panel of members who "
                   "did not sit on the first."),),
        action=N_("Open the case")),
    "staff_reminder": Notice(
        N_("Case %(reference)s: %(what)s due on %(due)s"),
        (HELLO, N_("In case %(reference)s, the %(what)s is due on %(due)s."),),
        action=N_("Open the case")),
    "staff_overdue": Notice(
        N_("Case %(reference)s: %(what)s overdue"),
        (HELLO, N_("In case %(reference)s, the %(what)s was due on %(due)s and is overdue."),),
        action=N_("Open the case")),
    "staff_interim": Notice(
        N_("An interim measure to confirm in case %(reference)s"),
        (HELLO, N_("The chair proposes an interim measure in case %(reference)s. It takes "
                   "effect only when a second member of the panel confirms it."),),
        action=N_("Open the case")),
}


def day(moment: datetime) -> date:
    """A day for a mail: written in its language's way where the mail is rendered."""
    return moment.date()


async def send(notice: str, *, to: str, language: str, url: str, **values: Any) -> None:
    """Queue a notice, inside the caller's transaction."""
    await mail.queue(to, "signatory_notice", language=language, context={
        "notice": NOTICES[notice], "values": values, "url": url, "quote": None})


def staff_url(settings: Settings, reference: str) -> str:
    return f"{settings.base_url}/staff/cases/{reference}"


async def to_staff(notice: str, *, staff_ids: set[int] | None = None,
                   roles: set[Role] | None = None, settings: Settings, reference: str,
                   **values: Any) -> int:
    """The notice to active staff members, by id or by role; returns how many."""
    sent = 0
    for member in await list_staff():
        if member.status != StaffStatus.active:
            continue
        if (staff_ids is not None and member.id in staff_ids) or (
                roles is not None and member.roles & roles):
            await send(notice, to=member.email, language=member.language,
                       url=staff_url(settings, reference), reference=reference,
                       name=member.name, **values)
            sent += 1
    return sent
