"""What a page says when a form is refused, as GOV.UK does it: "Error:" at the start of
the title, a summary (role=alert, "There is a problem") whose links lead to the first
control of each field at fault, that control marked invalid and described by its error
line. Checked on the HTML as served, in the reader's language."""

from __future__ import annotations

import re

from registry.translation import gettext, using


def words(msgid: str, language: str = "en") -> str:
    with using(language):
        return gettext(msgid)


def summary_of(html: str) -> str:
    found = re.search(r'<div class="form-error" role="alert" tabindex="-1">.*?</div>', html,
                      re.S)
    assert found, "the page has no error summary"
    return found[0]


def control(html: str, control_id: str) -> str:
    """The opening tag of the control with this id."""
    found = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{re.escape(control_id)}"'
                      r'[^>]*>', html)
    assert found, f"no control has the id {control_id!r}"
    return found[0]


def assert_refused(html: str, *fields: str, language: str = "en") -> str:
    """The page tells a refused form GOV.UK's way, each of `fields` (the ids of their
    controls) in the summary and at its control; returns the summary."""
    assert re.search(rf"<title>{re.escape(words('Error:', language))} ", html), \
        re.search(r"<title>.*?</title>", html, re.S)
    summary = summary_of(html)
    assert f"<h2>{words('There is a problem', language)}</h2>" in summary
    for field in fields:
        assert f'<a href="#{field}">' in summary, (field, summary)
        tag = control(html, field)
        assert 'aria-invalid="true"' in tag, tag
        described = re.search(r'aria-describedby="([^"]+)"', tag)
        assert described and f"{field}-error" in described[1].split(), tag
        for target in described[1].split():
            assert html.count(f'id="{target}"') == 1, (target, tag)
        error_line = re.search(rf'<span class="field-error" id="{field}-error">.*?</span>'
                               r"(.*?)</span>", html, re.S)
        assert error_line and error_line[1].strip(), f"{field} has no error line"
    return summary


def assert_no_field_marked(html: str) -> None:
    """A problem said for the whole form: no control is marked as the one at fault."""
    assert "aria-invalid" not in html and 'class="field-error"' not in html
