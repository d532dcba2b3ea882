"""The printed note for families: the module's note, its materials and, when a teacher
prints it for one of their classes, the school, the class and the day it was taught."""

from django.http import Http404
from django.utils import timezone

from curriculum.forms import FamilyNoteForm
from curriculum.models import Lesson
from pledges import access
from pledges.models import Classroom


def family_note_context(request, module):
    """Context for module_family_note.html. A classroom id that is not one of the
    signed-in teacher's classes (or any id from a visitor) is a 404, as everywhere."""
    if request.user.is_authenticated:
        classrooms = access.classrooms_of(request.user).select_related("school")
    else:
        classrooms = Classroom.objects.none()
    form = FamilyNoteForm(request.GET or None, classrooms=classrooms)
    classroom, taught = None, timezone.localdate()
    raw = request.GET.get("classroom", "")
    if raw:
        # Checked before the form, so "not yours" is a 404 and not a form message.
        classroom = classrooms.filter(pk=int(raw)).first() if raw.isdigit() else None
        if classroom is None:
            raise Http404("No such classroom")
    if form.is_bound and form.is_valid() and form.cleaned_data["taught"]:
        taught = form.cleaned_data["taught"]
    lessons = (
        Lesson.objects.visible_to(request.user)
        .filter(module=module)
        .order_by("duration_minutes", "title")
        .prefetch_related("handouts")
    )
    return {
        "module": module,
        "form": form,
        "classroom": classroom,
        "taught": taught,
        "lessons": lessons,
        "is_teacher": request.user.is_authenticated,
    }
