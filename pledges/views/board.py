"""From a lesson on the board to its class pledge, without leaving the board (issue 20).

The last screen of present mode (curriculum) shows, for a signed-in teacher, a form made
by pledges/templatetags/board.py: choose a class, open the pledge. This view opens it from
the lesson's template in one step and sends the teacher back to that screen, which then
shows the pledge's code, QR code and live count.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from curriculum.models import Lesson
from pledges import access
from pledges.models import Commitment, Pledge, PledgeTemplate
from pledges.views.teacher import teacher_required


@teacher_required
@require_POST
def pledge_open_from_lesson(request, slug):
    lesson = get_object_or_404(Lesson.objects.published(), slug=slug)
    screen = request.POST.get("screen", "")
    screen = int(screen) if screen.isdigit() and int(screen) > 0 else 1
    back = reverse("curriculum:lesson-present", args=[lesson.slug, screen])
    classroom_pk = request.POST.get("classroom", "")
    if not classroom_pk.isdigit():
        messages.error(request, _("Choose the class that is signing."))
        return redirect(f"{back}#board-pledge")
    classroom = access.classroom_for(request.user, int(classroom_pk))
    template = PledgeTemplate.objects.for_lesson(lesson)
    if template is None or not template.commitments:
        messages.info(
            request, _("This lesson has no pledge ready to open. Write the class's own.")
        )
        return redirect(f"{reverse('pledges:pledge-create')}?lesson={lesson.slug}")
    with transaction.atomic():
        pledge = Pledge.objects.create(
            classroom=classroom,
            title=template.title,
            intro=template.intro,
            template=template,
            lesson=lesson,
            created_by=request.user,
        )
        Commitment.objects.bulk_create(
            Commitment(pledge=pledge, order=order, text=text)
            for order, text in enumerate(template.commitments, start=1)
        )
        pledge.open()
    messages.success(
        request,
        _("The pledge for %(class)s is open: students can sign it now.")
        % {"class": classroom.name},
    )
    return redirect(f"{back}?pledge={pledge.pk}#board-pledge")
