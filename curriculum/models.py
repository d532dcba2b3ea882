"""The curriculum: age bands, themes, modules, lessons with their activities and handouts,
and the support services every lesson's safeguarding panel lists.

Long text is Markdown. It is rendered through the sanitiser when a row is saved and the
HTML kept in the row (`html` / `*_html`), so no page parses Markdown per request.
"""

import operator
from functools import reduce

from django.core.validators import MinValueValidator, RegexValidator, URLValidator
from django.db import connection, models
from django.db.models import Case, Prefetch, Q, Sum, Value, When
from django.db.models.functions import Length, Replace
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from curriculum import layout, markdown, search

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Use lowercase letters, digits and single hyphens, e.g. speaking-up-for-a-friend."),
)

# A link a page shows must be a web address: `javascript:` in a source's URL is code that
# runs on click (only the CSP stands in its way), and `data:` or `file:` mislead.
web_url_validator = URLValidator(
    schemes=["http", "https"],
    message=_("Enter a web address that starts with https:// (or http://)."),
)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class AgeBand(models.Model):
    slug = models.SlugField(_("slug"), unique=True, validators=[slug_validator])
    label = models.CharField(_("label"), max_length=40, help_text=_("For example “Ages 11–14”."))
    min_age = models.PositiveSmallIntegerField(_("youngest age"))
    max_age = models.PositiveSmallIntegerField(_("oldest age"))
    uk_stage = models.CharField(_("UK key stage"), max_length=80, blank=True)
    us_grades = models.CharField(_("US grades"), max_length=80, blank=True)

    class Meta:
        ordering = ["min_age", "max_age"]
        verbose_name = _("age band")
        verbose_name_plural = _("age bands")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__lte=models.F("max_age")), name="ageband_min_not_above_max"
            )
        ]

    def __str__(self):
        return self.label

    def full_label(self):
        """The band with its UK key stage and US grades, as teachers in either country
        look for it: "Ages 11–14 · Key Stage 3 (Years 7–9) · Grades 6–8 (US)"."""
        parts = [self.label]
        if self.uk_stage:
            parts.append(self.uk_stage)
        if self.us_grades:
            parts.append(gettext("%(grades)s (US)") % {"grades": self.us_grades})
        return " · ".join(parts)


