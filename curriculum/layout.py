"""Cutting a lesson's stored, sanitised HTML into pieces for the board and for printing.

Lesson files carry no markup for "this is a card" or "this is for students": a handout is
one Markdown body, and an activity's instructions mix what the teacher says and does with
what students read. The shipped files follow a few habits, though, and this module leans
on them:

- a card set is a handout whose title says "cards" or whose text says to cut them out;
  its cards are the sections headed "Card …", "Case study …" or "Role card …", the
  paragraphs that open with a bold "Role card …" or a bold letter ("**A.**"), or, when
  none of those exist, the items of its first list;
- in an activity, the numbered lists (ground rules, the questions students answer) and
  the quoted model dialogue are for students; running text and bulleted lists are the
  teacher's ("Say: …", "Walk round and listen for: …").

The HTML was sanitised when it was saved, so slicing it at element boundaries keeps it
safe: each piece is a run of complete elements copied verbatim from the stored string.
"""

import re
from html import unescape
from html.parser import HTMLParser

from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

VOID_TAGS = {"br", "hr", "img"}
HEADINGS = {"h2", "h3", "h4", "h5", "h6"}
CARD_HEADING = re.compile(r"^\s*(card|case study|role card)\b", re.IGNORECASE)
CARD_PARAGRAPH = re.compile(r"^<p><strong>\s*(role card\b|[A-Z]\.)", re.IGNORECASE)
# Words in the paragraph before a list that mark the list as the teacher's checklist.
TEACHER_CUE = re.compile(
    r"listen (out )?for|walk (round|around)|circulate|push (groups|back)|watch for|look for"
    r"|take feedback|make (sure|these|two|three|the) |in your own words|usually emerges|comes out",
    re.IGNORECASE,
)
# A question the teacher is told to put to the class, in italics: Ask: *"…?"*
ASKED_QUESTION = re.compile(r"<em>([^<]*\?[^<]*)</em>")
# Characters an item of a board list averages at most; longer items are teaching notes.
LONG_ITEM = 200
# Characters of student text beyond which a screen uses smaller type to fit.
DENSE_SCREEN = 400
CARD_SET_HINT = re.compile(r"\bcards?\b", re.IGNORECASE)


class _Blocks(HTMLParser):
    """Finds where each top-level element starts and ends in an HTML string."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.line_starts = [0]
        for match in re.finditer("\n", html):
            self.line_starts.append(match.end())
        self.depth = 0
        self.blocks = []  # [tag, start, end, text]
        self.feed(html)
        self.close()

    def _offset(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.blocks.append([tag, self._offset(), None, ""])
        if tag not in VOID_TAGS:
            self.depth += 1
        elif self.depth == 0:
            self.blocks[-1][2] = self._offset() + len(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            start = self._offset()
            self.blocks.append([tag, start, start + len(self.get_starttag_text()), ""])

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        self.depth -= 1
        if self.depth == 0 and self.blocks:
            end = self.html.index(">", self._offset()) + 1
            self.blocks[-1][2] = end

    def handle_data(self, data):
        if self.depth > 0 and self.blocks:
            self.blocks[-1][3] += data


class Block:
    def __init__(self, tag, html, text):
        self.tag = tag
        self.html = html
        self.text = text.strip()

    def is_heading(self):
        return self.tag in HEADINGS

    def level(self):
        return int(self.tag[1]) if self.is_heading() else 99


def blocks(html):
    """The top-level elements of sanitised HTML, in order."""
    if not html:
        return []
    parser = _Blocks(html)
    return [Block(tag, html[start:end], text) for tag, start, end, text in parser.blocks if end]


def _join(parts):
    return mark_safe("\n".join(block.html for block in parts))  # noqa: S308 (sanitised on save)


def handout_layout(handout):
    """A handout as a list of ("prose", html) and ("cards", [html, …]) pieces, in order.

    A handout with no cards comes back as one prose piece, and prints as a worksheet."""
    parts = blocks(handout.body_html)
    looks_like_cards = CARD_SET_HINT.search(handout.title) or "cut out the cards" in (
        handout.body.lower()
    )
    top = min((b.level() for b in parts), default=99)
    has_card_headings = any(_is_card_heading(b, top) for b in parts)
    has_card_paragraphs = any(b.tag == "p" and CARD_PARAGRAPH.match(b.html) for b in parts)
    if not (looks_like_cards or has_card_headings or has_card_paragraphs):
        return [("prose", _join(parts))] if parts else []

    pieces = []
    prose, cards, card = [], [], None
    card_level = None
    list_done = has_card_headings or has_card_paragraphs

    def flush_prose():
        if prose:
            pieces.append(("prose", _join(prose)))
            prose.clear()

    def flush_cards():
        nonlocal card
        if card:
            cards.append(_join(card))
            card = None
        if cards:
            pieces.append(("cards", list(cards)))
            cards.clear()

    for block in parts:
        if card is not None and card_level is not None:
            if not block.is_heading() or block.level() > card_level:
                card.append(block)
                continue
            cards.append(_join(card))
            card, card_level = None, None
        if _is_card_heading(block, top):
            flush_prose()
            card, card_level = [block], block.level()
        elif block.tag == "p" and CARD_PARAGRAPH.match(block.html):
            flush_prose()
            cards.append(_join([block]))
        elif not list_done and block.tag in ("ol", "ul"):
            flush_prose()
            cards.extend(_list_items(block.html))
            list_done = True
            flush_cards()
        else:
            flush_cards()
            prose.append(block)
    flush_cards()
    flush_prose()
    return pieces


def _is_card_heading(block, top):
    """A card's heading sits below the handout's own title ("# Case study cards")."""
    return block.is_heading() and block.level() > top and bool(CARD_HEADING.match(block.text))


def _list_items(list_html):
    """Each item of one list as its own card, numbered as in the list."""
    inner = list_html[list_html.index(">") + 1 : list_html.rindex("<")]
    items = blocks(inner)
    numbered = list_html.startswith("<ol")
    start = re.match(r'<ol start="(\d+)"', list_html)
    first = int(start.group(1)) if start else 1
    cards = []
    for index, item in enumerate(item for item in items if item.tag == "li"):
        body = item.html[item.html.index(">") + 1 : item.html.rindex("<")].strip()
        if not body.startswith("<p>"):
            body = f"<p>{body}</p>"
        if numbered:
            body = body.replace("<p>", f"<p><strong>{first + index}.</strong> ", 1)
        cards.append(mark_safe(body))  # noqa: S308 (sanitised on save)
    return cards


def student_part(activity):
    """What students read on the board for an activity: its lists (unless the teacher
    is told to listen or walk round for them), its quoted model dialogue and the
    questions the teacher is told to ask, not the teacher's running instructions."""
    parts, previous = [], ""
    for block in blocks(activity.instructions_html):
        is_list = (
            block.tag in ("ol", "ul")
            and not TEACHER_CUE.search(previous)
            and not _is_teaching_notes(block)
        )
        if is_list or block.tag == "blockquote":
            parts.append(mark_safe(block.html))  # noqa: S308 (sanitised on save)
        elif block.tag == "p":
            for question in ASKED_QUESTION.findall(block.html):
                parts.append(format_html('<p class="board-question">{}</p>', unescape(question)))
        previous = block.text
    return parts


