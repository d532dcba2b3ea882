from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from curriculum.loader import parse_quiz, quiz_as_yaml
from curriculum.models import (
    Activity,
    AgeBand,
    ContentArea,
    Handout,
    Lesson,
    Module,
    Status,
    SupportService,
    Theme,
    Unit,
    UnitLesson,
    web_url_validator,
)


class LinesField(forms.CharField):
    """A list of text items edited as one item per line, so staff never type JSON."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class RecordsField(forms.CharField):
    """A list of records edited as one record per line, parts separated by " | "."""

    def __init__(self, *, keys, optional=(), **kwargs):
        self.keys = tuple(keys)
        self.optional = tuple(optional)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        kwargs.setdefault(
            "help_text",
            _("One per line: %(parts)s") % {"parts": " | ".join((*self.keys, *self.optional))},
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            names = (*self.keys, *self.optional)
            return "\n".join(
                " | ".join(str(item.get(name, "")) for name in names).rstrip(" |")
                for item in value
            )
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        names = (*self.keys, *self.optional)
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if (
                len(parts) < len(self.keys)
                or len(parts) > len(names)
                or not all(parts[: len(self.keys)])
            ):
                raise ValidationError(
                    _("Line %(number)d needs %(parts)s, separated by |."),
                    params={"number": number, "parts": " | ".join(names)},
                )
            records.append({name: part for name, part in zip(names, parts, strict=False) if part})
        return records


class QuizField(forms.CharField):
    """A quiz edited as the YAML of a lesson file, checked by the files' own rules."""

    widget = forms.Textarea(attrs={"rows": 14, "class": "vLargeTextField"})

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _(
                "About six questions, as in a lesson file: “- question: …” then “answers:”, "
                "3 or 4 of them, each “- text: …”; mark the right one “correct: true” and give "
                "every other a “misconception: …”. Put text in double quotes."
            ),
        )
        super().__init__(required=False, strip=False, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return quiz_as_yaml(value)
        return value


def clean_quiz(text, name):
    quiz, problems = parse_quiz(text or "", name)
    if problems:
        raise ValidationError(
            [
                _("Line %(line)s, %(field)s: %(message)s")
                % {"line": p.line, "field": p.field, "message": p.message}
                if p.line
                else f"{p.field}: {p.message}"
                for p in problems
            ]
        )
    return quiz


class LessonAdminForm(forms.ModelForm):
    objectives = LinesField(required=False, help_text=_("One per line, each “Students can …”."))
    key_learning_points = LinesField(required=False, help_text=_("One per line."))
    materials = LinesField(required=False, help_text=_("One per line."))
    exit_questions = LinesField(required=False, help_text=_("One per line."))
    discussion_questions = LinesField(required=False, help_text=_("One per line."))
    key_vocabulary = RecordsField(keys=("term", "definition"), required=False)
    misconceptions = RecordsField(keys=("misconception", "response"), required=False)
    content_guidance = RecordsField(
        keys=("area", "guidance"),
        required=False,
        help_text=_("One per line: area | guidance. Areas: %(areas)s.")
        % {"areas": ", ".join(ContentArea.values)},
    )
    sources = RecordsField(
        keys=("author", "title", "year"), optional=("publisher", "url"), required=False
    )
    starter_quiz = QuizField()
    exit_quiz = QuizField()

    class Meta:
        model = Lesson
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what shows
        widgets = {
            "supervision_note": forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"})
        }

    def clean_content_guidance(self):
        entries = self.cleaned_data["content_guidance"]
        for entry in entries:
            if entry["area"] not in ContentArea.values:
                raise ValidationError(
                    _("“%(area)s” is not an area; use one of %(areas)s."),
                    params={"area": entry["area"], "areas": ", ".join(ContentArea.values)},
                )
        return entries

    def clean_sources(self):
        entries = self.cleaned_data["sources"]
        for number, entry in enumerate(entries, start=1):
            if entry.get("url"):
                try:
                    web_url_validator(entry["url"])
                except ValidationError:
                    raise ValidationError(
                        _(
                            "Line %(number)d: “%(url)s” is not a web address; start it with https://."
                        ),
                        params={"number": number, "url": entry["url"]},
                    ) from None
        return entries

    def clean_starter_quiz(self):
        return clean_quiz(self.cleaned_data["starter_quiz"], "starter_quiz")

    def clean_exit_quiz(self):
        return clean_quiz(self.cleaned_data["exit_quiz"], "exit_quiz")


class ActivityInline(admin.StackedInline):
    model = Activity
    extra = 0
    fields = (("order", "title"), ("minutes", "minutes_max", "grouping"), "instructions")
    ordering = ("order",)


class HandoutInline(admin.StackedInline):
    model = Handout
    extra = 0
    fields = (("order", "title", "slug"), "body")
    prepopulated_fields = {"slug": ("title",)}
    ordering = ("order",)


class PublishableAdmin(admin.ModelAdmin):
    actions = ("publish", "unpublish")

    @admin.action(description=_("Publish selected"))
    def publish(self, request, queryset):
        count = queryset.update(status=Status.PUBLISHED)
        self.message_user(
            request, ngettext("%d published.", "%d published.", count) % count, messages.SUCCESS
        )

    @admin.action(description=_("Unpublish selected (back to draft)"))
    def unpublish(self, request, queryset):
        count = queryset.update(status=Status.DRAFT)
        self.message_user(
            request,
            ngettext("%d unpublished.", "%d unpublished.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Lesson)
class LessonAdmin(PublishableAdmin):
    form = LessonAdminForm
    list_display = ("title", "module", "bands", "duration_minutes", "status", "updated")
    list_filter = ("status", "module", "age_bands", "themes", "supervision")
    search_fields = ("title", "summary", "outcome", "slug")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("age_bands", "themes")
    inlines = (ActivityInline, HandoutInline)
    list_select_related = ("module",)
    readonly_fields = ("created", "updated")
    fieldsets = (
        (None, {"fields": ("title", "slug", "module", "status", "age_bands", "themes")}),
        (
            _("Overview"),
            {
                "fields": (
                    "duration_minutes",
                    "summary",
                    "outcome",
                    "objectives",
                    "key_learning_points",
                    "key_vocabulary",
                    "materials",
                )
            },
        ),
        (
            _("Before teaching"),
            {"fields": ("content_guidance", "supervision", "supervision_note", "safeguarding")},
        ),
        (
            _("In the lesson"),
            {
                "fields": (
                    "starter_question",
                    "discussion_questions",
                    "misconceptions",
                    "exit_questions",
                )
            },
        ),
        (_("Quizzes"), {"fields": ("starter_quiz", "exit_quiz")}),
        (
            _("Adapting and extending"),
            {
                "fields": (
                    "adaptations_send",
                    "adaptations_eal",
                    "adaptations_mixed_age",
                    "extension",
                    "teacher_notes",
                )
            },
        ),
        (_("Sources"), {"fields": ("sources",)}),
        (_("History"), {"fields": ("created", "updated"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("age_bands")

    @admin.display(description=_("Age bands"))
    def bands(self, lesson):
        return ", ".join(band.label for band in lesson.age_bands.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        lesson = form.instance
        # Markdown in the lesson is re-rendered after the inlines are saved.
        lesson.save()
        warning = lesson.minutes_mismatch_message()
        if warning:
            self.message_user(request, warning, messages.WARNING)


@admin.register(Module)
class ModuleAdmin(PublishableAdmin):
    list_display = ("title", "order", "status", "updated")
    list_editable = ("order",)
    list_filter = ("status",)
    search_fields = ("title", "summary")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(AgeBand)
class AgeBandAdmin(admin.ModelAdmin):
    list_display = ("label", "min_age", "max_age", "uk_stage", "us_grades")
    prepopulated_fields = {"slug": ("label",)}


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(SupportService)
class SupportServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "contact", "order")
    list_filter = ("country",)
    search_fields = ("name", "helps_with")
    list_editable = ("order",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Handout)
class HandoutAdmin(admin.ModelAdmin):
    list_display = ("title", "lesson")
    search_fields = ("title", "lesson__title")
    list_select_related = ("lesson",)
    autocomplete_fields = ("lesson",)


class UnitLessonInline(admin.TabularInline):
    model = UnitLesson
    extra = 0
    fields = ("order", "lesson", "builds_on")
    ordering = ("order",)
    autocomplete_fields = ("lesson",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("title", "age_band")
    list_select_related = ("age_band",)
    inlines = (UnitLessonInline,)
