"""`registry cases` as an operator runs it (a real subprocess): the list, a case's
overview and what falls due, with nothing confidential in them; acknowledging and
publishing when the web is out of reach; refusals in one line with exit code 1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from registry.audit.services import SYSTEM, staff_actor
from registry.audit.tables import AuditEvent
from registry.cases import decisions, panel, services
from registry.cases.schemas import ComplaintForm
from registry.cases.tables import Case
from registry.deadlines import services as deadlines
from registry.deadlines.tables import Deadline
from registry.facts.tables import PublicFact
from tests.accessions.test_lifecycle import accepted
from tests.accessions.test_submission import FORM
from tests.factories import fall_due, staff_session

ACCOUNT = ("On 3 May the organisation published the names of two volunteers without "
           "their consent.")
CONFIDENTIAL = (FORM["public_name"], FORM["legal_name"], "volunteers", ACCOUNT[:25])


async def file_case(respondent: str, settings) -> str:
    filed = await services.file(ComplaintForm(
        kind="complaint", respondent=respondent, principles=[3], account=ACCOUNT,
        anonymous=True), language="en", settings=settings)
    return filed.reference


async def stage(reference: str) -> str:
    return (await Case.select(Case.stage).where(Case.reference == reference).first())["stage"]


async def make_overdue(reference: str, kind: str) -> None:
    due = (await deadlines.open_for(f"case:{reference}"))[kind]
    await Deadline.update({Deadline.due_at: datetime.now(UTC) - timedelta(days=2)}).where(
        Deadline._meta.primary_key == due.id)


def assert_nothing_confidential(output: str, respondent: str) -> None:
    assert respondent not in output
    for word in CONFIDENTIAL:
        assert word not in output, word


async def test_list_show_and_deadlines_say_what_an_operator_needs_and_nothing_more(
        client, synced, run_cli):
    respondent = await accepted(client, synced)
    chair = await staff_session(synced, "panel_chair", name="Olga Chair")
    member = await staff_session(synced, "panel_member", name="Ivan Member")
    late = await file_case(respondent, synced)
    await make_overdue(late, "case:acknowledge")
    heard = await file_case(respondent, synced)
    await decisions.acknowledge(heard, actor=SYSTEM, settings=synced)
    await panel.assign(heard, member.id, actor=staff_actor(chair.id), settings=synced)
    await panel.confirm(heard, member.id, actor=staff_actor(member.id))
    closed = await file_case(respondent, synced)
    await decisions.acknowledge(closed, actor=SYSTEM, settings=synced)
    await panel.assign(closed, chair.id, actor=staff_actor(chair.id), settings=synced)
    await panel.confirm(closed, chair.id, actor=staff_actor(chair.id))
    await decisions.decide_admissibility(closed, chair.id, admissible=False,
                                         reason="out_of_scope", actor=staff_actor(chair.id),
                                         settings=synced)

    listed = run_cli("cases", "list")
    assert listed.code == 0, listed.output
    lines = listed.out.splitlines()
    assert len(lines) == 2 and closed not in listed.out  # open cases only, by default
    assert lines[0].split()[:3] == [late, "complaint", "received"]
    assert "acknowledgement" in lines[0] and "OVERDUE" in lines[0]  # overdue first
    assert lines[1].split()[:3] == [heard, "complaint", "admissibility"]
    assert "decision on admissibility" in lines[1] and "OVERDUE" not in lines[1]
    assert_nothing_confidential(listed.output, respondent)

    everything = run_cli("cases", "list", "--all")
    assert everything.code == 0 and closed in everything.out and "inadmissible" in everything.out
    only = run_cli("cases", "list", "--stage", "admissibility")
    assert only.code == 0 and only.out.split()[:1] == [heard] and late not in only.out
    assert run_cli("cases", "list", "--stage", "nonsense").code == 2

    shown = run_cli("cases", "show", heard)
    assert shown.code == 0, shown.output
    out = shown.out
    assert f"Case {heard}" in out and "kind: complaint" in out and "stage: admissibility" in out
    assert f"filed: {datetime.now(UTC):%Y-%m-%d}" in out
    assert "  received" in out and "  admissibility" in out  # the steps
    assert "Ivan Member (first instance)" in out and "confirmed" in out
    assert "acknowledgement (closed " in out  # past deadlines too
    assert "decision on admissibility (open)" in out
    assert "Decisions: none adopted" in out
    assert_nothing_confidential(shown.output, respondent)
    decided = run_cli("cases", "show", closed.lower())  # as typed, in any case
    assert decided.code == 0 and "stage: inadmissible" in decided.out
    assert_nothing_confidential(decided.output, respondent)

    due = run_cli("cases", "deadlines")
    assert due.code == 0, due.output
    lines = due.out.splitlines()
    assert [line.split()[2] for line in lines] == [late, heard]  # soonest first
    assert "OVERDUE" in lines[0] and "decision on admissibility" in lines[1]
    assert closed not in due.out
    assert_nothing_confidential(due.output, respondent)
    soon = run_cli("cases", "deadlines", "--days", "3")
    assert soon.code == 0 and late in soon.out and heard not in soon.out


async def test_a_paused_deadline_is_marked(client, synced, run_cli):
    from registry.accessions import lifecycle

    respondent = await accepted(client, synced)
    reference = await file_case(respondent, synced)
    await lifecycle.mark_persecuted(respondent, True, actor=SYSTEM, settings=synced)
    listed = run_cli("cases", "list")
    assert listed.code == 0 and "PAUSED" in listed.out
    due = run_cli("cases", "deadlines")
    assert due.code == 0 and reference in due.out and "PAUSED since" in due.out
    shown = run_cli("cases", "show", reference)
    assert "open, PAUSED since" in shown.out
    assert "persecuted" not in listed.output + due.output + shown.output


async def decided(client, synced, run_cli) -> tuple[str, str]:
    """A case whose decision waits for publication (acknowledged from the command line)."""
    respondent = await accepted(client, synced)
    chair = await staff_session(synced, "panel_chair", name="Olga Chair")
    members = [await staff_session(synced, "panel_member", name=f"Member {n}")
               for n in range(synced.case_panel_min - 1)]
    actor = staff_actor(chair.id)
    reference = await file_case(respondent, synced)
    acknowledged = run_cli("cases", "acknowledge", reference)
    assert acknowledged.code == 0, acknowledged.output
    assert await stage(reference) == "admissibility"
    for seated in (chair, *members):
        await panel.assign(reference, seated.id, actor=actor, settings=synced)
        await panel.confirm(reference, seated.id, actor=staff_actor(seated.id))
    await decisions.decide_admissibility(reference, chair.id, admissible=True, reason=None,
                                         actor=actor, settings=synced)
    await fall_due(reference, "case:answer")  # the respondent did not answer
    await decisions.save_draft(reference, chair.id, {
        "outcome": "public_reprimand", "principles_breached": [3],
        "reasoning": "The names of volunteers were published without their consent.",
        "public_summary": "The signatory published personal data without consent."},
        actor=actor)
    await decisions.share_draft(reference, chair.id, actor=actor, settings=synced)
    await fall_due(reference, "case:comments")
    for voter in (chair, *members):  # a majority, and at least two in favour
        if await decisions.vote(reference, voter.id, in_favour=True,
                                actor=staff_actor(voter.id), settings=synced) == "adopted":
            break
    assert await stage(reference) == "publication"
    return respondent, reference


async def facts_of(reference: str) -> list[str]:
    rows = await PublicFact.select().where(PublicFact.subject == f"case:{reference}").order_by(
        PublicFact.seq)
    return [json.loads(row["entry"])["kind"] for row in rows]


async def test_a_chair_publishes_from_the_command_line(client, synced, run_cli):
    respondent, reference = await decided(client, synced, run_cli)
    published = run_cli("cases", "publish", reference)
    assert published.code == 0, published.output
    assert f"Published the decision of {reference}" in published.out
    assert "appeal_window" in published.out
    assert await stage(reference) == "appeal_window"
    assert await facts_of(reference) == ["case:decision_published"]
    [event] = await AuditEvent.select().where(
        (AuditEvent.subject == f"case:{reference}")
        & (AuditEvent.tag == "case:decision:published"))
    assert event["actor"].startswith("operator:")

    shown = run_cli("cases", "show", reference)
    assert shown.code == 0 and "first instance: adopted" in shown.out
    assert "published" in shown.out.split("Decisions:")[1]
    assert_nothing_confidential(shown.output, respondent)

    again = run_cli("cases", "publish", reference)
    assert again.code == 1
    assert again.err.strip().splitlines() == [
        "Error: There is no decision waiting for publication."]


async def test_a_deferred_text_is_published_later(client, synced, run_cli):
    _respondent, reference = await decided(client, synced, run_cli)
    deferred = run_cli("cases", "publish", reference, "--defer")
    assert deferred.code == 0, deferred.output
    assert await stage(reference) == "appeal_window"
    assert await facts_of(reference) == ["case:decision_deferred"]
    shown = run_cli("cases", "show", reference)
    assert "text deferred" in shown.out and "not published" in shown.out
    later = run_cli("cases", "publish-deferred", reference)
    assert later.code == 0, later.output
    assert await facts_of(reference) == ["case:decision_deferred", "case:decision_published"]
    twice = run_cli("cases", "publish-deferred", reference)
    assert twice.code == 1 and len(twice.err.strip().splitlines()) == 1


async def test_an_unknown_reference_is_one_line_and_exit_code_1(synced, run_cli):
    for command in (("show",), ("acknowledge",), ("publish",), ("publish", "--defer"),
                    ("publish-deferred",)):
        refused = run_cli("cases", command[0], "2026-NOCASE", *command[1:])
        assert refused.code == 1, (command, refused.output)
        assert refused.out == ""
        assert refused.err.strip().splitlines() == ["Error: There is no case 2026-NOCASE."]


def test_every_command_has_help(run_cli):
    for command in ("list", "show", "deadlines", "acknowledge", "publish",
                    "publish-deferred"):
        helped = run_cli("cases", command, "--help")
        assert helped.code == 0 and len(helped.out.splitlines()) > 3, command
    group = run_cli("cases", "--help")
    assert group.code == 0 and "publish-deferred" in group.out
