from functools import lru_cache

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from curriculum import markdown
from curriculum.forms import LessonFilterForm
from curriculum.models import Handout, Lesson, Module, SupportService


def _lessons_for(user):
    return Lesson.objects.visible_to(user).filter(module__in=Module.objects.visible_to(user))


@require_safe
def home(request):
    modules = Module.objects.published().with_lesson_counts().order_by("order")
    return render(request, "curriculum/home.html", {"modules": modules})


@require_safe
def module_detail(request, slug):
    module = get_object_or_404(Module.objects.visible_to(request.user), slug=slug)
    lessons = (
        _lessons_for(request.user).filter(module=module).for_list().order_by("duration_minutes")
    )
    lessons = sorted(lessons, key=lambda lesson: _youngest(lesson))
    return render(request, "curriculum/module_detail.html", {"module": module, "lessons": lessons})


def _youngest(lesson):
    ages = [band.min_age for band in lesson.age_bands.all()]
    return (min(ages) if ages else 99, lesson.title)


@require_safe
def module_family_note(request, slug):
    module = get_object_or_404(Module.objects.visible_to(request.user), slug=slug)
    return render(request, "curriculum/module_family_note.html", {"module": module})


@require_safe
def lesson_list(request):
    form = LessonFilterForm(request.GET)
    filters = form.filters()
    lessons = _lessons_for(request.user).for_list()
    if "age" in filters:
        lessons = lessons.filter(age_bands=filters["age"])
    if "module" in filters:
        lessons = lessons.filter(module=filters["module"])
    if "theme" in filters:
        lessons = lessons.filter(themes=filters["theme"])
    if "duration" in filters:
        lessons = lessons.with_duration(filters["duration"])
    if "q" in filters:
        lessons = lessons.search(filters["q"])
    else:
        lessons = lessons.order_by("module__order", "duration_minutes", "title")
    page = Paginator(lessons, settings.LESSONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "curriculum/lesson_list.html",
        {"form": form, "page": page, "filters": filters, "is_filtered": bool(filters)},
    )


def _get_lesson(request, slug):
    queryset = _lessons_for(request.user).for_page()
    return get_object_or_404(queryset, slug=slug)


def _lesson_context(request, lesson):
    return {
        "lesson": lesson,
        "timeline": lesson.timeline(),
        "services": SupportService.objects.all(),
        "minutes_warning": lesson.minutes_mismatch_message() if request.user.is_staff else None,
    }


@require_safe
def lesson_detail(request, slug):
    lesson = _get_lesson(request, slug)
    return render(request, "curriculum/lesson_detail.html", _lesson_context(request, lesson))


@require_safe
def lesson_print(request, slug):
    lesson = _get_lesson(request, slug)
    return render(request, "curriculum/lesson_print.html", _lesson_context(request, lesson))


@require_safe
def handout_print(request, slug, handout_slug):
    handout = get_object_or_404(
        Handout.objects.select_related("lesson").filter(lesson__in=_lessons_for(request.user)),
        lesson__slug=slug,
        slug=handout_slug,
    )
    return render(
        request, "curriculum/handout_print.html", {"lesson": handout.lesson, "handout": handout}
    )


@lru_cache(maxsize=1)
def _teacher_guide_html():
    path = settings.CURRICULUM_DIR / "teacher_guide.md"
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    # The page supplies its own <h1>; drop the file's title line.
    lines = text.split("\n")
    if lines and lines[0].startswith("# "):
        text = "\n".join(lines[1:])
    return markdown.render(text, heading_shift=0)


@require_safe
def teacher_guide(request):
    return render(
        request,
        "curriculum/teacher_guide.html",
        {"guide_html": _teacher_guide_html(), "services": SupportService.objects.all()},
    )
