from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges import names
from pledges.models import Classroom, Pledge

MAX_COMMITMENTS = 8
COMMITMENT_MAX_LENGTH = 200


class ClassroomForm(forms.ModelForm):
    class Meta:
        model = Classroom
        fields = ["name", "year_group"]
        labels = {"name": _("Class name"), "year_group": _("Year group or grade (optional)")}

    def clean_name(self):
        name = names.clean(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give the class a name, such as 8B."))
        return name


class CommitmentsField(forms.CharField):
    """Commitments edited one per line: the teacher sees exactly what students will."""

    widget = forms.Textarea(attrs={"rows": 6})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [names.clean(line) for line in text.splitlines() if names.clean(line)]

    def validate(self, value):
        if not value:
            raise forms.ValidationError(_("Add at least one commitment, one per line."))
        if len(value) > MAX_COMMITMENTS:
            raise forms.ValidationError(
                ngettext(
                    "Keep it to %(max)d commitment; you have %(count)d.",
                    "Keep it to %(max)d commitments; you have %(count)d.",
                    MAX_COMMITMENTS,
                )
                % {"max": MAX_COMMITMENTS, "count": len(value)}
            )
        for line in value:
            if len(line) > COMMITMENT_MAX_LENGTH:
                raise forms.ValidationError(
                    _("Each commitment can be at most %(max)d characters: “%(start)s…” is longer.")
                    % {"max": COMMITMENT_MAX_LENGTH, "start": line[:40]}
                )
        if len({line.casefold() for line in value}) != len(value):
            raise forms.ValidationError(_("Two commitments are the same; remove one."))


class PledgeForm(forms.ModelForm):
    commitments = CommitmentsField(
        label=_("Commitments"),
        help_text=_(
            "One per line, each a concrete action starting “I will …”, such as “I will tell "
            "a teacher when I see someone being picked on.”"
        ),
    )

    class Meta:
        model = Pledge
        fields = [
            "classroom",
            "title",
            "intro",
            "goal",
            "closes_at",
            "show_names",
            "approve_first",
            "ask_exit_question",
            "checkin_weeks",
        ]
        labels = {
            "intro": _("Introduction students read first (optional)"),
            "goal": _("Goal: how many signatures (optional)"),
            "closes_at": _("Close automatically at (optional)"),
        }
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 3}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def __init__(self, *args, teacher, **kwargs):
        super().__init__(*args, **kwargs)
        from pledges import access

        self.fields["classroom"].queryset = access.classrooms_of(teacher).order_by("name")
        self.fields["classroom"].empty_label = None
        self.fields["classroom"].label = _("Class")
        self.fields["title"].max_length = 150
        self.fields["checkin_weeks"].required = False
        if self.instance.pk and not self.initial.get("commitments"):
            self.initial["commitments"] = [c.text for c in self.instance.commitments.all()]

    def clean_title(self):
        title = names.clean(self.cleaned_data["title"])
        if not title:
            raise forms.ValidationError(_("Give the pledge a title."))
        return title

    def clean_checkin_weeks(self):
        text = (self.cleaned_data["checkin_weeks"] or "").replace(" ", "")
        if not text:
            return Pledge._meta.get_field("checkin_weeks").default
        parts = [part for part in text.split(",") if part]
        if not parts or not all(part.isdecimal() and 1 <= int(part) <= 52 for part in parts):
            raise forms.ValidationError(
                _("Give whole weeks from 1 to 52, separated by commas, such as “2,6”.")
            )
        return ",".join(str(week) for week in sorted({int(part) for part in parts}))

    def clean_intro(self):
        return names.clean_text(self.cleaned_data["intro"])


class PledgeCheckingForm(forms.ModelForm):
    """Who sees names and whether new ones wait: changeable at any time, open or not, so a
    teacher can contain a leaked code mid-lesson. Turning approval on holds only the
    signatures that come next; those already counted stay counted."""

    class Meta:
        model = Pledge
        fields = ["show_names", "approve_first"]


class IdsField(forms.Field):
    """Whole numbers sent as repeated fields (checkboxes, hidden inputs): signature ids."""

    widget = forms.MultipleHiddenInput
    MAX = 1000  # more than any page lists

    def to_python(self, value):
        values = value or []
        # ASCII digits, and no more of them than a database id can have (SQLite refuses
        # bigger numbers with an OverflowError, not an empty result).
        if len(values) > self.MAX or not all(
            str(v).isascii() and str(v).isdecimal() and len(str(v)) <= 18 for v in values
        ):
            raise forms.ValidationError(_("That list of names wasn't one this page sent."))
        return {int(v) for v in values}


class SignatureBulkForm(forms.Form):
    """Moderating many signatures in one submit: the ids the page listed and those ticked.
    The model methods only touch the teacher's own pledge's signatures among them."""

    action = forms.ChoiceField(
        choices=[("approve-waiting", _("Approve all waiting")), ("hide-ticked", _("Hide ticked"))],
        error_messages={"invalid_choice": _("Choose “Approve all waiting” or “Hide ticked”.")},
    )
    listed = IdsField(required=False)
    ticked = IdsField(required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "hide-ticked" and not cleaned.get("ticked"):
            raise forms.ValidationError(_("Tick the names to hide first."))
        return cleaned


class PaperSignaturesForm(forms.Form):
    """Names typed in from a paper sign-up sheet: one per line, each ticking every
    commitment unless the line ends with the numbers of those ticked ("Sam K: 1, 3")."""

    lines = forms.CharField(
        label=_("Names from the paper sheet"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "One student per line. To record only some commitments, add their numbers "
            "after a colon: “Sam K: 1, 3”. Without numbers, all commitments are ticked."
        ),
    )

    def __init__(self, *args, commitments, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitments = list(commitments)

    def clean_lines(self):
        """Every problem of every line at once, so the teacher fixes the sheet in one go."""
        entries, problems = [], []
        seen = set()
        for number, line in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not line.strip():
                continue
            raw_name, _sep, numbers = line.partition(":")
            line_problems = []
            try:
                display_name, name_key = names.validate(raw_name)
            except forms.ValidationError as error:
                display_name = name_key = None
                line_problems.append(error.messages[0])
            chosen = self.commitments
            if numbers.strip():
                try:
                    picks = {int(part) for part in numbers.replace(" ", "").split(",") if part}
                except ValueError:
                    picks = {0}
                if picks and all(1 <= pick <= len(self.commitments) for pick in picks):
                    chosen = [self.commitments[pick - 1] for pick in sorted(picks)]
                else:
                    line_problems.append(
                        _("Commitment numbers go from 1 to %(max)d.")
                        % {"max": len(self.commitments)}
                    )
            if name_key is not None and name_key in seen:
                line_problems.append(_("This name is already in the list."))
            seen.add(name_key)
            if line_problems:
                problems.append(
                    _("Line %(n)d: %(error)s")
                    % {"n": number, "error": " ".join(map(str, line_problems))}
                )
            else:
                entries.append((display_name, name_key, chosen))
        if problems:
            raise forms.ValidationError(problems)
        if not entries:
            raise forms.ValidationError(_("Type at least one name."))
        return entries
