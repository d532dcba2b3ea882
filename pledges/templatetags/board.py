"""The class pledge on the last screen of a lesson on the board (curriculum present mode).

A template tag, so the curriculum app's templates can show it while its code imports
nothing of pledges: lessons stand alone for a school that uses no pledges.
"""

from django import template
from django.contrib.messages import get_messages
from django.middleware.csrf import get_token

from pledges import access, exports

register = template.Library()


@register.inclusion_tag("pledges/_includes/_board_pledge.html", takes_context=True)
def board_pledge(context, lesson, screen_number):
    request = context.request
    membership = access.membership_of(request.user)
    data = {
        "lesson": lesson,
        "screen_number": screen_number,
        "is_teacher": membership is not None,
        "is_signed_in": request.user.is_authenticated,
        "request": request,
        "messages": list(get_messages(request)),
    }
    if membership is None:
        return data
    pledge_pk = request.GET.get("pledge", "")
    pledge = None
    if pledge_pk.isdigit():
        pledge = (
            access.pledges_of(request.user)
            .with_counts()
            .select_related("classroom")
            .filter(pk=int(pledge_pk), lesson=lesson)
            .first()
        )
    if pledge is not None:
        link = request.build_absolute_uri(pledge.get_link_url())
        data.update(pledge=pledge, qr_svg=exports.qr_svg(link))
    else:
        data["classrooms"] = list(access.classrooms_of(request.user).order_by("name"))
        data["csrf_token"] = get_token(request)
    return data
