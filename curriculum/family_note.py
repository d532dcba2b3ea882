"""The printed note for families: the module's note, its materials and, when a teacher
prints it for one of their classes, the school, the class and the day it was taught."""

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string

from curriculum.forms import FamilyNoteForm
from curriculum.models import Lesson


def _classrooms(user):
    """The signed-in teacher's classes (each with its `school`), from the hook the project
    names in CURRICULUM_CLASSROOMS (pledges.access.family_note_classrooms), or None.

    A hook, not an import: lessons stand alone, so a school can use the curriculum without
    pledges, and then the note simply has no class to name."""
    hook = getattr(settings, "CURRICULUM_CLASSROOMS", "")
    if not hook or not user.is_authenticated:
        return None
    return import_string(hook)(user)


def family_note_context(request, module):
    """Context for module_family_note.html. A classroom id that is not one of the
    signed-in teacher's classes (or any id from a visitor) is a 404, as everywhere."""
    classrooms = _classrooms(request.user)
    form = (
        FamilyNoteForm(request.GET or None, classrooms=classrooms)
        if classrooms is not None
        else None
    )
    classroom, taught = None, timezone.localdate()
    raw = request.GET.get("classroom", "")
    if raw:
        # Checked before the form, so "not yours" is a 404 and not a form message.
        if classrooms is not None and raw.isdigit():
            classroom = classrooms.filter(pk=int(raw)).first()
        if classroom is None:
            raise Http404("No such classroom")
    if form is not None and form.is_bound and form.is_valid() and form.cleaned_data["taught"]:
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
        "is_teacher": form is not None,
    }
