"""Signing teachers in: Django's ModelBackend, loading each teacher's school membership
with them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist

from pledges.models import Membership


class TeacherBackend(ModelBackend):
    """Every teacher page asks for the teacher's school (pledges.access.membership_of),
    so the request's user comes with it: one query where there were two."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("membership__school")
        try:
            user = users.get(pk=user_id)
        except ObjectDoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        try:
            user._membership_cache = user.membership
        except Membership.DoesNotExist:
            user._membership_cache = None
        return user
