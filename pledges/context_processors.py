"""Template context from the pledges app, for pages of any app."""

from django.utils.functional import SimpleLazyObject

from pledges import access


def school_country(request):
    """`school_country`: the signed-in teacher's school's country, or "" for anyone else,
    so every safeguarding panel shows that country's helplines (issue 19). Looked up only
    when a template uses it; the teacher's membership is already loaded with the user."""

    def country():
        membership = access.membership_of(request.user)
        return membership.school.country if membership is not None else ""

    return {"school_country": SimpleLazyObject(country)}