class Theme(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), unique=True, validators=[slug_validator])

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self):
        return self.name


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Staff preview drafts; everyone else sees published rows only."""
        if user.is_active and user.is_staff:
            return self.all()
        return self.published()


class ModuleQuerySet(PublishableQuerySet):
    def with_lesson_counts(self):
        return self.annotate(
            published_lesson_count=models.Count(
                "lessons", filter=Q(lessons__status=Status.PUBLISHED)
            )
        )


class Module(models.Model):
    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True, validators=[slug_validator])
    summary = models.TextField(_("summary"), help_text=_("One or two plain sentences."))
    big_idea = models.TextField(_("big idea"), help_text=_("Markdown, for the teacher."))
    family_note = models.TextField(
        _("family note"), blank=True, help_text=_("Markdown, for parents and carers.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    html = models.JSONField(default=dict, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ModuleQuerySet.as_manager()

    MARKDOWN_FIELDS = ("big_idea", "family_note")

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.html = {name: markdown.render(getattr(self, name)) for name in self.MARKDOWN_FIELDS}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("curriculum:module-detail", args=[self.slug])

    def is_published(self):
        return self.status == Status.PUBLISHED


class LessonQuerySet(PublishableQuerySet):
    def for_list(self):
        """What a list of lesson cards needs, in three queries whatever the count."""
        return self.select_related("module").prefetch_related(
            Prefetch("age_bands", queryset=AgeBand.objects.order_by("min_age")),
            Prefetch("themes", queryset=Theme.objects.order_by("name")),
        )

    def for_page(self):
        """What a lesson page needs: module, bands, themes, activities and handouts."""
        return self.for_list().prefetch_related(
            Prefetch("activities", queryset=Activity.objects.order_by("order")),
            Prefetch("handouts", queryset=Handout.objects.order_by("order")),
        )

    def with_duration(self, bucket):
        """Filter by a duration bucket of DURATION_BUCKETS ("30", "45", "60", "longer")."""
        if bucket == "longer":
            return self.filter(duration_minutes__gt=60)
        return self.filter(duration_minutes__lte=int(bucket))

    def search(self, text):
        """Lessons with every word of `text`, best first (see curriculum/search.py).

        The same filters and ordering on every database: each word is one `contains` on
        the stored document, and the rank is counted with Case and Length/Replace."""
        needles = search.needles(text)
        if not needles:
            return self.none()
        matches = self.filter(*[Q(search_text__contains=needle) for needle in needles])

        def hits(field):
            return reduce(
                operator.add,
                [
                    Case(When(**{f"{field}__contains": needle}, then=1), default=0)
                    for needle in needles
                ],
            )

        # How often the words occur: the text's length lost when each is cut out.
        occurrences = reduce(
            operator.add,
            [
                (Length("search_text") - Length(Replace("search_text", Value(needle))))
                / len(needle)
                for needle in needles
            ],
        )
        return matches.annotate(
            title_hits=hits("search_title"),
            lead_hits=hits("search_lead"),
            occurrences=occurrences,
        ).order_by("-title_hits", "-lead_hits", "-occurrences", "title", "pk")

    def correction_for(self, text):
        """A spelling of `text` that finds some of these lessons, or None.

        PostgreSQL first narrows the lessons to those with a word like one searched for
        (pg_trgm's word similarity, served by the trigram index); elsewhere every lesson's
        words are candidates. Either way the closest word is chosen the same way."""
        words = search.query_words(text)
        if not words:
            return None
        lessons = self
        if connection.vendor == "postgresql":
            lessons = lessons.filter(
                reduce(operator.or_, [Q(search_text__trigram_word_similar=word) for word in words])
            )
        return search.correction(text, lessons.values_list("search_text", flat=True))


DURATION_BUCKETS = [
    ("30", _("30 minutes or less")),
    ("45", _("45 minutes or less")),
    ("60", _("60 minutes or less")),
    ("longer", _("Longer than 60 minutes")),
]


class ContentArea(models.TextChoices):
    LANGUAGE = "language-and-discrimination", _("Language and discrimination")
    UPSETTING = "upsetting-content", _("Upsetting content")
    RELATIONSHIPS = "relationships-and-sex", _("Relationships and sex")


class Supervision(models.TextChoices):
    """Oak National Academy's levels: how closely an adult should be with students."""

    SUGGESTED = "adult-supervision-suggested", _("Adult supervision suggested")
    RECOMMENDED = "adult-supervision-recommended", _("Adult supervision recommended")
    REQUIRED = "adult-supervision-required", _("Adult supervision required")


class Lesson(models.Model):
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("module")
    )
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=160, unique=True, validators=[slug_validator])
    age_bands = models.ManyToManyField(
        AgeBand, related_name="lessons", verbose_name=_("age bands")
    )
    themes = models.ManyToManyField(
        Theme, related_name="lessons", blank=True, verbose_name=_("themes")
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1)]
    )
    summary = models.TextField(_("summary"))
    outcome = models.CharField(
        _("outcome"), max_length=300, help_text=_("“I can …”, as a student would say it.")
    )
    objectives = models.JSONField(_("objectives"), default=list, blank=True)
    key_learning_points = models.JSONField(_("key learning points"), default=list, blank=True)
    key_vocabulary = models.JSONField(_("key vocabulary"), default=list, blank=True)
    misconceptions = models.JSONField(_("misconceptions"), default=list, blank=True)
    materials = models.JSONField(_("materials"), default=list, blank=True)
    content_guidance = models.JSONField(_("content guidance"), default=list, blank=True)
    starter_question = models.TextField(_("starter question"), blank=True)
    exit_questions = models.JSONField(_("exit ticket questions"), default=list, blank=True)
    discussion_questions = models.JSONField(_("discussion questions"), default=list, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    supervision = models.CharField(
        _("supervision"), max_length=32, choices=Supervision.choices, blank=True
    )
    supervision_note = models.TextField(
        _("why this supervision"), blank=True, help_text=_("Optional: one sentence.")
    )
    # Quizzes are lists of {"question", "answers": [{"text", "correct": true} or
    # {"text", "misconception"}]}: read and written whole with the lesson (page, print,
    # export, edit hash), never queried by question, so a column beside the lesson's
    # other lists keeps the page's query count and the file round trip unchanged.
    starter_quiz = models.JSONField(_("starter quiz"), default=list, blank=True)
    exit_quiz = models.JSONField(_("exit quiz"), default=list, blank=True)
    safeguarding = models.TextField(_("safeguarding"), blank=True)
    adaptations_send = models.TextField(_("adaptations for SEND"), blank=True)
    adaptations_eal = models.TextField(_("adaptations for EAL learners"), blank=True)
    adaptations_mixed_age = models.TextField(_("adaptations for mixed-age groups"), blank=True)
    extension = models.TextField(_("extension"), blank=True)
    teacher_notes = models.TextField(_("teacher notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    html = models.JSONField(default=dict, editable=False)
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Hash of the lesson as last loaded from its file; a mismatch means it "
        "was edited in the admin since, so the loader leaves it alone.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # What search reads (curriculum/search.py), refreshed by every save.
    search_title = models.TextField(blank=True, editable=False)
    search_lead = models.TextField(blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)

    objects = LessonQuerySet.as_manager()

    # Body sections of a lesson file, in order: (field, heading in the file).
    MARKDOWN_SECTIONS = (
        ("safeguarding", "Safeguarding"),
        ("adaptations_send", "Adaptations for SEND"),
        ("adaptations_eal", "Adaptations for EAL learners"),
        ("adaptations_mixed_age", "Adaptations for mixed-age groups"),
        ("extension", "Extension"),
        ("teacher_notes", "Teacher notes"),
    )

    class Meta:
        ordering = ["module__order", "title"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="lesson_duration_positive"
            )
        ]
        indexes = [models.Index(fields=["status", "duration_minutes"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Render the Markdown and refresh the search documents, then save.

        The documents include the activities, themes and handouts, which the loader and
        the admin write after the lesson: both save the lesson again once they have.
        The documents are written even by a save limited to some `update_fields`, so a
        saved lesson is always found by what it says."""
        self.html = {
            name: markdown.render(getattr(self, name)) for name, _heading in self.MARKDOWN_SECTIONS
        }
        documents = search.lesson_documents(self)
        for name, value in documents.items():
            setattr(self, name, value)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *documents}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("curriculum:lesson-detail", args=[self.slug])

    def is_published(self):
        return self.status == Status.PUBLISHED

    def activity_minutes(self):
        """Sum of the activities' minutes (the lower bound where a range is given)."""
        if hasattr(self, "_prefetched_objects_cache") and "activities" in (
            self._prefetched_objects_cache
        ):
            return sum(activity.minutes for activity in self.activities.all())
        return self.activities.aggregate(total=Sum("minutes"))["total"] or 0

    def minutes_mismatch_message(self):
        """A warning for staff when activities don't fill the lesson, or None."""
        total = self.activity_minutes()
        if total == self.duration_minutes:
            return None
        return ngettext(
            "The activities add up to %(total)d minute but the lesson lasts %(duration)d.",
            "The activities add up to %(total)d minutes but the lesson lasts %(duration)d.",
            total,
        ) % {"total": total, "duration": self.duration_minutes}

    def starter_quiz_questions(self):
        return _lettered(self.starter_quiz)

    def exit_quiz_questions(self):
        return _lettered(self.exit_quiz)

    def timeline(self):
        """Activities with the minute each starts at, for the lesson's running clock."""
        start = 0
        rows = []
        for activity in self.activities.all():
            rows.append((start, activity))
            start += activity.minutes
        return rows


QUIZ_LETTERS = "ABCD"


def _lettered(quiz):
    """A quiz's questions with a letter on each answer, as a student sheet and its answer
    key name them, and the right answer picked out."""
    questions = []
    for question in quiz:
        answers = [
            {**answer, "letter": letter}
            for letter, answer in zip(QUIZ_LETTERS, question["answers"], strict=False)
        ]
        right = next((answer for answer in answers if answer.get("correct")), None)
        questions.append({"question": question["question"], "answers": answers, "right": right})
    return questions


class Grouping(models.TextChoices):
    WHOLE_CLASS = "whole-class", _("Whole class")
    PAIRS = "pairs", _("Pairs")
    SMALL_GROUPS = "small-groups", _("Small groups")
    INDIVIDUAL = "individual", _("Individual")


class Activity(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="activities")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=160)
    minutes = models.PositiveSmallIntegerField(_("minutes"), validators=[MinValueValidator(1)])
    minutes_max = models.PositiveSmallIntegerField(
        _("up to (minutes)"),
        null=True,
        blank=True,
        help_text=_("Optional: teachers plan better with a range, such as 10–15 minutes."),
    )
    grouping = models.CharField(
        _("grouping"), max_length=20, choices=Grouping.choices, default=Grouping.WHOLE_CLASS
    )
    instructions = models.TextField(_("instructions"), help_text=_("Markdown, for the teacher."))
    instructions_html = models.TextField(editable=False, blank=True)

    class Meta:
        ordering = ["lesson", "order"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "order"], name="activity_order_unique"),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="activity_minutes_positive"),
            models.CheckConstraint(
                condition=Q(minutes_max__isnull=True) | Q(minutes_max__gt=models.F("minutes")),
                name="activity_range_upper_above_lower",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.instructions_html = markdown.render(self.instructions)
        super().save(*args, **kwargs)


class Handout(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="handouts")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=160, unique=True, validators=[slug_validator])
    body = models.TextField(_("body"), help_text=_("Markdown, for students."))
    body_html = models.TextField(editable=False, blank=True)

    class Meta:
        ordering = ["lesson", "order"]
        verbose_name = _("handout")
        verbose_name_plural = _("handouts")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = markdown.render(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("curriculum:handout-print", args=[self.lesson.slug, self.slug])

    def pieces(self):
        """The body as prose and sets of cards to cut out (see curriculum.layout)."""
        return layout.handout_layout(self)

    def is_card_set(self):
        return any(kind == "cards" for kind, _content in self.pieces())

    def has_writing_lines(self):
        """Exit tickets and the like carry their own dotted lines to write on."""
        return "....." in self.body


class SupportService(models.Model):
    name = models.CharField(_("name"), max_length=120)
    helps_with = models.TextField(_("what it helps with"))
    contact = models.CharField(_("how to contact"), max_length=200)
    url = models.URLField(_("website"), blank=True)
    country = models.CharField(
        _("country"), max_length=2, help_text=_("Two-letter code, such as GB or US.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["country", "order", "name"]
        verbose_name = _("support service")
        verbose_name_plural = _("support services")
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="supportservice_unique_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.country})"


class UnitQuerySet(models.QuerySet):
    def for_page(self, lessons):
        """A unit with its steps in teaching order, only those whose lesson is among
        `lessons` (the lessons the visitor may see), each with its lesson and module."""
        steps = UnitLesson.objects.filter(lesson__in=lessons).select_related("lesson__module")
        return self.select_related("age_band").prefetch_related(
            Prefetch("steps", queryset=steps.order_by("order"))
        )


class Unit(models.Model):
    """An age band's lessons as one sequence, in teaching order, that opens with a
    baseline task the class repeats at the end."""

    age_band = models.OneToOneField(
        AgeBand, on_delete=models.PROTECT, related_name="unit", verbose_name=_("age band")
    )
    title = models.CharField(_("title"), max_length=160)
    summary = models.TextField(_("summary"))
    baseline_task = models.TextField(
        _("baseline task"),
        help_text=_("Markdown: a “What would you do if…” scenario and a 1–5 confidence scale."),
    )
    baseline_task_html = models.TextField(editable=False, blank=True)
    lessons = models.ManyToManyField(Lesson, through="UnitLesson", related_name="units")

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["age_band__min_age"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.baseline_task_html = markdown.render(self.baseline_task)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("curriculum:unit-detail", args=[self.age_band.slug])


class UnitLessonQuerySet(models.QuerySet):
    def around(self, lesson, *, lessons):
        """Where `lesson` stands in each unit that teaches it: a list of
        {"unit", "number", "count", "previous", "next", "opens", "closes"}, counting only
        `lessons` (the lessons the visitor may see). `opens` is true for the unit's first
        lesson, which sets the unit's baseline task; `closes` for its last, which repeats
        that task as the endpoint. One query."""
        steps = (
            self.filter(unit__steps__lesson=lesson, lesson__in=lessons)
            .select_related("unit__age_band", "lesson")
            .order_by("unit__age_band__min_age", "unit_id", "order")
        )
        by_unit = {}
        for step in steps:
            by_unit.setdefault(step.unit_id, []).append(step)
        places = []
        for sequence in by_unit.values():
            index = next(i for i, step in enumerate(sequence) if step.lesson_id == lesson.pk)
            places.append(
                {
                    "unit": sequence[index].unit,
                    "number": index + 1,
                    "count": len(sequence),
                    "previous": sequence[index - 1].lesson if index > 0 else None,
                    "next": sequence[index + 1].lesson if index + 1 < len(sequence) else None,
                    "opens": index == 0,
                    "closes": index + 1 == len(sequence),
                }
            )
        return places


class UnitLesson(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="steps")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="unit_steps")
    order = models.PositiveSmallIntegerField(_("order"))
    builds_on = models.TextField(
        _("builds on"), blank=True, help_text=_("What this lesson builds on from before.")
    )

    objects = UnitLessonQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "order"]
        verbose_name = _("lesson in a unit")
        verbose_name_plural = _("lessons in a unit")
        constraints = [
            models.UniqueConstraint(fields=["unit", "order"], name="unitlesson_order_unique"),
            models.UniqueConstraint(fields=["unit", "lesson"], name="unitlesson_lesson_unique"),
        ]

    def __str__(self):
        return f"{self.unit}: {self.order}. {self.lesson}"
