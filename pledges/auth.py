"""Signing teachers in: Django's ModelBackend, loading each teacher's school membership
with them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from allyship_site.prepared import PreparedQuery
from pledges.models import Membership

# Every teacher page starts with this lookup: its SQL is written once per process.
_USER_WITH_SCHOOL = PreparedQuery(
    lambda pk: (
        get_user_model()._default_manager.select_related("membership__school").filter(pk=pk)
    ),
    "pk",
)


class TeacherBackend(ModelBackend):
    """Every teacher page asks for the teacher's school (pledges.access.membership_of),
    so the request's user comes with it: one query where there were two."""

    def get_user(self, user_id):
        try:
            user_id = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = _USER_WITH_SCHOOL.object(pk=user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        try:
            user._membership_cache = user.membership
        except Membership.DoesNotExist:
            user._membership_cache = None
        return user
