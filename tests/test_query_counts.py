"""The main learner pages cost the same number of queries at 5 and at 50 steps."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import LessonPage

from .courses_helpers import make_course, quiz_page

MAX_QUERIES = 10


@pytest.mark.parametrize("lessons", [4, 49])
def test_course_and_lesson_pages_stay_within_ten_queries(
    client, learner, lessons, django_assert_max_num_queries, requests_commit
):
    course = make_course(lessons=lessons, quiz=quiz_page())
    client.force_login(learner)
    client.post(reverse("learning:course_start", args=[course.pk]))
    for lesson in LessonPage.objects.child_of(course).order_by("path")[:3]:
        client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
    middle = LessonPage.objects.child_of(course).order_by("path")[2]
    client.get(course.url)  # warm the site and session caches, as any visit after the first
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(course.url)
    assert response.status_code == 200 and "Học tiếp" in response.content.decode()
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(middle.url)
    assert response.status_code == 200 and "Bạn đã học xong bài này" in response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_catalogue_and_my_learning_cost_the_same_with_more_courses(client, learner):
    client.force_login(learner)
    counts = []
    for batch in (range(2), range(2, 8)):
        for n in batch:
            course = make_course(lessons=2, slug=f"khoa-{n}")
            client.post(reverse("learning:course_start", args=[course.pk]))
        index = course.get_parent()
        client.get(index.url)
        counts.append(
            (_queries(client, index.url), _queries(client, reverse("learning:my_learning")))
        )
    assert counts[0] == counts[1]
    assert max(counts[1]) <= 12
