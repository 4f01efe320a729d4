"""Editors build a course in the Wagtail admin, with the same forms a person fills in."""

import pytest
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from accounts.models import User
from courses.models import CompetenceDomain, CoursePage, LessonPage
from quizzes.models import QuizPage

from .courses_helpers import catalogue


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser(phone="0900000001", password="x", full_name="Quản trị")
    client.force_login(admin)
    return client


def add_url(model, parent):
    return reverse(
        "wagtailadmin_pages:add", args=(model._meta.app_label, model._meta.model_name, parent.pk)
    )


def choice(text, correct=False):
    return {"text": text, "is_correct": correct}


def question(text, kind, choices):
    return {
        "text": text,
        "kind": kind,
        "explanation": f"Vì sao: {text}",
        "choices": inline_formset(choices),
    }


def quiz_form(questions):
    return nested_form_data(
        {
            "title": "Bài kiểm tra",
            "slug": "bai-kiem-tra",
            "intro": rich_text(""),
            "pass_mark": 70,
            "questions_per_attempt": 3,
            "max_attempts_per_day": 3,
            "answer_reveal": "after_pass",
            "questions": inline_formset(questions),
            "action-publish": "publish",
        }
    )


def test_admin_creates_a_course_with_two_lessons_and_a_three_question_quiz(admin_client):
    index = catalogue()
    form = nested_form_data(
        {
            "title": "Gọi video cho con cháu",
            "slug": "goi-video",
            "summary": "Gọi video bằng Zalo.",
            "estimated_minutes": 15,
            "level": "beginner",
            "audience": "citizens",
            "action-publish": "publish",
        }
    )
    form["competence_domains"] = [CompetenceDomain.objects.get(number=2).pk]
    response = admin_client.post(add_url(CoursePage, index), form)
    assert response.status_code == 302, response.context["form"].errors
    course = CoursePage.objects.get(slug="goi-video")
    assert course.live and [d.number for d in course.competence_domains.all()] == [2]

    for n in (1, 2):
        response = admin_client.post(
            add_url(LessonPage, course),
            nested_form_data(
                {
                    "title": f"Bài {n}",
                    "slug": f"bai-{n}",
                    "summary": "",
                    "body": streamfield(
                        [
                            ("heading", "Mở Zalo"),
                            ("paragraph", rich_text("<p>Chạm vào biểu tượng Zalo.</p>")),
                            (
                                "callout",
                                {"kind": "tip", "text": rich_text("<p>Bật loa ngoài.</p>")},
                            ),
                        ]
                    ),
                    "action-publish": "publish",
                }
            ),
        )
        assert response.status_code == 302, response.context["form"].errors

    response = admin_client.post(
        add_url(QuizPage, course),
        quiz_form(
            [
                question(
                    "Zalo là gì?", "single", [choice("Ứng dụng nhắn tin", True), choice("Trò chơi")]
                ),
                question(
                    "Chọn các cách gọi",
                    "multiple",
                    [choice("Gọi thoại", True), choice("Gọi video", True), choice("Gửi thư tay")],
                ),
                question(
                    "Gọi video tốn dữ liệu", "true_false", [choice("Đúng", True), choice("Sai")]
                ),
            ]
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    quiz = QuizPage.objects.get(slug="bai-kiem-tra")
    assert quiz.live and quiz.questions.count() == 3
    assert [c.text for c in quiz.questions.get(kind="multiple").choices.all()] == [
        "Gọi thoại",
        "Gọi video",
        "Gửi thư tay",
    ]
    course.refresh_from_db()
    assert [p.specific_class for p in course.get_children().live()] == [
        LessonPage,
        LessonPage,
        QuizPage,
    ]


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([question("Một lựa chọn", "single", [choice("Chỉ một", True)])], "ít nhất hai lựa chọn"),
        (
            [question("Không có đúng", "single", [choice("A"), choice("B")])],
            "ít nhất một lựa chọn đúng",
        ),
        (
            [question("Hai đúng", "single", [choice("A", True), choice("B", True)])],
            "chỉ được có đúng một lựa chọn đúng",
        ),
        (
            [
                question(
                    "Ba lựa chọn",
                    "true_false",
                    [choice("Đúng", True), choice("Sai"), choice("Có thể")],
                )
            ],
            "phải có đúng hai lựa chọn",
        ),
    ],
)
def test_admin_refuses_unanswerable_questions(admin_client, questions, message):
    index = catalogue()
    course = CoursePage(title="Khóa", slug="khoa", summary="x")
    index.add_child(instance=course)
    response = admin_client.post(add_url(QuizPage, course), quiz_form(questions))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not QuizPage.objects.exists()


def test_page_tree_rules_keep_lessons_inside_courses(admin_client):
    index = catalogue()
    home = Page.objects.get(depth=2)
    assert not LessonPage.can_create_at(index) and not QuizPage.can_create_at(home)
    response = admin_client.get(add_url(LessonPage, index))
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert not LessonPage.objects.exists()


def test_editor_previews_a_quiz_with_its_answers(admin_client):
    from .courses_helpers import make_course, quiz_page

    course = make_course(lessons=1, quiz=quiz_page(questions=2))
    quiz = QuizPage.objects.child_of(course).get()
    response = quiz.make_preview_request()
    assert response.status_code == 200
    html = response.content.decode()
    assert "Câu hỏi số 1?" in html and "✓ Đúng 1" in html


def test_item_analysis_shows_share_correct_and_the_most_chosen_wrong_answer(
    admin_client, client, learner
):
    from quizzes.models import QuizAttempt
    from quizzes.selectors import quiz_item_analysis

    from .courses_helpers import correct_answers, make_course, quiz_page, wrong_answers

    course = make_course(lessons=0, quiz=quiz_page(questions=2, per_attempt=2))
    quiz = QuizPage.objects.child_of(course).get()
    learner_client = client.__class__()
    learner_client.force_login(learner)
    for answers in (wrong_answers, wrong_answers, correct_answers):
        learner_client.post(reverse("learning:quiz_start", args=[quiz.pk]))
        attempt = QuizAttempt.objects.get(user=learner, status="open")
        learner_client.post(reverse("learning:quiz_attempt", args=[attempt.pk]), answers(attempt))

    rows = {row.text: row for row in quiz_item_analysis(quiz=quiz)}
    first = rows["Câu hỏi số 1?"]
    assert (first.answers, first.correct, first.percent_correct) == (3, 1, 33)
    assert (first.top_wrong_choice, first.top_wrong_times) == ("Sai 1", 2)

    html = admin_client.get(reverse("quiz_reports:items", args=[quiz.pk])).content.decode()
    assert "Câu hỏi số 1?" in html and "33" in html and "Sai 1" in html
    overview = admin_client.get(reverse("quiz_reports:index")).content.decode()
    assert quiz.title in overview
    export = admin_client.get(reverse("quiz_reports:items", args=[quiz.pk]), {"export": "csv"})
    assert export.status_code == 200
    body = (
        b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    )
    assert "Lựa chọn sai được chọn nhiều nhất" in body and "Sai 1" in body
