from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from allyship_site import views
from pledges.forms.accounts import EmailAuthenticationForm
from pledges.views.accounts import password_reset

admin.site.site_header = "Allyship Classroom administration"
admin.site.site_title = "Allyship Classroom admin"

urlpatterns = [
    path("", include("curriculum.urls")),
    path("", include("pledges.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    # Before Django's own: the same address and name, rate-limited (issue 8).
    path("accounts/password_reset/", password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

# A lost database outside a view gets the 503 page too (allyship_site.errors).
handler500 = "allyship_site.errors.server_error"
