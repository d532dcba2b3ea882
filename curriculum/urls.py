from django.urls import path

from curriculum import present, views

app_name = "curriculum"

urlpatterns = [
    path("", views.home, name="home"),
    path("lessons/", views.lesson_list, name="lesson-list"),
    path("lessons/<slug:slug>/", views.lesson_detail, name="lesson-detail"),
    path("lessons/<slug:slug>/print/", views.lesson_print, name="lesson-print"),
    path(
        "lessons/<slug:slug>/handouts/<slug:handout_slug>/",
        views.handout_print,
        name="handout-print",
    ),
    path(
        "lessons/<slug:slug>/present/", present.lesson_present_start, name="lesson-present-start"
    ),
    path(
        "lessons/<slug:slug>/present/<int:number>/", present.lesson_present, name="lesson-present"
    ),
    path(
        "lessons/<slug:slug>/present/all/", present.lesson_present_all, name="lesson-present-all"
    ),
    path("modules/<slug:slug>/", views.module_detail, name="module-detail"),
    path("modules/<slug:slug>/family-note/", views.module_family_note, name="module-family-note"),
    path("units/<slug:band_slug>/", views.unit_detail, name="unit-detail"),
    path("guide/", views.teacher_guide, name="teacher-guide"),
]