def _is_teaching_notes(block):
    """A list of long items is the teacher's talking points, not something to read
    from the back of a room."""
    items = block.html.count("<li>")
    return items > 0 and len(block.text) / items > LONG_ITEM


def _title_phrases(title):
    """The parts of a handout title that an activity's text might name."""
    phrases = re.split(r"[?:—–]|\s-\s", title.lower())
    return [phrase.strip(" \"'“”") for phrase in phrases if len(phrase.split()) >= 2]


def handouts_for(activity, handouts):
    """The handouts an activity uses: those whose title (or part of it) the activity names."""
    text = f"{activity.title} {activity.instructions}".lower()
    return [
        handout
        for handout in handouts
        if any(phrase in text for phrase in _title_phrases(handout.title))
    ]


def card_titles(handout):
    """Short names of a card set's cards (their headings), for the board."""
    parts = blocks(handout.body_html)
    top = min((b.level() for b in parts), default=99)
    return [block.text for block in parts if _is_card_heading(block, top)]


class Screen:
    """One screen of present mode: the lesson's opening, an activity, or the exit ticket."""

    def __init__(self, kind, title, *, activity=None, parts=(), handouts=()):
        self.kind = kind
        self.title = title
        self.activity = activity
        self.parts = list(parts)
        self.handouts = list(handouts)
        self.number = 0

    def is_exit(self):
        return self.kind == "exit"

    def is_dense(self):
        """Lots to read: the board uses smaller type so the step fits one screen."""
        return sum(len(strip_tags(part)) for part in self.parts) > DENSE_SCREEN


def _is_exit_activity(activity):
    return activity.title.lower().startswith("exit ticket")


def screens(lesson):
    """The board, a screen a step: the title and outcome, each activity in order (the
    first is the ground rules in every shipped lesson) and the exit ticket last."""
    handouts = list(lesson.handouts.all())
    result = [Screen("start", lesson.title)]
    has_exit = False
    for activity in lesson.activities.all():
        is_exit = _is_exit_activity(activity) and bool(lesson.exit_questions)
        has_exit = has_exit or is_exit
        result.append(
            Screen(
                "exit" if is_exit else "activity",
                activity.title,
                activity=activity,
                parts=[] if is_exit else student_part(activity),
                handouts=handouts_for(activity, handouts),
            )
        )
    if lesson.exit_questions and not has_exit:
        result.append(Screen("exit", str(_("Exit ticket"))))
    for number, screen in enumerate(result, start=1):
        screen.number = number
    return result
