"""The curriculum: age bands, themes, modules, lessons with their activities and handouts,
and the support services every lesson's safeguarding panel lists.

Long text is Markdown. It is rendered through the sanitiser when a row is saved and the
HTML kept in the row (`html` / `*_html`), so no page parses Markdown per request.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import connection, models
from django.db.models import Prefetch, Q, Sum
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from curriculum import layout, markdown

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Use lowercase letters, digits and single hyphens, e.g. speaking-up-for-a-friend."),
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
        """Full-text search: ranked with weights on PostgreSQL, word matching elsewhere."""
        text = text.strip()
        if not text:
            return self
        if connection.vendor == "postgresql":
            # The weighted document is a stored column with a GIN index (migration
            # 0002): title A, summary B, outcome and teacher notes C.
            column = connection.ops.quote_name("search_document")
            document = RawSQL(  # noqa: S611 (a name only)
                f"{connection.ops.quote_name(Lesson._meta.db_table)}.{column}", [],
                output_field=SearchVectorField(),
            )  # fmt: skip
            query = SearchQuery(text, search_type="websearch", config="english")
            # Match with @@ and rank separately: ts_rank gives non-matches a tiny
            # positive score, so "rank > 0" would let everything through.
            return (
                self.alias(document=document)
                .filter(document=query)
                .annotate(rank=SearchRank(document, query))
                .order_by("-rank", "title")
            )
        # SQLite fallback: every word must appear in the title, summary or outcome;
        # lessons whose title matches come first.
        matches = self
        for word in text.split()[:10]:
            matches = matches.filter(
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(outcome__icontains=word)
            )
        first_word = text.split()[0] if text.split() else ""
        return matches.annotate(
            title_hit=models.Case(
                models.When(title__icontains=first_word, then=0),
                default=1,
                output_field=models.IntegerField(),
            )
        ).order_by("title_hit", "title")


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
        self.html = {
            name: markdown.render(getattr(self, name)) for name, _heading in self.MARKDOWN_SECTIONS
        }
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

    def timeline(self):
        """Activities with the minute each starts at, for the lesson's running clock."""
        start = 0
        rows = []
        for activity in self.activities.all():
            rows.append((start, activity))
            start += activity.minutes
        return rows


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
