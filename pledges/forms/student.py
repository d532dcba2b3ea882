"""Forms students fill in: the class code, their signature and taking it back.

Every label, hint and error here is read by children, often on a phone: short sentences,
an example, and what to do next.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from pledges import codes, names

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


class SignForm(forms.Form):
    """A signature: the name to show and at least one of *this* pledge's commitments."""

    commitments = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label=_("Tick what you will do"),
        error_messages={
            "required": _("Tick at least one thing you will do."),
            "invalid_choice": _("Tick only things from this pledge's list."),
            "invalid_pk_value": _("Tick only things from this pledge's list."),
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
        self.fields["commitments"].queryset = pledge.commitments.order_by("order")
        self.name_key = None

    def clean_display_name(self):
        display_name, self.name_key = names.validate(self.cleaned_data["display_name"])
        return display_name


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
