"""Teacher accounts and schools: sign up, log in by email, create or join a school.

A teacher's username is their email address in lower case, so an address typed as
"Tess@School.org" and "tess@school.org" is one account.
"""

import logging
from smtplib import SMTPException

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from pledges import codes, names
from pledges.models import Country, School

logger = logging.getLogger(__name__)

USERNAME_MAX_LENGTH = 150  # django.contrib.auth's User.username


def normalise_email(email):
    return (email or "").strip().lower()


class SignupForm(forms.Form):
    """Step one of a teacher account: a name and an email, nothing more.

    The answer is always the same "check your email" page, whether or not the address
    already has an account, so the form tells nobody who is registered (issue 16). The
    email says the rest: a new address gets a link to choose a password (which creates
    the account), a registered one a reminder to log in or reset the password. Choosing
    the password only from the emailed link also means nobody can set up an account in
    someone else's name with a password they know.
    """

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        error_messages={"required": _("Tell us your first name.")},
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        error_messages={"required": _("Tell us your last name.")},
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=USERNAME_MAX_LENGTH,
        error_messages={
            "required": _("Type your email address."),
            "invalid": _("Type a whole email address, such as name@school.org."),
        },
        help_text=_(
            "Your school email. We send a link to it to choose your password; you log in with it."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_first_name(self):
        return self._clean_name("first_name", _("Tell us your first name."))

    def clean_last_name(self):
        return self._clean_name("last_name", _("Tell us your last name."))

    def _clean_name(self, field, message):
        value = names.clean(self.cleaned_data[field])
        if not value:
            raise forms.ValidationError(message)
        return value

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])

    def save(self):
        """Email the address its next step; create the waiting account if it is new."""
        data = self.cleaned_data
        users = get_user_model().objects
        user = users.filter(username__iexact=data["email"]).first() or (
            users.filter(email__iexact=data["email"]).first()
        )
        if user is None:
            try:
                with transaction.atomic():
                    user = users.create_user(
                        username=data["email"],
                        email=data["email"],
                        password=None,  # unusable until chosen from the emailed link
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        is_active=False,
                    )
            except IntegrityError:  # the same address signed up a moment ago
                return
        if is_waiting_for_password(user):
            template = "registration/signup_activate"
            link = settings.SITE_URL + reverse(
                "pledges:signup-activate",
                args=[
                    urlsafe_base64_encode(force_bytes(user.pk)),
                    activation_tokens.make_token(user),
                ],
            )
        else:
            template = "registration/signup_exists"
            link = settings.SITE_URL + reverse("login")
        context = {
            "user": user,
            "link": link,
            "reset_link": settings.SITE_URL + reverse("password_reset"),
        }
        try:
            send_mail(
                render_to_string(f"{template}_subject.txt", context).strip(),
                render_to_string(f"{template}_email.txt", context),
                None,
                [user.email or data["email"]],
            )
        except (OSError, SMTPException):
            # The answer stays "check your email" (it must not differ); nothing arrives,
            # and signing up again sends a fresh link once mail works. No address logged.
            logger.exception("Could not send a sign-up email.")


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Links that finish a sign-up. Their own salt: a password-reset link cannot finish
    a sign-up, nor the other way round. A link works once (choosing the password
    changes the hash it was made from) and for PASSWORD_RESET_TIMEOUT."""

    key_salt = "pledges.forms.accounts.ActivationTokenGenerator"


activation_tokens = ActivationTokenGenerator()


def is_waiting_for_password(user):
    """Signed up, never chose a password, never logged in. A teacher whose account was
    switched off has a password or a last login, so a new sign-up can't switch it on."""
    return not user.is_active and not user.has_usable_password() and user.last_login is None


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, asking for the email and reading it in any case.

    The lower-cased address is what reaches authenticate(), so django-axes counts
    "Tess@…" and "tess@…" as one account.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That email and password don't match an account. Check them and try again, "
            "or reset your password."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.label = _("Email")
        field.widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        )

    def clean_username(self):
        # Django's form sets max_length without a validator; an over-long "email" would
        # reach authenticate() and django-axes, whose 255-character column refuses it
        # (a 500 on PostgreSQL). No account has such a name: the usual message.
        username = normalise_email(self.cleaned_data.get("username"))
        if len(username) > USERNAME_MAX_LENGTH:
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )
        return username


class CreateSchoolForm(forms.Form):
    name = forms.CharField(
        label=_("School name"),
        max_length=School._meta.get_field("name").max_length,
        error_messages={"required": _("Type your school's name.")},
        help_text=_("As colleagues and families know it, for example “Riverside Primary School”."),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=Country.choices,
        initial=Country.GB,
        required=False,
        help_text=_("Students and teachers are shown this country's helplines."),
        error_messages={"invalid_choice": _("Choose the country your school is in.")},
    )

    def clean_country(self):
        return self.cleaned_data["country"] or Country.GB

    def clean_name(self):
        name = names.clean(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Type your school's name."))
        return name


class JoinSchoolForm(forms.Form):
    invite_code = forms.CharField(
        label=_("Invite code"),
        max_length=40,
        error_messages={"required": _("Type the invite code your school lead gave you.")},
        help_text=_("Your school lead can see it on the school page, for example ABCD-EFGH-JK."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    UNKNOWN_CODE = _("We don't know that invite code. Ask your school lead for the current one.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = None
        self.is_wrong_code = False

    def clean_invite_code(self):
        code = codes.normalise(self.cleaned_data["invite_code"])
        school = School.objects.filter(invite_code=code).first() if code else None
        if school is None:
            self.is_wrong_code = True
            raise forms.ValidationError(self.UNKNOWN_CODE, code="unknown")
        self.school = school
        return code


class DeleteSchoolForm(forms.Form):
    """The lead types the school's name to confirm: deleting a school can't be undone."""

    name = forms.CharField(
        label=_("Type the school's name to confirm"),
        max_length=School._meta.get_field("name").max_length + 50,
        error_messages={"required": _("Type the school's name to confirm.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["name"].help_text = _("Exactly as it appears above, in any case.")

    def clean_name(self):
        typed = names.key(names.clean(self.cleaned_data["name"]))
        if typed != names.key(names.clean(self.school.name)):
            raise forms.ValidationError(
                _("That isn't the school's name, so nothing was deleted. Type it as shown.")
            )
        return self.cleaned_data["name"]


class SchoolCountryForm(forms.Form):
    country = forms.ChoiceField(
        label=_("Country"),
        choices=Country.choices,
        help_text=_("Students and teachers are shown this country's helplines."),
        error_messages={
            "required": _("Choose the country your school is in."),
            "invalid_choice": _("Choose the country your school is in."),
        },
    )
