"""The live signature count the projector view and the teacher's pledge page poll
(static/js/live-count.js): one number, nothing else."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pledges import access
from pledges.activity import not_activity
from pledges.models import Pledge
from pledges.views.teacher import teacher_required


@require_safe
@not_activity  # polled every few seconds by an open page: the idle logout still comes
@never_cache  # Cache-Control: no-store (and private): a stale count is a wrong one
@teacher_required  # the projector view's own door: log in, then a pledge of one's own
def pledge_count(request, pk):
    """The count both pages show: approved, not hidden (Pledge.objects.with_counts), read
    in one query with the access check."""
    pledge = access.pledge_for(request.user, pk, Pledge.objects.with_counts().only("pk"))
    return JsonResponse({"count": pledge.count()})
