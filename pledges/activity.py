"""Which requests show a teacher is there (for the idle logout)."""

from functools import wraps


def not_activity(view):
    """Mark a view's responses as no sign of the teacher being there: a page that refreshes
    itself, or the count such a page polls, would otherwise keep an unattended session
    open for ever. SessionIdleMiddleware leaves the session's expiry where it was. (As
    Django's xframe_options_exempt does, the mark is on the response.)"""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.not_activity = True
        return response

    return wrapper
