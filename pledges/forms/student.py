"""Forms students fill in: the class code, their signature, taking it back and, weeks
later, their reflection on how it went.

Every label, hint and error here is read by children, often on a phone: short sentences,
an example, and what to do next.
"""

from functools import partial

from django import forms
from django.core import validators
from django.utils.translation import gettext_lazy as _

from pledges import codes, names
from pledges.models import CONCERN_MAX_LENGTH, Progress

MALFORMED_JOIN_CODE = _("Class codes are 9 letters and numbers, like K7M-Q4P-XRT.")
UNKNOWN_JOIN_CODE = _("We couldn't find a pledge with that code. Check it with your teacher.")
MALFORMED_RETURN_CODE = _("Return codes are 8 letters and numbers, like ABCD-EFGH.")
UNKNOWN_RETURN_CODE = _(
    "That return code doesn't match a signature on this pledge. Check what you wrote down."
)
# Longer than any code with separators and spaces, so a real code always gets through.
_CODE_INPUT_MAX = 40


def _code_widget(*, size_class):
    return forms.TextInput(
        attrs={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "autocorrect": "off",
            "spellcheck": "false",
            "inputmode": "text",
            "maxlength": _CODE_INPUT_MAX,
            "class": size_class,
        }
    )


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Your class code"),
        help_text=_("It's on the board, like K7M-Q4P-XRT"),
        error_messages={"required": _("Type the class code from the board.")},
        widget=_code_widget(size_class="code-input"),
    )

    def clean_code(self):
        code = codes.normalise_join_code(self.cleaned_data["code"][:_CODE_INPUT_MAX])
        if not code:
            raise forms.ValidationError(MALFORMED_JOIN_CODE, code="malformed")
        return code


class CommitmentChoiceField(forms.TypedMultipleChoiceField):
    """Ticks among the pledge's own commitments: cleans to their ids. Anything else,
    including ids from another pledge or absurd numbers, is "not on this list".

    Checked against the pledge's commitments as the page drew them
    (Pledge.commitment_list)."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, **kwargs)
        self.pledge = None
        self._allowed = None  # the pledge's commitment ids, read at the first check

    def set_pledge(self, pledge):
        self.pledge = pledge
        self.choices = partial(_commitment_choices, pledge)  # lazy: drawn only
        self._allowed = None

    def valid_value(self, value):
        if self._allowed is None:
            self._allowed = {commitment.pk for commitment in self.pledge.commitment_list()}
        text = str(value)  # the ids the form draws: ASCII digits ("¹" is a digit, too)
        return text.isascii() and text.isdigit() and int(text) in self._allowed


def _commitment_choices(pledge):
    return [(commitment.pk, commitment.text) for commitment in pledge.commitment_list()]


class SignForm(forms.Form):
    """A signature: the name to show and at least one of *this* pledge's commitments."""

    commitments = CommitmentChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label=_("Tick what you will do"),
        error_messages={
            "required": _("Tick at least one thing you will do."),
            "invalid_choice": _("Tick only things from this pledge's list."),
            "invalid_list": _("Tick only things from this pledge's list."),
        },
    )
    display_name = forms.CharField(
        label=_("Your name"),
        help_text=_("Your first name and the first letter of your last name, like Sam K."),
        # The field keeps what was typed; names.validate() tidies and checks it. No
        # max_length here: its message is for adults, names.validate() says it for kids.
        strip=False,
        error_messages={
            "required": _("Please type your name, for example your first name and initial.")
        },
        widget=forms.TextInput(
            attrs={
                # Shared school devices must not offer the last student's name.
                "autocomplete": "off",
                "autocapitalize": "words",
                "autocorrect": "off",
                "spellcheck": "false",
                "maxlength": names.MAX_LENGTH,
                "class": "name-input",
            }
        ),
    )

    def __init__(self, *args, pledge, **kwargs):
        super().__init__(*args, **kwargs)
        self.pledge = pledge
        self.fields["commitments"].set_pledge(pledge)
        if not pledge.show_names:
            # A second "Sam K." isn't told the name is taken (pledges.decoys): say it first.
            self.fields["display_name"].help_text = _(
                "Your first name and the first letter of your last name, like Sam K. "
                "Someone in your class has the same name? Add more letters, like Sam Ko."
            )
        self.name_key = None
        add_exit_question(self, pledge)

    def clean_display_name(self):
        display_name, self.name_key = names.validate(self.cleaned_data["display_name"])
        return display_name

    def commitment_options(self):
        """The checkboxes as the sign page draws them: (value, label, ticked). Drawn by a
        plain template, not the widget machinery: this page is what a whole school loads
        at once after an assembly."""
        field = self.fields["commitments"]
        ticked = set(self.data.getlist("commitments")) if self.is_bound else set()
        return [(pk, text, str(pk) in ticked) for pk, text in field.choices]


class WithdrawForm(forms.Form):
    """Taking a signature off: by this device's cookie, or by the typed return code.

    Never by name: a classmate who knows your name must not be able to remove you."""

    return_code = forms.CharField(
        label=_("Your return code"),
        help_text=_("The code you wrote down after signing, like ABCD-EFGH."),
        required=False,
        widget=_code_widget(size_class="code-input"),
    )

    def clean_return_code(self):
        typed = self.cleaned_data["return_code"]
        if not typed.strip():
            return ""
        code = codes.normalise_return_code(typed[:_CODE_INPUT_MAX])
        if not code:
            raise forms.ValidationError(MALFORMED_RETURN_CODE, code="malformed")
        return code


