from django.contrib import admin
from django.urls import include, path

from allyship_site import views

admin.site.site_header = "Allyship Classroom administration"
admin.site.site_title = "Allyship Classroom admin"

urlpatterns = [
    path("", include("curriculum.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
