"""`registry cases`: the cases of the Principle 15 procedure from the command line. What
an operator reads (the list, a case's overview, what falls due) holds nothing
confidential: references, kinds, stages, dates, the panel's seats. What a chair does
when the web is out of reach (acknowledge, publish, publish a deferred text) is done as
the operator (`operator:<user>` in the audit trail), through the same rules as the web.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from registry import commands
from registry.audit import services as audit
from registry.cases import case_file, decisions, services, stages
from registry.cases.case_file import Due
from registry.cases.stages import Stage
from registry.deadlines import services as deadlines
from registry.deadlines.tables import Deadline
from registry.keys.sealed import unseal_moment

STAGES = [stage.value for stage in Stage]
# How a deadline ended (deadlines.services): it fell due and was acted on, or the case
# moved on before it, or a new one of its kind replaced it.
CLOSED = {"done": "fell due", "idle": "fell due", "cancelled": "closed",
          "replaced": "replaced"}


def _day(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d}" if moment else "-"


def _minute(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}"


def _what(kind: str) -> str:
    if kind == stages.REMINDER:
        return "reminder to staff"
    return stages.DUE_WORDS.get(kind, kind)


def _due(due: Due | None) -> str:
    if due is None:
        return "-"
    mark = "  OVERDUE" if due.overdue else "  PAUSED" if due.paused else ""
    return f"{_day(due.at)} {_what(due.kind)}{mark}"


@click.group(name="cases")
def cases() -> None:
    """Cases of the Principle 15 procedure: list them, read a case's overview (nothing
    confidential), see what falls due, and, when the web is out of reach, acknowledge a
    case or publish its decision."""


@cases.command(name="list")
@click.option("--stage", type=click.Choice(STAGES), help="Only cases at this stage.")
@click.option("--all", "everything", is_flag=True,
              help="Closed and inadmissible cases too (by default only open ones).")
def cases_list(stage: str | None, everything: bool) -> None:
    """Open cases, one per line: reference, kind, stage and the stage's deadline (marked
    OVERDUE or PAUSED); overdue first, then by deadline."""
    rows = commands.run(commands.settings(), case_file.dashboard)
    if stage is not None:
        rows = [row for row in rows if row.stage == stage]
    elif not everything:
        rows = [row for row in rows if Stage(row.stage) in stages.OPEN]
    if not rows:
        click.echo("No cases." if everything or stage else "No open cases.")
    for row in rows:
        click.echo(f"{row.reference:<12} {row.kind:<21} {row.stage:<19} {_due(row.due)}")


async def _deadlines_of(reference: str) -> list[deadlines.Due]:
    """Every deadline the case ever had, open and past, in the order they were set."""
    case = await stages.find(reference)
    rows = await Deadline.select().where(Deadline.subject == case.subject).order_by(
        Deadline._meta.primary_key)
    return [deadlines.Due(id=row["id"], subject=row["subject"], kind=row["kind"],
                          due_at=row["due_at"], stated_at=row["stated_at"],
                          paused_since=unseal_moment(Deadline.paused, row["paused"]),
                          created_at=row["created_at"], closed_at=row["closed_at"],
                          outcome=row["outcome"]) for row in rows]


@cases.command(name="show")
@click.argument("reference")
def cases_show(reference: str) -> None:
    """A case's overview, without anything confidential: kind, stage, when it was filed,
    each step and its date, the panel's seats, its deadlines (open and past), and its
    decisions (adopted, deferred, published)."""
    reference = services.normal_reference(reference)

    async def work() -> tuple[case_file.Overview, list[deadlines.Due]]:
        # No viewer: the overview as someone who sits on nothing sees it.
        return (await case_file.overview(reference, 0, may_assign=False),
                await _deadlines_of(reference))

    view, dues = commands.run(commands.settings(), work)
    now = datetime.now(UTC)
    click.echo(f"Case {view.reference}")
    click.echo(f"  kind: {view.kind}" + (" (declared by the signatory itself)"
                                        if view.self_declared else ""))
    click.echo(f"  stage: {view.stage}")
    click.echo(f"  filed: {_day(view.filed_at)}")
    click.echo(f"  next deadline: {_due(view.due)}")
    click.echo("Steps:")
    for step, at in view.steps:
        click.echo(f"  {_minute(at)}  {step}")
    click.echo("Panel:" if view.seats else "Panel: nobody assigned")
    for seat in view.seats:
        if seat.recused_at:
            state = f"recused {_day(seat.recused_at)}"
        elif seat.confirmed_at:
            state = f"confirmed {_day(seat.confirmed_at)}"
        else:
            state = "assigned, not yet confirmed"
        click.echo(f"  {seat.name} ({seat.instance} instance): assigned "
                   f"{_day(seat.assigned_at)}, {state}")
    click.echo("Deadlines:" if dues else "Deadlines: none")
    for due in dues:
        if due.open:
            state = "open" + (f", PAUSED since {_day(due.paused_since)}"
                              if due.paused_since else
                              ", OVERDUE" if due.due_at <= now else "")
        else:
            state = f"{CLOSED.get(due.outcome or '', 'closed')} {_day(due.closed_at)}"
        click.echo(f"  {_day(due.due_at)}  {_what(due.kind)} ({state})")
    click.echo("Decisions:" if view.decisions else "Decisions: none adopted")
    for decision in view.decisions:
        parts = [f"adopted {_day(decision['decided_at'])}"]
        if decision["deferred_at"]:
            parts.append(f"text deferred {_day(decision['deferred_at'])}")
        parts.append(f"published {_day(decision['published_at'])}"
                     if decision["published_at"] else "not published")
        click.echo(f"  {decision['instance']} instance: {', '.join(parts)}")
    if view.appealed:
        click.echo("Appealed.")


@cases.command(name="deadlines")
@click.option("--days", type=click.IntRange(0, 3660), default=14, show_default=True,
              help="What falls due within this many days (overdue ones included).")
def cases_deadlines(days: int) -> None:
    """Every open deadline of a case's stage falling due within DAYS, soonest first, with
    the case's reference; paused ones marked."""
    now = datetime.now(UTC)
    found = commands.run(commands.settings(), lambda: deadlines.falling_due(
        now + timedelta(days=days), limit=10_000))
    found = [due for due in found
             if due.subject.startswith("case:") and due.kind in stages.CLOCK_KINDS]
    if not found:
        click.echo(f"No case deadline falls due within {days} days.")
    for due in found:
        mark = (f"  PAUSED since {_day(due.paused_since)}" if due.paused_since
                else "  OVERDUE" if due.due_at <= now else "")
        click.echo(f"{_minute(due.due_at)}  {due.subject.removeprefix('case:'):<12} "
                   f"{_what(due.kind)}{mark}")


