from django import forms
from django.utils.translation import gettext_lazy as _

from pledges import names
from pledges.models import Progress

NOTE_MAX = 500


class CheckInForm(forms.Form):
    prompt = forms.CharField(
        label=_("Your question for the class (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: “Think about the last two weeks. When did you speak up?”"),
    )

    def clean_prompt(self):
        return names.validate_note(self.cleaned_data["prompt"], max_length=NOTE_MAX)


def _note_field(label):
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PaperReflectionForm(forms.Form):
    """A paper reflection sheet typed in by the teacher: whose it is, then a choice per
    commitment that student signed, and their notes."""

    signature = forms.ModelChoiceField(queryset=None, label=_("Student"))
    note = _note_field(_("What happened (their words)"))
    talk_request = _note_field(_("Something they'd like to talk to a teacher about"))

    def __init__(self, *args, pledge, **kwargs):
        super().__init__(*args, **kwargs)
        # The students on the printed sheet: hidden and waiting signatures are on neither.
        self.fields["signature"].queryset = pledge.signatures.visible().order_by("display_name")
        self.commitments = list(pledge.commitments.order_by("order"))
        for commitment in self.commitments:
            self.fields[f"commitment_{commitment.pk}"] = forms.ChoiceField(
                label=commitment.text,
                choices=[("", _("Not ticked on the sheet")), *Progress.choices],
                required=False,
            )

    def clean_note(self):
        return names.validate_note(self.cleaned_data["note"], max_length=NOTE_MAX)

    def clean_talk_request(self):
        return names.validate_note(
            self.cleaned_data["talk_request"], max_length=NOTE_MAX, words_as_written=True
        )

    def clean(self):
        cleaned = super().clean()
        signature = cleaned.get("signature")
        if signature is None:
            return cleaned
        signed = {commitment.pk for commitment in signature.commitments.all()}
        progress = {}
        for commitment in self.commitments:
            value = cleaned.get(f"commitment_{commitment.pk}")
            if not value:
                continue
            if commitment.pk not in signed:
                self.add_error(
                    f"commitment_{commitment.pk}",
                    _("%(name)s didn't sign this one.") % {"name": signature.display_name},
                )
            progress[commitment] = value
        if not progress and not self.errors:
            raise forms.ValidationError(_("Choose an answer for at least one commitment."))
        cleaned["progress"] = progress
        return cleaned


class ConcernHandleForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For the record: who spoke to the student, when, and what happens next. "
            "Only you, the class teacher and the safeguarding leads read this."
        ),
        error_messages={"required": _("Write what was done before marking it handled.")},
    )
