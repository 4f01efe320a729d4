"""Quizzes keep their worth: a failed attempt does not hand out the pool's answer key.

By default a failed attempt shows which answers were wrong and the explanations, never the
correct choice; a pass, or the attempt that used up the day's attempts, shows everything.
Editors choose another rule per quiz in the Wagtail admin.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from accounts.models import User
from quizzes.models import AnswerReveal, Choice, Question, QuizAttempt, QuizPage
from quizzes.scoring import reveals_correct_answers

from .courses_helpers import make_course


def pool_quiz(**fields) -> QuizPage:
    """Four single-answer questions whose choice texts appear nowhere else on a page."""
    return QuizPage(
        title="Kiểm tra an toàn",
        slug="kiem-tra",
        pass_mark=75,
        questions_per_attempt=4,
        max_attempts_per_day=3,
        questions=[
            Question(
                text=f"Tình huống {n}: làm gì?",
                kind="single",
                explanation=f"Lời giải thích tình huống {n}.",
                choices=[
                    Choice(text=f"Cách làm an toàn {n}", is_correct=True),
                    Choice(text=f"Cách làm rủi ro {n}", is_correct=False),
                    Choice(text=f"Cách làm liều lĩnh {n}", is_correct=False),
                ],
            )
            for n in range(1, 5)
        ],
        **fields,
    )


@pytest.fixture
def quiz(db):
    course = make_course(lessons=0, quiz=pool_quiz(), slug="an-toan")
    return QuizPage.objects.child_of(course).get()


def take(client, quiz, *, right: set[int]) -> str:
    """Start and submit an attempt, answering right the questions numbered in `right`
    (by question text) and the "rủi ro" choice elsewhere; return the result page."""
    client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(quiz=quiz, status="open")
    answers = {}
    for question in attempt.snapshot["questions"]:
        number = int(question["text"].split()[2].rstrip(":"))
        wanted = f"Cách làm an toàn {number}" if number in right else f"Cách làm rủi ro {number}"
        choice = next(c for c in question["choices"] if c["text"] == wanted)
        answers[question["key"]] = [str(choice["id"])]
    client.post(reverse("learning:quiz_attempt", args=[attempt.pk]), answers)
    return client.get(reverse("learning:quiz_result", args=[attempt.pk])).content.decode()


def test_a_failed_attempt_marks_wrong_answers_and_explains_without_the_correct_choice(
    client, learner, quiz
):
    client.force_login(learner)
    html = take(client, quiz, right={1})
    assert "Chưa đạt" in html
    # question 1 answered right: the learner's own (correct) answer is shown as theirs
    assert "Cách làm an toàn 1" in html
    for n in (2, 3, 4):
        assert f"Tình huống {n}: làm gì?" in html
        assert f"Cách làm rủi ro {n}" in html  # what the learner chose, marked wrong
        assert f"Lời giải thích tình huống {n}." in html
        assert f"Cách làm an toàn {n}" not in html  # the correct choice stays hidden
        assert f"Cách làm liều lĩnh {n}" not in html  # and the other choices too
    assert "đáp án đúng" not in html


def test_a_pass_shows_every_correct_choice(client, learner, quiz):
    client.force_login(learner)
    html = take(client, quiz, right={1, 2, 3})
    assert "Đạt" in html and "Chưa đạt" not in html
    assert "Cách làm an toàn 4" in html and "✓ đáp án đúng" in html


def test_three_fails_in_a_day_reveal_only_the_last_attempt(client, learner, quiz):
    client.force_login(learner)
    first = take(client, quiz, right=set())
    take(client, quiz, right=set())
    last = take(client, quiz, right=set())
    assert "Cách làm an toàn" not in first
    assert "hết số lượt làm bài hôm nay" in last
    assert all(f"Cách làm an toàn {n}" in last for n in range(1, 5))
    # looking back at the first attempt later still hides its answers
    attempts = QuizAttempt.objects.filter(quiz=quiz).order_by("submitted_at")
    again = client.get(reverse("learning:quiz_result", args=[attempts[0].pk])).content.decode()
    assert "Cách làm an toàn" not in again


@pytest.mark.parametrize(
    ("policy", "passed", "last", "reveals"),
    [
        (AnswerReveal.AFTER_PASS, False, False, False),
        (AnswerReveal.AFTER_PASS, False, True, True),
        (AnswerReveal.AFTER_PASS, True, False, True),
        (AnswerReveal.ALWAYS, False, False, True),
        (AnswerReveal.NEVER, True, True, False),
    ],
)
def test_reveal_rule(policy, passed, last, reveals):
    assert reveals_correct_answers(policy=policy, passed=passed, was_last_attempt=last) is reveals


@pytest.fixture
def editor_client(client, db):
    editor = User.objects.create_user(phone="0913000003", password="x", full_name="Biên Tập")
    editor.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))
    client.force_login(editor)
    return client


def edit_form(quiz: QuizPage, reveal: str) -> dict:
    questions = [
        {
            "id": question.pk,
            "text": question.text,
            "kind": question.kind,
            "explanation": question.explanation,
            "choices": inline_formset(
                [
                    {"id": c.pk, "text": c.text, "is_correct": "on" if c.is_correct else ""}
                    for c in question.choices.all()
                ],
                initial=question.choices.count(),
            ),
        }
        for question in quiz.questions.all()
    ]
    return nested_form_data(
        {
            "title": quiz.title,
            "slug": quiz.slug,
            "intro": rich_text(""),
            "pass_mark": quiz.pass_mark,
            "questions_per_attempt": quiz.questions_per_attempt,
            "max_attempts_per_day": quiz.max_attempts_per_day,
            "answer_reveal": reveal,
            "questions": inline_formset(questions, initial=len(questions)),
            "action-publish": "publish",
        }
    )


def test_an_editor_chooses_to_always_or_never_show_the_correct_answers(
    editor_client, learner, quiz
):
    edit_url = reverse("wagtailadmin_pages:edit", args=[quiz.pk])
    page = editor_client.get(edit_url).content.decode()
    assert 'name="answer_reveal"' in page and "Luôn hiện đáp án đúng" in page

    response = editor_client.post(edit_url, edit_form(quiz, AnswerReveal.ALWAYS))
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert quiz.answer_reveal == AnswerReveal.ALWAYS
    learner_client = Client()
    learner_client.force_login(learner)
    failed = take(learner_client, quiz, right=set())
    assert "Chưa đạt" in failed and "Cách làm an toàn 2" in failed

    response = editor_client.post(edit_url, edit_form(quiz, AnswerReveal.NEVER))
    assert response.status_code == 302
    quiz.refresh_from_db()
    passed = take(learner_client, quiz, right={1, 2, 3, 4})
    assert "Đạt" in passed and "Lời giải thích tình huống 2." in passed
    assert "✓ đáp án đúng" not in passed
    assert "Cách làm liều lĩnh 2" not in passed
