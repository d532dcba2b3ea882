from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from allyship_site import views
from pledges.forms.accounts import EmailAuthenticationForm

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
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
