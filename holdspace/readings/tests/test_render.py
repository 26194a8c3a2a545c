"""Markdown from staff becomes HTML with only the tags and links a reading needs."""

from __future__ import annotations

import pytest

from holdspace.readings.services import render_markdown


def test_it_renders_headings_lists_emphasis_quotes_and_code() -> None:
    html = render_markdown(
        "## Before\n\n*soft* and **firm**\n\n- one\n- two\n\n1. first\n\n> quoted\n\n`code`"
    )
    for tag in ("<h2>", "<em>", "<strong>", "<ul>", "<li>", "<ol>", "<blockquote>", "<code>"):
        assert tag in html


def test_it_strips_script_tags_and_their_content() -> None:
    html = render_markdown("Hello <script>alert('x')</script> world\n\n<style>p{}</style>")
    assert "<script" not in html
    assert "alert" not in html
    assert "<style" not in html
    assert "Hello" in html


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
        "[click](/relative/path)",
    ],
)
def test_it_strips_links_that_are_not_http_https_or_mailto(link: str) -> None:
    html = render_markdown(link)
    assert "href" not in html
    assert "javascript" not in html.lower()
    assert "click" in html


@pytest.mark.parametrize(
    "link", ["https://example.org/a", "http://example.org/b", "mailto:care@example.org"]
)
def test_it_keeps_safe_links_with_noopener(link: str) -> None:
    html = render_markdown(f"[here]({link})")
    assert f'href="{link}"' in html
    assert 'rel="noopener"' in html


def test_it_drops_event_handlers_images_and_other_attributes() -> None:
    html = render_markdown(
        '<p onclick="x()" style="color:red" class="c">hi</p>\n\n'
        '<img src="x" onerror="alert(1)">\n\n<iframe src="https://e.org"></iframe>'
    )
    for bad in ("onclick", "style", "class", "<img", "onerror", "<iframe"):
        assert bad not in html
