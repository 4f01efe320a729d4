"""Where the rules live (issue #13): routing opt-in, the certificate template version saved
by the admin, the cadre menu from accounts/permissions.py, the quiz attempt as a form."""

from unittest import mock

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import strip_tags
from wagtail.models import Page, Site

from accounts.context_processors import navigation
from accounts.models import Role, User
from certificates.models import CertificateSettings, TemplateVersion
from courses.models import LessonPage
from courses.routing import DirectlyRouted
from learning.models import HomePage
from quizzes import services as quiz_services
from quizzes.forms import QuizAttemptForm
from tests.courses_helpers import make_course, publish, quiz_page

# ------------------------------------------------------------------ routing


@pytest.mark.django_db
def test_opted_in_page_types_are_routed_in_one_lookup_others_down_the_tree():
    course = make_course(lessons=1)
    lesson = LessonPage.objects.child_of(course).get()
    plain = publish(HomePage.objects.get(), Page(title="Trang thường", slug="trang-thuong"))
    home = HomePage.objects.get()
    request = RequestFactory().get("/")
    original_route = Page.route
    with mock.patch.object(Page, "route", autospec=True, side_effect=original_route) as route:
        found = home.route(request, lesson.url_path[len(home.url_path) :].strip("/").split("/"))
        walked = [call.args[0].pk for call in route.call_args_list]
        assert found.page.pk == lesson.pk and isinstance(found.page, DirectlyRouted)
        assert lesson.pk not in walked and course.pk not in walked  # no walk down the tree

        route.reset_mock()
        found = home.route(request, ["trang-thuong"])
        walked = [call.args[0].pk for call in route.call_args_list]
        # A page type that did not opt in routes its own path, as with RoutablePageMixin.
        assert found.page.pk == plain.pk and plain.pk in walked


@pytest.mark.django_db
def test_every_page_type_below_the_home_page_opts_in():
    from courses.models import CourseIndexPage, CoursePage
    from quizzes.models import QuizPage

    for page_type in (CourseIndexPage, CoursePage, LessonPage, QuizPage):
        assert issubclass(page_type, DirectlyRouted), page_type


@pytest.mark.django_db
def test_a_path_without_a_page_is_not_found(client):
    make_course(lessons=1)
    assert client.get("/khoa-hoc/lam-quen/khong-co/").status_code == 404


# ------------------------------------------------------------------ certificate settings


@pytest.mark.django_db
def test_saving_the_settings_in_the_admin_records_a_template_version(client):
    admin = User.objects.create_superuser(phone="0901000009", password="x", full_name="Quản trị")
    client.force_login(admin)
    site = Site.objects.get(is_default_site=True)
    url = reverse("wagtailsettings:edit", args=["certificates", "certificatesettings", site.pk])
    data = {
        "organisation_name": "Sở Thông tin",
        "signer_name": "Nguyễn Văn Ký",
        "signer_title": "Giám đốc",
        "footer_text": "",
    }
    before = TemplateVersion.objects.count()
    response = client.post(url, data)
    assert response.status_code == 302
    latest = TemplateVersion.objects.order_by("-number").first()
    assert TemplateVersion.objects.count() == before + 1
    assert (latest.organisation_name, latest.signer_name) == ("Sở Thông tin", "Nguyễn Văn Ký")
    client.post(url, data)  # saved again unchanged: no new version
    assert TemplateVersion.objects.count() == before + 1


@pytest.mark.django_db
def test_saving_the_settings_model_alone_records_no_version():
    before = TemplateVersion.objects.count()
    CertificateSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True), defaults={"organisation_name": "Khác"}
    )
    assert TemplateVersion.objects.count() == before


# ------------------------------------------------------------------ cadre menu


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "superuser", "shown"),
    [
        (Role.LEARNER, False, False),
        (Role.WARD_CADRE, False, True),
        (Role.PROVINCE_CADRE, False, True),
        (Role.LEARNER, True, True),
    ],
)
def test_the_cadre_menu_follows_accounts_permissions(client, units, role, superuser, shown):
    user = User.objects.create_user(
        phone="0901000001", password="x", full_name="Người Dùng", role=role
    )
    user.is_superuser = superuser
    user.save()
    request = RequestFactory().get("/")
    request.user = user
    assert bool(navigation(request)["shows_cadre_menu"]) is shown
    client.force_login(user)
    page = client.get(reverse("learning:my_learning")).content.decode()
    assert (reverse("training:dashboard") in page) is shown


# ------------------------------------------------------------------ quiz attempt form


@pytest.mark.django_db
def test_the_attempt_form_has_one_field_per_drawn_question_and_no_answers(learner):
    quiz = quiz_page(questions=3)
    make_course(lessons=1, quiz=quiz)
    attempt = quiz_services.attempt_start(user=learner, quiz=quiz)
    form = QuizAttemptForm(attempt=attempt)
    questions = attempt.snapshot["questions"]
    assert list(form.fields) == [q["key"] for q in questions]
    for number, question in enumerate(questions, start=1):
        field = form.fields[question["key"]]
        assert field.number == number and field.label == question["text"]
        assert [value for value, _text in field.choices] == [
            str(c["id"]) for c in question["choices"]
        ]
    assert "correct" not in str(form)  # which choice is right never reaches the page


@pytest.mark.django_db
def test_the_attempt_form_keeps_choices_and_marks_only_unanswered_questions(learner):
    quiz = quiz_page(questions=2)
    make_course(lessons=1, quiz=quiz)
    attempt = quiz_services.attempt_start(user=learner, quiz=quiz)
    first, second = attempt.snapshot["questions"]
    chosen = str(first["choices"][0]["id"])
    posted = QueryDict(mutable=True)
    posted.setlist(first["key"], [chosen])
    form = QuizAttemptForm(posted, attempt=attempt)
    assert form.posted_answers() == {first["key"]: [chosen]}
    assert not form.is_valid()
    assert list(form.errors) == [second["key"]]
    assert form[first["key"]].value() == chosen


# ------------------------------------------------------------------ block chooser


def _lesson_blocks():
    return LessonPage._meta.get_field("body").stream_block.child_blocks.items()


def test_every_lesson_block_is_grouped_described_and_previewed():
    for name, block in _lesson_blocks():
        assert block.meta.group, name
        assert block.meta.description, name
        assert block.meta.preview_value is not None, name


@pytest.mark.django_db
def test_the_admin_renders_each_block_preview(client):
    admin = User.objects.create_superuser(phone="0901000009", password="x", full_name="Quản trị")
    client.force_login(admin)
    for name, block in _lesson_blocks():
        response = client.get(
            reverse("wagtailadmin_block_preview"), {"id": block.definition_prefix}
        )
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "None" not in html, name
        shown = " ".join(strip_tags(html).split())
        words = strip_tags(block.render(block.get_preview_value())).split()
        assert " ".join(words[-4:]) in shown, name
