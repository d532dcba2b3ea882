from functools import lru_cache, wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.paginator import InvalidPage, Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_safe

from curriculum import markdown
from curriculum.family_note import family_note_context
from curriculum.forms import LessonFilterForm
from curriculum.models import Handout, Lesson, Module, SupportService, Unit, UnitLesson


def same_for_visitors(view):
    """Serve a public page from the cache framework (`cache_page`) to visitors without a
    session or a waiting message, for CURRICULUM_CACHE_SECONDS: the page is then the same
    for every one of them. Rendering is most of a lesson page's cost. Teachers and staff
    (a session) always get it rendered, so their own pages and any edit show at once."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.CURRICULUM_CACHE_SECONDS
        if (
            not seconds
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or CookieStorage.cookie_name in request.COOKIES
        ):
            return view(request, *args, **kwargs)
        cached = cache_page(seconds, cache="pages", key_prefix="curriculum")(view)
        return cached(request, *args, **kwargs)

    return wrapper


def _lessons_for(user):
    return Lesson.objects.visible_to(user).filter(module__in=Module.objects.visible_to(user))


@require_safe
@same_for_visitors
def home(request):
    modules = Module.objects.published().with_lesson_counts().order_by("order")
    return render(request, "curriculum/home.html", {"modules": modules})


@require_safe
@same_for_visitors
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
    return render(
        request, "curriculum/module_family_note.html", family_note_context(request, module)
    )


@require_safe
@same_for_visitors
def lesson_list(request):
    visible = _lessons_for(request.user)
    form = LessonFilterForm(request.GET, lessons=visible)
    filters = form.filters()
    lessons = visible.for_list()
    if "age" in filters:
        lessons = lessons.filter(age_bands=filters["age"])
    if "module" in filters:
        lessons = lessons.filter(module=filters["module"])
    if "theme" in filters:
        lessons = lessons.filter(themes=filters["theme"])
    if "duration" in filters:
        lessons = lessons.with_duration(filters["duration"])
    correction = None
    if "q" in filters:
        paginator = Paginator(lessons.search(filters["q"]), settings.LESSONS_PER_PAGE)
        if paginator.count == 0:
            # A misspelling: search for the closest words the lessons use instead.
            correction = visible.correction_for(filters["q"])
            if correction:
                paginator = Paginator(lessons.search(correction), settings.LESSONS_PER_PAGE)
    else:
        lessons = lessons.order_by("module__order", "duration_minutes", "title")
        paginator = Paginator(lessons, settings.LESSONS_PER_PAGE)
    context = {
        "form": form,
        "filters": filters,
        "is_filtered": bool(filters),
        "paginator": paginator,
        "correction": correction,
    }
    try:
        context["page"] = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        # Say so, with a way back, rather than quietly showing another page.
        context["missing_page"] = request.GET["page"]
        return render(request, "curriculum/lesson_list.html", context, status=404)
    return render(request, "curriculum/lesson_list.html", context)


@require_safe
@same_for_visitors
def unit_detail(request, band_slug):
    unit = get_object_or_404(
        Unit.objects.for_page(_lessons_for(request.user)), age_band__slug=band_slug
    )
    steps = list(unit.steps.all())
    return render(
        request,
        "curriculum/unit_detail.html",
        {
            "unit": unit,
            "steps": steps,
            "total_minutes": sum(step.lesson.duration_minutes for step in steps),
        },
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
@same_for_visitors
def lesson_detail(request, slug):
    lesson = _get_lesson(request, slug)
    context = _lesson_context(request, lesson)
    context["unit_places"] = UnitLesson.objects.around(lesson, lessons=_lessons_for(request.user))
    return render(request, "curriculum/lesson_detail.html", context)


@require_safe
@same_for_visitors
def lesson_print(request, slug):
    lesson = _get_lesson(request, slug)
    context = _lesson_context(request, lesson)
    context["unit_places"] = UnitLesson.objects.around(lesson, lessons=_lessons_for(request.user))
    return render(request, "curriculum/lesson_print.html", context)


@require_safe
@same_for_visitors
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
@same_for_visitors
def teacher_guide(request):
    return render(
        request,
        "curriculum/teacher_guide.html",
        {"guide_html": _teacher_guide_html(), "services": SupportService.objects.all()},
    )
