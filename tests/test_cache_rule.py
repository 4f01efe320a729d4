"""The cache rule (README "Caches"): a cached value is keyed by what it depends on and
dropped after commit, so a page never shows what the database no longer says."""

from django.urls import reverse
from wagtail.models import PageViewRestriction

from courses.models import LessonPage

from .courses_helpers import catalogue, make_course


def _publish(page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()


def test_renaming_the_catalogue_moves_every_cached_step_link(
    client, learner, django_capture_on_commit_callbacks, requests_commit
):
    course = make_course(lessons=2)
    client.force_login(learner)
    client.post(reverse("learning:course_start", args=[course.pk]))
    first = LessonPage.objects.child_of(course).order_by("path").first()
    html = client.get(first.url).content.decode()  # caches the course outline
    assert 'href="/khoa-hoc/lam-quen/bai-2/"' in html

    index = catalogue()
    index.slug = "cac-khoa-hoc"
    _publish(index, django_capture_on_commit_callbacks)

    first.refresh_from_db()
    assert first.url == "/cac-khoa-hoc/lam-quen/bai-1/"
    for url in (first.url, "/cac-khoa-hoc/lam-quen/"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'href="/cac-khoa-hoc/lam-quen/bai-2/"' in html
        assert "/khoa-hoc/lam-quen/" not in html
    assert client.get("/cac-khoa-hoc/lam-quen/bai-2/").status_code == 200


def test_a_new_view_restriction_applies_at_once(
    client, learner, django_capture_on_commit_callbacks
):
    course = make_course(lessons=1)
    assert client.get(course.url).status_code == 200  # restrictions (none) now cached
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=catalogue(), restriction_type=PageViewRestriction.LOGIN
        )
    response = client.get(course.url)
    assert response.status_code == 302 and "login/?next=/khoa-hoc/lam-quen/" in response["Location"]
    client.force_login(learner)
    assert client.get(course.url).status_code == 200


def test_a_renamed_home_page_title_shows_at_once(client, db, django_capture_on_commit_callbacks):
    from learning.models import HomePage

    client.get("/")  # caches the site and its home page
    home = HomePage.objects.get()
    home.title = "Trang chủ mới của Học vụ số"
    _publish(home, django_capture_on_commit_callbacks)
    assert "Trang chủ mới của Học vụ số" in client.get("/").content.decode()


def _spare_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_with_the_cache_down_a_learner_stays_logged_in(client, learner, settings):
    """Sessions are cached_db: the database is the truth, a dead Redis is only a miss."""
    settings.CACHES = {
        "default": {
            "BACKEND": "learning.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_spare_port()}/0",  # nobody listens there
        }
    }
    client.force_login(learner)
    response = client.get(reverse("learning:my_learning"))
    assert response.status_code == 200
    assert 'action="/dang-xuat/"' in response.content.decode()


def test_a_log_out_ends_the_cached_session_too(client, learner):
    client.force_login(learner)
    assert client.get(reverse("learning:my_learning")).status_code == 200  # session now cached
    old_session = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    client.cookies["sessionid"] = old_session
    response = client.get(reverse("learning:my_learning"))
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


def test_a_session_whose_cached_copy_is_gone_is_read_from_the_database(client, learner):
    """The cached copy lives minutes, the session weeks: after it goes, the row still serves."""
    from django.core.cache import cache

    client.force_login(learner)
    assert client.get(reverse("learning:my_learning")).status_code == 200
    cache.clear()
    response = client.get(reverse("learning:my_learning"))
    assert response.status_code == 200
    assert 'action="/dang-xuat/"' in response.content.decode()
