from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from pledges.models import (
    Classroom,
    Commitment,
    GuessCounter,
    Membership,
    Pledge,
    PledgeTemplate,
    School,
    Signature,
    StatusChangeRefused,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("invite_code", "created")
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "school", "role", "created")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "school__name")
    list_select_related = ("user", "school")
    autocomplete_fields = ("user", "school")


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ("name", "year_group", "school", "teacher")
    list_filter = ("school",)
    search_fields = ("name", "school__name", "teacher__email")
    list_select_related = ("school", "teacher")
    autocomplete_fields = ("school", "teacher")


@admin.register(PledgeTemplate)
class PledgeTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "module", "lesson")
    list_filter = ("module", "age_bands")
    search_fields = ("title", "intro")
    prepopulated_fields = {"slug": ("title",)}
    list_select_related = ("module", "lesson")
    filter_horizontal = ("age_bands",)


class CommitmentInline(admin.TabularInline):
    """Read-only once the pledge is open: students have signed these words
    (Commitment.clean says the same to any other form)."""

    model = Commitment
    extra = 0
    ordering = ("order",)

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


def _is_draft(pledge):
    """A new pledge, or one still a draft (None: the admin asks without a pledge)."""
    return pledge is None or pledge.is_editable()


class SignatureInline(admin.TabularInline):
    model = Signature
    extra = 0
    fields = ("display_name", "hidden", "approved", "on_paper", "created")
    readonly_fields = ("created",)
    show_change_link = True


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    list_display = ("title", "classroom", "status", "join_code", "created")
    list_filter = ("status", "show_names", "approve_first")
    search_fields = ("title", "join_code", "classroom__name", "classroom__school__name")
    list_select_related = ("classroom",)
    # The status changes only through Pledge.open/pause/close (the actions), which
    # refuse what makes no sense, e.g. opening a pledge with nothing to sign.
    readonly_fields = (
        "status",
        "join_code",
        "link_token",
        "opened_at",
        "closed_at",
        "created",
        "updated",
    )
    autocomplete_fields = ("classroom", "template", "lesson", "created_by")
    inlines = (CommitmentInline, SignatureInline)
    actions = ("open_pledges", "pause_pledges", "close_pledges")

    def _change_status(self, request, queryset, change):
        for pledge in queryset:
            try:
                change(pledge)
            except StatusChangeRefused as refused:
                self.message_user(request, f"{pledge}: {refused.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(pledge)s is now %(status)s.")
                    % {"pledge": pledge, "status": pledge.get_status_display()},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Open (or reopen) selected pledges"))
    def open_pledges(self, request, queryset):
        self._change_status(request, queryset, Pledge.open)

    @admin.action(description=_("Pause selected pledges"))
    def pause_pledges(self, request, queryset):
        self._change_status(request, queryset, Pledge.pause)

    @admin.action(description=_("Close selected pledges"))
    def close_pledges(self, request, queryset):
        self._change_status(request, queryset, Pledge.close)


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ("display_name", "pledge", "hidden", "approved", "created")
    list_filter = ("hidden", "approved", "on_paper")
    search_fields = ("display_name", "pledge__title")
    list_select_related = ("pledge",)
    readonly_fields = ("name_key", "return_code", "created")
    exclude = ("return_secret",)
    filter_horizontal = ("commitments",)


@admin.register(GuessCounter)
class GuessCounterAdmin(admin.ModelAdmin):
    list_display = ("key", "window_start", "count")
    readonly_fields = ("key", "window_start", "count")
    verbose_name = _("wrong-code counter")
