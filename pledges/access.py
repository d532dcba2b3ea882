"""The one door to a teacher's objects.

Every teacher view fetches classrooms, pledges and signatures through these functions.
They filter by the signed-in teacher (or the teacher's school, for school pages) and raise
Http404 for anything else, so "missing" and "not yours" look the same from outside.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from pledges.models import Classroom, Concern, Membership, Pledge, Signature


def membership_of(user):
    """The teacher's membership with its school, or None when they have not joined one.

    Kept on the user object for the request, so the decorator and the view share one
    query."""
    if not hasattr(user, "_membership_cache"):
        user._membership_cache = (
            # One membership per user (a one-to-one): no ordering, so no joins for it.
            Membership.objects.select_related("school").filter(user_id=user.pk).order_by().first()
            if user.is_authenticated
            else None
        )
    return user._membership_cache


def school_of(user):
    membership = membership_of(user)
    if membership is None:
        raise Http404("No school")
    return membership.school


def lead_membership_of(user):
    membership = membership_of(user)
    if membership is None or not membership.is_lead():
        raise Http404("Not a school lead")
    return membership


def _school_id(user):
    """The teacher's school id, or None. Filtering on it (rather than joining school and
    membership in every query) keeps the access check to a column comparison."""
    membership = membership_of(user)
    return membership.school_id if membership is not None else None


def classrooms_of(user):
    return Classroom.objects.filter(teacher=user, school_id=_school_id(user))


def classroom_for(user, pk):
    return get_object_or_404(classrooms_of(user), pk=pk)


def pledges_of(user):
    return Pledge.objects.filter(classroom__teacher=user, classroom__school_id=_school_id(user))


def pledge_for(user, pk, queryset=None):
    """A pledge of the teacher's own classrooms; `queryset` adds annotations or
    prefetches (it is narrowed to the teacher's pledges here, never trusted)."""
    base = queryset if queryset is not None else Pledge.objects.all()
    return get_object_or_404(
        base.filter(classroom__teacher=user, classroom__school_id=_school_id(user)), pk=pk
    )


def signature_for(user, pledge_pk, signature_pk):
    return get_object_or_404(
        Signature.objects.filter(pledge__in=pledges_of(user)),
        pledge_id=pledge_pk,
        pk=signature_pk,
    )


def concerns_of(user):
    """A designated safeguarding lead sees every concern of the school; a teacher, those
    from their own classes."""
    membership = membership_of(user)
    if membership is None:
        return Concern.objects.none()
    concerns = Concern.objects.filter(school_id=membership.school_id)
    return concerns if membership.is_dsl else concerns.filter(classroom__teacher=user)


def concern_for(user, pk):
    return get_object_or_404(concerns_of(user), pk=pk)


def dsl_membership_of(user):
    membership = membership_of(user)
    if membership is None or not membership.is_dsl:
        raise Http404("Not a safeguarding lead")
    return membership


def family_note_classrooms(user):
    """The teacher's classes for a family note (settings.CURRICULUM_CLASSROOMS)."""
    return classrooms_of(user).select_related("school")
