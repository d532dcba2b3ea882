from django.urls import path

from pledges.views import (
    accounts,
    board,
    concerns,
    data,
    followup,
    live,
    school,
    student,
    teacher,
)

app_name = "pledges"

urlpatterns = [
    # Students: no account, ever. Names never appear in URLs.
    path("join/", student.join, name="join"),
    path("join/<str:code>/", student.join_code, name="join-code"),
    path("p/<str:token>/", student.join_link, name="join-link"),
    path("p/<str:token>/thanks/", student.thanks, name="thanks"),
    path("p/<str:token>/withdraw/", student.withdraw, name="withdraw"),
    path("p/<str:token>/forget/", student.forget_device, name="forget-device"),
    path("p/<str:token>/reflect/", student.reflect, name="reflect"),
    path("privacy/", student.privacy, name="privacy"),
    # Teacher accounts and schools.
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/signup/sent/", accounts.signup_sent, name="signup-sent"),
    path(
        "accounts/signup/<uidb64>/<token>/",
        accounts.signup_activate,
        name="signup-activate",
    ),
    path("teach/school/setup/", school.school_setup, name="school-setup"),
    path("teach/school/", school.school_detail, name="school-detail"),
    path("teach/school/invite/rotate/", school.rotate_invite, name="school-rotate-invite"),
    path("teach/school/country/", school.set_country, name="school-set-country"),
    path(
        "teach/school/teachers/<int:membership_pk>/remove/",
        school.remove_teacher,
        name="school-remove-teacher",
    ),
    # Concerns students raise ("talk to a teacher"): their teacher and the school's DSLs.
    path("teach/concerns/", concerns.concern_list, name="concern-list"),
    path("teach/concerns/<int:pk>/", concerns.concern_detail, name="concern-detail"),
    path("teach/concerns/<int:pk>/handle/", concerns.concern_handle, name="concern-handle"),
    path("teach/concerns/<int:pk>/recorded/", concerns.concern_record, name="concern-record"),
    path(
        "teach/school/teachers/<int:membership_pk>/safeguarding/",
        school.set_dsl,
        name="school-set-dsl",
    ),
    # Teachers' classrooms and pledges.
    path(
        "teach/lessons/<slug:slug>/pledge/",
        board.pledge_open_from_lesson,
        name="pledge-open-from-lesson",
    ),
    path("teach/", teacher.dashboard, name="dashboard"),
    path("teach/classrooms/new/", teacher.classroom_create, name="classroom-create"),
    path("teach/classrooms/<int:pk>/edit/", teacher.classroom_edit, name="classroom-edit"),
    path("teach/classrooms/<int:pk>/delete/", data.classroom_delete, name="classroom-delete"),
    path("teach/school/export.zip", data.school_export, name="school-export"),
    path("teach/school/delete/", data.school_delete, name="school-delete"),
    path("schools/privacy/", data.school_privacy, name="school-privacy"),
    path("teach/pledges/new/", teacher.pledge_create, name="pledge-create"),
    path("teach/pledges/<int:pk>/", teacher.pledge_detail, name="pledge-detail"),
    path("teach/pledges/<int:pk>/edit/", teacher.pledge_edit, name="pledge-edit"),
    path("teach/pledges/<int:pk>/status/", teacher.pledge_status, name="pledge-status"),
    path("teach/pledges/<int:pk>/new-code/", teacher.pledge_new_code, name="pledge-new-code"),
    path("teach/pledges/<int:pk>/checking/", teacher.pledge_checking, name="pledge-checking"),
    path("teach/pledges/<int:pk>/delete/", teacher.pledge_delete, name="pledge-delete"),
    path("teach/pledges/<int:pk>/present/", teacher.pledge_present, name="pledge-present"),
    path("teach/pledges/<int:pk>/count.json", live.pledge_count, name="pledge-count"),
    path("teach/pledges/<int:pk>/poster/", teacher.pledge_poster, name="pledge-poster"),
    path("teach/pledges/<int:pk>/sheet/", teacher.pledge_sheet, name="pledge-sheet"),
    path("teach/pledges/<int:pk>/paper/", teacher.pledge_paper, name="pledge-paper"),
    path("teach/pledges/<int:pk>/signatures.csv", teacher.pledge_csv, name="pledge-csv"),
    path("teach/pledges/<int:pk>/qr.svg", teacher.pledge_qr, name="pledge-qr"),
    # Follow-through: check-in rounds and students' reflections.
    path("teach/pledges/<int:pk>/checkins/new/", followup.checkin_create, name="checkin-create"),
    path(
        "teach/pledges/<int:pk>/follow-through/",
        followup.follow_through,
        name="pledge-follow-through",
    ),
    path(
        "teach/pledges/<int:pk>/reflections.csv", followup.reflections_csv, name="reflections-csv"
    ),
    path(
        "teach/pledges/<int:pk>/checkins/<int:number>/sheet/",
        followup.reflection_sheet,
        name="reflection-sheet",
    ),
    path(
        "teach/pledges/<int:pk>/checkins/<int:number>/paper/",
        followup.reflection_paper,
        name="reflection-paper",
    ),
    path(
        "teach/pledges/<int:pk>/reflections/<int:reflection_pk>/moderate/",
        followup.reflection_moderate,
        name="reflection-moderate",
    ),
    path(
        "teach/pledges/<int:pk>/signatures/moderate/",
        teacher.signatures_moderate,
        name="signatures-moderate",
    ),
    path(
        "teach/pledges/<int:pk>/signatures/<int:signature_pk>/moderate/",
        teacher.signature_moderate,
        name="signature-moderate",
    ),
]
