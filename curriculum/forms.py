from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from curriculum.models import DURATION_BUCKETS, AgeBand, Module, Theme

SEARCH_MAX_LENGTH = 200


class LessonFilterForm(forms.Form):
    """The lesson list's filters. Read from the query string; bad values are reported
    on the page and ignored, so a stale or hand-edited link still shows lessons."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"type": "search", "class": "form-control", "placeholder": _("e.g. bystander")}
        ),
        error_messages={
            "max_length": _(
                "Search for at most %(limit_value)d characters (you typed %(show_value)d)."
            )
        },
    )
    age = forms.ModelChoiceField(
        label=_("Age band"),
        queryset=AgeBand.objects.order_by("min_age"),
        to_field_name="slug",
        required=False,
        empty_label=_("Any age"),
        error_messages={"invalid_choice": _("That age band doesn't exist; showing all ages.")},
    )
    module = forms.ModelChoiceField(
        label=_("Module"),
        queryset=Module.objects.published().order_by("order"),
        to_field_name="slug",
        required=False,
        empty_label=_("Any module"),
        error_messages={"invalid_choice": _("That module doesn't exist; showing all modules.")},
    )
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Any theme"),
        error_messages={"invalid_choice": _("No lesson has that theme yet; showing all themes.")},
    )
    duration = forms.ChoiceField(
        label=_("Length"),
        choices=[("", _("Any length")), *DURATION_BUCKETS],
        required=False,
        error_messages={"invalid_choice": _("That length isn't one of the options.")},
    )

    def __init__(self, *args, lessons=None, **kwargs):
        """`lessons`: the lessons the visitor may see; only their themes are offered,
        so no theme leads to an empty list."""
        super().__init__(*args, **kwargs)
        if lessons is not None:
            self.fields["theme"].queryset = Theme.objects.filter(
                Exists(lessons.filter(themes=OuterRef("pk")))
            ).order_by("name")
        for name in ("age", "module", "theme", "duration"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["age"].label_from_instance = AgeBand.full_label

    def clean_q(self):
        # NUL and other control characters can't be searched for and upset PostgreSQL.
        text = self.cleaned_data["q"]
        return "".join(ch for ch in text if ch.isprintable() or ch == " ").strip()

    def filters(self):
        """The valid filters only: an invalid one is dropped, not fatal."""
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value
        }


class FamilyNoteForm(forms.Form):
    """Which class a family note is printed for, and the day the module was taught. Read
    from the query string, so the printed note has a link a teacher can keep."""

    classroom = forms.ModelChoiceField(
        label=_("Class"),
        queryset=None,
        required=False,
        empty_label=_("No class: a note for any family"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    taught = forms.DateField(
        label=_("Taught on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={
            "invalid": _("Enter the date as day, month and year, such as 2025-03-14.")
        },
    )

    def __init__(self, *args, classrooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms
