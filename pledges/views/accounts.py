"""Teacher sign-up (by an emailed link) and password reset, both rate-limited. Log in (limited by
django-axes), log out and password change are Django's own views, mounted at /accounts/
with our templates in templates/registration/.

Sign-up and reset tries are counted per client address and per email typed
(pledges.limits, in the database). The counts never say whether an address has an
account: a reset over its email's limit looks exactly like one that was sent.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from pledges import limits
from pledges.forms.accounts import (
    SignupForm,
    activation_tokens,
    is_waiting_for_password,
)

# django-axes is the first authentication backend and does not log anyone in.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _attempt(request, scope):
    """Count this try against the address (the seconds to wait, or 0) and, if it may go
    ahead, against the email typed (whether that email is over its own limit)."""
    wait = limits.attempt(request, scope)
    if wait:
        return wait, True
    email = request.POST.get("email", "")
    return 0, bool(limits.attempt(request, f"{scope}-email", email=email))


# Views ------------------------------------------------------------------------------------


def signup(request):
    """Step one: a name and an email. Every valid request gets the same answer."""
    if request.user.is_authenticated:
        return redirect("pledges:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        wait, email_over = _attempt(request, "signup")
        if wait:
            return limits.too_many_tries(request, "signup", wait)
        if form.is_valid():
            # Over an email's own limit nothing is sent, and the answer is unchanged:
            # a 429 here would say the address had been tried before.
            if not email_over:
                form.save()
            return redirect("pledges:signup-sent")
    return render(request, "registration/signup.html", {"form": form})


def signup_sent(request):
    return render(request, "registration/signup_sent.html")


@method_decorator(sensitive_post_parameters(), name="dispatch")
class SignupActivateView(auth_views.PasswordResetConfirmView):
    """Step two, from the emailed link: choose a password, which switches the account on
    and logs the teacher in. Django's reset-confirm view does the token handling (the
    token leaves the URL before the page is shown, so it never reaches a Referer)."""

    template_name = "registration/signup_activate.html"
    token_generator = activation_tokens
    post_reset_login = True
    post_reset_login_backend = LOGIN_BACKEND
    success_url = reverse_lazy("pledges:school-setup")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and is_waiting_for_password(user) else None

    def form_valid(self, form):
        form.user.is_active = True  # saved with the new password by form.save()
        return super().form_valid(form)


signup_activate = SignupActivateView.as_view()


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, limited per address (a 429 page) and per email: over the email's
    limit nothing is sent, and the answer is the same "check your email" page as always,
    so the limit tells nobody whether the address has an account."""

    def post(self, request, *args, **kwargs):
        wait, self.email_over_limit = _attempt(request, "password-reset")
        if wait:
            return limits.too_many_tries(request, "password-reset", wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if self.email_over_limit:
            return HttpResponseRedirect(self.get_success_url())
        # The link is built from the configured address, never from the request's Host
        # header, which whoever asks for the reset controls.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
