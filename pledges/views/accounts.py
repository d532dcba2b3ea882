"""Teacher sign-up. Log in, log out and password reset are Django's own views
(mounted at /accounts/) with our templates in templates/registration/."""

from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from pledges.forms.accounts import ACCOUNT_NOT_CREATED, SignupForm

# django-axes is the first authentication backend and does not log anyone in.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.user.is_authenticated:
        return redirect("pledges:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # the same address signed up a moment ago
            form.add_error(None, ACCOUNT_NOT_CREATED)
        else:
            login(request, user, backend=LOGIN_BACKEND)
            return redirect("pledges:school-setup")
    return render(request, "registration/signup.html", {"form": form})