# Follow-through: coming back weeks later ----------------------------------------------------

NOTE_MAX_LENGTH = 500
NULL_CHARACTERS = _("Something odd got into what you typed. Please type it again.")
FOREIGN_COMMITMENT = _("Answer only for the things you signed up to. Please try again.")
TALK_TOO_LONG = _(
    "Your teacher already has a long message from you, so this won't fit. Please talk to "
    "them or another adult you trust in person. If you are in danger now, tell an adult "
    "near you straight away."
)
PROGRESS_PREFIX = "progress-"


class NoteField(forms.CharField):
    """An optional short text a child writes: tidied and checked like names (no rude
    words), with the length said in words a child understands."""

    def __init__(self, *, rows=3, **kwargs):
        super().__init__(
            required=False,
            # No max_length: its message is for adults; names.validate_note() says it.
            strip=False,
            widget=forms.Textarea(attrs={"rows": rows, "maxlength": NOTE_MAX_LENGTH}),
            **kwargs,
        )
        self.validators = [
            validators.ProhibitNullCharactersValidator(message=NULL_CHARACTERS)
            if isinstance(v, validators.ProhibitNullCharactersValidator)
            else v
            for v in self.validators
        ]

    words_as_written = False

    def clean(self, value):
        return names.validate_note(
            super().clean(value),
            max_length=NOTE_MAX_LENGTH,
            words_as_written=self.words_as_written,
        )


class TalkField(NoteField):
    """The message for a teacher: every word kept, rude ones too (names.validate_note)."""

    words_as_written = True


def add_exit_question(form, pledge):
    """Ask the lesson's exit question, when the teacher turned it on: optional."""
    question = pledge.exit_question()
    if question:
        form.fields["exit_answer"] = NoteField(
            label=question,
            help_text=_("Optional. Only your teacher reads your answer."),
        )


class ReturnCodeForm(forms.Form):
    """Coming back on another device: the return code, never a name."""

    return_code = forms.CharField(
        label=_("Your return code"),
        help_text=_("The code you wrote down after signing, like ABCD-EFGH."),
        error_messages={"required": _("Type the return code you wrote down after signing.")},
        widget=_code_widget(size_class="code-input"),
    )

    def clean_return_code(self):
        code = codes.normalise_return_code(self.cleaned_data["return_code"][:_CODE_INPUT_MAX])
        if not code:
            raise forms.ValidationError(MALFORMED_RETURN_CODE, code="malformed")
        return code


class ReflectionForm(forms.Form):
    """How it went: for each commitment the student signed, done / tried / not yet; an
    optional note; an optional message for the teacher; the exit question if asked.

    Answers are posted as "progress-<commitment id>". Any other "progress-" answer (a
    commitment this student didn't sign, or another pledge's) makes the whole form
    invalid, so a tampered post never saves half of itself."""

    note = NoteField(
        label=_("What happened?"),
        help_text=_("Optional. For example, what you did or what made it hard."),
    )
    talk_request = TalkField(
        label=_("Something I'd like to talk to a teacher about"),
        help_text=_(
            "Optional. Your teacher reads this, and so does the person at school whose job is "
            "keeping children safe. They will talk to you soon, not straight away."
        ),
    )

    def __init__(self, *args, signature, earlier_talk="", **kwargs):
        super().__init__(*args, **kwargs)
        self.earlier_talk = earlier_talk
        self.commitments = list(signature.commitments.order_by("order"))
        progress_fields = {
            self.progress_field_name(commitment): forms.ChoiceField(
                label=commitment.text,
                choices=Progress.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose one: I did this, I tried or Not yet."),
                    "invalid_choice": _("Choose one: I did this, I tried or Not yet."),
                },
            )
            for commitment in self.commitments
        }
        # The commitments first, in the pledge's order, then the writing boxes.
        self.fields = {**progress_fields, **self.fields}
        add_exit_question(self, signature.pledge)

    def clean_talk_request(self):
        words = self.cleaned_data["talk_request"]
        adds = bool(words) and words != self.earlier_talk
        if adds and len(self.earlier_talk) + len(words) + 2 > CONCERN_MAX_LENGTH:
            raise forms.ValidationError(TALK_TOO_LONG, code="too-long")
        return words

    @staticmethod
    def progress_field_name(commitment):
        return f"{PROGRESS_PREFIX}{commitment.pk}"

    def progress_fields(self):
        return [self[self.progress_field_name(commitment)] for commitment in self.commitments]

    def clean(self):
        cleaned = super().clean()
        if self.is_bound:
            expected = {self.progress_field_name(c) for c in self.commitments}
            posted = {key for key in self.data if key.startswith(PROGRESS_PREFIX)}
            if posted - expected:
                raise forms.ValidationError(FOREIGN_COMMITMENT, code="foreign-commitment")
        return cleaned

    def progress(self):
        """(commitment, progress) for every commitment, once the form is valid."""
        return [
            (commitment, self.cleaned_data[self.progress_field_name(commitment)])
            for commitment in self.commitments
        ]
