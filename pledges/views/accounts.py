"""Teacher sign-up (by an emailed link) and password reset, both rate-limited. Log in (limited by
django-axes), log out and password change are Django's own views, mounted at /accounts/
with our templates in templates/registration/.

Sign-up and reset attempts are counted per client address and per email typed, in the
shared cache (several app processes see one count). The counts never say whether an
address has an account: a reset over its limit looks exactly like one that was sent.
"""

import hashlib
import hmac
import math
import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
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
    normalise_email,
)

# django-axes is the first authentication backend and does not log anyone in.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


# Attempt counters -------------------------------------------------------------------------


def _digest(value):
    """Keys hold an HMAC, never the address or email itself."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def _window():
    seconds = settings.ACCOUNT_LIMIT_WINDOW_SECONDS
    now = time.time()
    start = int(now) // seconds * seconds
    return start, max(1, math.ceil(start + seconds - now))


def _key(scope, kind, value, start):
    return f"accounts:{scope}:{kind}:{_digest(value)}:{start}"


def _count(key):
    try:
        return int(cache.get(key, 0))
    except (TypeError, ValueError):
        return 0


def _record(key):
    """One more attempt. A cache that lost the key (or is down) starts again at one."""
    if cache.add(key, 1, settings.ACCOUNT_LIMIT_WINDOW_SECONDS + 60):
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.add(key, 1, settings.ACCOUNT_LIMIT_WINDOW_SECONDS + 60)


def attempt(request, *, scope, email, per_address, per_email):
    """Count this attempt; return (seconds to wait or 0 for the address, whether the
    email is over its own limit). Attempts over a limit are not counted again."""
    start, wait = _window()
    address_key = _key(scope, "addr", limits.client_address(request), start)
    email_key = _key(scope, "email", normalise_email(email) if isinstance(email, str) else "",
                     start)  # fmt: skip
    if _count(address_key) >= per_address:
        return wait, True
    _record(address_key)
    if email and _count(email_key) >= per_email:
        return 0, True
    if email:
        _record(email_key)
    return 0, False


def _too_many(request, wait_seconds):
    minutes = max(1, math.ceil(wait_seconds / 60))
    response = render(
        request, "registration/too_many_attempts.html", {"minutes": minutes}, status=429
    )
    response["Retry-After"] = str(wait_seconds)
    return response


# Views ------------------------------------------------------------------------------------


def signup(request):
    """Step one: a name and an email. Every valid request gets the same answer."""
    if request.user.is_authenticated:
        return redirect("pledges:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        wait, email_over = attempt(
            request,
            scope="signup",
            email=request.POST.get("email", ""),
            per_address=settings.SIGNUPS_PER_ADDRESS,
            per_email=settings.SIGNUPS_PER_EMAIL,
        )
        if wait:
            return _too_many(request, wait)
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
        email = request.POST.get("email", "")
        wait, self.email_over_limit = attempt(
            request,
            scope="password-reset",
            email=email,
            per_address=settings.PASSWORD_RESETS_PER_ADDRESS,
            per_email=settings.PASSWORD_RESETS_PER_EMAIL,
        )
        if wait:
            return _too_many(request, wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if self.email_over_limit:
            return HttpResponseRedirect(self.get_success_url())
        # The link is built from the configured address, never from the request's Host
        # header, which whoever asks for the reset controls.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
