"""Markdown to safe HTML, done once when content is saved, never in a template.

markdown-it-py parses CommonMark (plus tables) with raw HTML switched off, and nh3
(the Ammonia sanitiser) then keeps only the tags and attributes we allow, so nothing an
author or an admin types can put script or styling on a page.
"""

import nh3
from django.utils.text import slugify
from markdown_it import MarkdownIt

_parser = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
    ["table", "strikethrough", "replacements", "smartquotes"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"scope"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
}


def render(text, *, heading_shift=1):
    """Render Markdown to sanitised HTML; empty text gives an empty string.

    Content sits under the page's own headings, so its headings move down a level
    (`##` becomes <h3>) and never reach <h1>: the page keeps one <h1> and an outline a
    screen reader can follow.
    """
    if not text or not text.strip():
        return ""
    tokens = _parser.parse(text)
    _shift_headings(tokens, heading_shift)
    html = _parser.renderer.render(tokens, _parser.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def _shift_headings(tokens, shift):
    """Move headings down by `shift` levels (at least <h2>) and give each a stable id, so
    a page can link to a section (#how-to-answer-a-disclosure)."""
    seen = set()
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1]) + shift
            token.tag = f"h{min(max(level, 2), 6)}"
        if token.type != "heading_open":
            continue
        base = slugify(tokens[index + 1].content) or "section"
        slug, counter = base, 2
        while slug in seen:
            slug, counter = f"{base}-{counter}", counter + 1
        seen.add(slug)
        token.attrSet("id", slug)
