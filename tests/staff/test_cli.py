"""`registry staff ...` and `registry outbox send`, run as real subprocesses."""

import re

from registry.staff.tables import StaffMember


async def test_create_list_disable_reset(run_cli):
    created = run_cli("staff", "create", "--email", "Ira@Example.org", "--name", "Ira Test",
                      "--role", "panel_member", "--role", "panel_chair")
    assert created.code == 0, created.output
    link = re.search(r"http://127\.0\.0\.1:8000/staff/enrol/\S+", created.out)
    assert link and "48 hours" in created.out
    listing = run_cli("staff", "list")
    assert "enrolling" in listing.out and "panel_chair,panel_member" in listing.out
    assert "Ira@Example.org" in listing.out and "Ira Test" in listing.out

    duplicate = run_cli("staff", "create", "--email", "ira@example.org", "--name", "Other",
                        "--role", "admin")
    assert duplicate.code == 1 and "already exists" in duplicate.err
    assert "Traceback" not in duplicate.output

    disabled = run_cli("staff", "disable", "ira@example.org")
    assert disabled.code == 0 and "Disabled staff account" in disabled.out
    assert (await StaffMember.select(StaffMember.status).first())["status"] == "disabled"
    again = run_cli("staff", "disable", "ira@example.org")
    assert again.code == 1 and "already disabled" in again.err

    reset = run_cli("staff", "reset", "ira@example.org")
    assert reset.code == 0 and "/staff/enrol/" in reset.out
    assert (await StaffMember.select(StaffMember.status).first())["status"] == "enrolling"
    unknown = run_cli("staff", "reset", "nobody@example.org")
    assert unknown.code == 1 and "No staff account" in unknown.err


def test_bad_arguments_are_refused_in_words(run_cli):
    bad_role = run_cli("staff", "create", "--email", "a@example.org", "--name", "A",
                       "--role", "king")
    assert bad_role.code == 2 and "'king' is not one of" in bad_role.err
    bad_email = run_cli("staff", "create", "--email", "not-an-address", "--name", "A",
                        "--role", "admin")
    assert bad_email.code == 1 and "is not an e-mail address" in bad_email.err


async def test_outbox_send_delivers_through_the_configured_smtp_server(run_cli, smtp_server,
                                                                       monkeypatch):
    server = smtp_server()
    created = run_cli("staff", "create", "--email", "mailme@example.org", "--name", "Mail Me",
                      "--role", "secretariat", "--mail")
    assert created.code == 0
    monkeypatch.setenv("REGISTRY_SMTP_URL", server.url())
    sent = run_cli("outbox", "send")
    assert sent.code == 0 and sent.out.startswith("1 sent, 0 to retry later, 0 given up; 0 pending")
    [message] = server.messages()
    assert message["To"] == "mailme@example.org"
    assert run_cli("outbox", "send").out.startswith("0 sent")
