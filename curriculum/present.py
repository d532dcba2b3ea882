"""Present mode: a lesson on the board, one screen a step, each screen its own URL.

The screens link to each other with rel=next/prev, so stepping through works with
JavaScript off and survives a reload; static/js/board-keys.js only adds arrow keys and a
countdown. Pages are rendered per request (not the public page cache): the last screen
differs for a signed-in teacher.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from curriculum import layout
from curriculum.models import Lesson, Module


def _lessons(user):
    return Lesson.objects.visible_to(user).filter(module__in=Module.objects.visible_to(user))


def _lesson(request, slug):
    return get_object_or_404(_lessons(request.user).for_page(), slug=slug)


@require_safe
def lesson_present_start(request, slug):
    get_object_or_404(_lessons(request.user), slug=slug)
    return redirect("curriculum:lesson-present", slug=slug, number=1)


@require_safe
def lesson_present(request, slug, number):
    lesson = _lesson(request, slug)
    screens = layout.screens(lesson)
    if not 1 <= number <= len(screens):
        raise Http404("No such screen")
    screen = screens[number - 1]
    return render(
        request,
        "curriculum/lesson_present.html",
        {
            "lesson": lesson,
            "screen": screen,
            "count": len(screens),
            "previous": screens[number - 2] if number > 1 else None,
            "next": screens[number] if number < len(screens) else None,
        },
    )


@require_safe
def lesson_present_all(request, slug):
    lesson = _lesson(request, slug)
    screens = layout.screens(lesson)
    return render(
        request,
        "curriculum/lesson_present_all.html",
        {"lesson": lesson, "screens": screens, "count": len(screens)},
    )