@cases.command(name="acknowledge")
@click.argument("reference")
def cases_acknowledge(reference: str) -> None:
    """Acknowledge a case received (as the secretariat does): it goes to the ethics
    panel's decision on admissibility, and the filer is told."""
    settings = commands.settings()
    reference = services.normal_reference(reference)
    commands.run(settings, lambda: decisions.acknowledge(
        reference, actor=audit.operator(), settings=settings))
    click.echo(f"Acknowledged {reference}: it waits for the decision on admissibility.")


@cases.command(name="publish")
@click.argument("reference")
@click.option("--defer", is_flag=True,
              help="Publish only the decision's SHA-256 now, its text later "
                   "(`publish-deferred`), where publishing it now would endanger someone.")
def cases_publish(reference: str, defer: bool) -> None:
    """Publish the adopted decision of a case (as the chair does), or with --defer its
    hash only; then the appeal window opens (or, after an appeal, the case closes) and
    both sides are told."""
    settings = commands.settings()
    reference = services.normal_reference(reference)

    async def work() -> Stage:
        await decisions.publish(reference, defer=defer, actor=audit.operator(),
                                settings=settings)
        return (await stages.find(reference)).stage

    stage = commands.run(settings, work)
    done = "Published the hash of the decision (its text deferred)" if defer else (
        "Published the decision")
    click.echo(f"{done} of {reference}: the case is now at {stage.value}.")


@cases.command(name="publish-deferred")
@click.argument("reference")
def cases_publish_deferred(reference: str) -> None:
    """Publish the text of a case's decision whose publication was deferred; anyone can
    then check it against the hash published before."""
    reference = services.normal_reference(reference)
    commands.run(commands.settings(), lambda: decisions.publish_deferred(
        reference, actor=audit.operator()))
    click.echo(f"Published the deferred text of the decision of {reference}.")
