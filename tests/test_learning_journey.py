"""A learner goes through a course: enrol, read lessons, take the quiz, complete."""

import functools

import pytest
from django.urls import reverse

from accounts.models import Notice
from courses.models import Enrollment, StepProgress
from quizzes.models import AttemptAnswer, QuizAttempt

from .courses_helpers import correct_answers, make_course, quiz_page, wrong_answers


@pytest.fixture
def course(db):
    return make_course(lessons=2, quiz=quiz_page(questions=4, per_attempt=3, per_day=3))


def steps(course):
    return list(course.get_children().live().specific().order_by("path"))


def test_anonymous_visitor_reads_the_outline_and_is_asked_to_sign_up(client, course):
    page = client.get(course.url).content.decode()
    assert "Bài 1" in page and "Bài 2" in page and "Bài kiểm tra" in page
    assert reverse("accounts:signup") in page
    response = client.post(reverse("learning:course_start", args=[course.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_start_enrols_once_and_goes_to_the_first_unfinished_step(client, learner, course):
    client.force_login(learner)
    first, second, quiz = steps(course)
    response = client.post(reverse("learning:course_start", args=[course.pk]))
    assert response["Location"] == first.url
    client.post(reverse("learning:course_start", args=[course.pk]))
    assert Enrollment.objects.filter(user=learner, course=course).count() == 1
    page = client.get(course.url).content.decode()
    assert "Học tiếp" in page and "0%" in page


def test_complete_every_step_and_the_course_completes_in_the_same_transaction(
    client, learner, course, requests_commit
):
    client.force_login(learner)
    first, second, quiz = steps(course)
    client.post(reverse("learning:course_start", args=[course.pk]))
    response = client.post(reverse("learning:lesson_complete", args=[first.pk]))
    assert response["Location"] == second.url
    response = client.post(reverse("learning:lesson_complete", args=[second.pk]))
    assert response["Location"] == quiz.url
    assert "67%" in client.get(course.url).content.decode()

    response = client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(user=learner)
    assert response["Location"] == reverse("learning:quiz_attempt", args=[attempt.pk])
    response = client.post(
        reverse("learning:quiz_attempt", args=[attempt.pk]), correct_answers(attempt)
    )
    assert response["Location"] == reverse("learning:quiz_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.passed and attempt.score_percent == 100
    enrollment = Enrollment.objects.get(user=learner, course=course)
    assert enrollment.completed_at is not None
    assert Notice.objects.filter(user=learner, kind="course_completed").exists()
    page = client.get(course.url).content.decode()
    assert "100%" in page and "Bạn đã hoàn thành khóa học này" in page
    mine = client.get(reverse("learning:my_learning")).content.decode()
    assert "Đã hoàn thành" in mine and course.title in mine


def test_quiz_page_source_never_holds_the_answers(client, learner, course):
    client.force_login(learner)
    *_lessons, quiz = steps(course)
    client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(user=learner)
    html = client.get(reverse("learning:quiz_attempt", args=[attempt.pk])).content.decode()
    assert "Câu hỏi số" in html
    assert "correct" not in html.lower() and "Giải thích" not in html and "is_correct" not in html
    # the quiz's own page does not list questions to learners either
    assert "Câu hỏi số" not in client.get(quiz.url).content.decode()


def test_fail_see_explanations_retry_until_the_daily_limit(client, learner, course):
    client.force_login(learner)
    *_lessons, quiz = steps(course)
    for attempt_number in range(3):
        client.post(reverse("learning:quiz_start", args=[quiz.pk]))
        attempt = QuizAttempt.objects.get(user=learner, status="open")
        client.post(reverse("learning:quiz_attempt", args=[attempt.pk]), wrong_answers(attempt))
        result = client.get(reverse("learning:quiz_result", args=[attempt.pk])).content.decode()
        assert "Chưa đạt" in result and "Giải thích câu" in result
        # the correct choices only on the attempt that uses up the day's attempts
        assert ("đáp án đúng" in result) == (attempt_number == 2)
    assert "Làm lại" not in result and "hết số lượt làm bài hôm nay" in result
    response = client.post(reverse("learning:quiz_start", args=[quiz.pk]), follow=True)
    assert "hết số lượt làm bài hôm nay" in response.content.decode()
    assert QuizAttempt.objects.filter(user=learner).count() == 3
    assert not StepProgress.objects.filter(step=quiz).exists()


def test_an_attempt_opened_before_the_limit_cannot_be_submitted_after_it(client, learner, course):
    client.force_login(learner)
    *_lessons, quiz = steps(course)
    client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    spare = QuizAttempt.objects.get(user=learner, status="open")
    # three submissions made elsewhere today
    for _n in range(3):
        QuizAttempt.objects.create(
            user=learner,
            quiz=quiz,
            snapshot=spare.snapshot,
            question_count=3,
            status="submitted",
            submitted_at=spare.started_at,
            score_percent=0,
            passed=False,
        )
    response = client.post(
        reverse("learning:quiz_attempt", args=[spare.pk]), correct_answers(spare), follow=True
    )
    assert "hết số lượt làm bài hôm nay" in response.content.decode()
    spare.refresh_from_db()
    assert spare.status == "open" and spare.score_percent is None


@pytest.mark.parametrize(
    "forge",
    [
        lambda attempt, ok: {**ok, "q77": ok["q1"]},  # a question not drawn
        lambda attempt, ok: {**ok, "q1": ok["q2"]},  # a choice from another question
        lambda attempt, ok: {**ok, "q1": ok["q1"] * 2},  # duplicated field
        lambda attempt, ok: {**ok, "q1": ["999999"]},  # unknown choice id
        lambda attempt, ok: {**ok, "q1": ["<script>"]},
    ],
)
def test_forged_quiz_posts_record_no_score(client, learner, course, forge):
    client.force_login(learner)
    *_lessons, quiz = steps(course)
    client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(user=learner)
    response = client.post(
        reverse("learning:quiz_attempt", args=[attempt.pk]),
        forge(attempt, correct_answers(attempt)),
        follow=True,
    )
    assert response.status_code == 200
    assert "không khớp với đề đã phát" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "open" and attempt.score_percent is None
    assert not AttemptAnswer.objects.exists()


def test_missing_answers_keep_what_was_chosen(client, learner, course):
    client.force_login(learner)
    *_lessons, quiz = steps(course)
    client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(user=learner)
    answers = correct_answers(attempt)
    del answers["q2"]
    response = client.post(reverse("learning:quiz_attempt", args=[attempt.pk]), answers)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bạn chưa trả lời câu này" in html
    assert f'value="{answers["q1"][0]}" checked' in html
    attempt.refresh_from_db()
    assert attempt.status == "open"


def test_a_replayed_submission_changes_nothing(client, learner, course):
    client.force_login(learner)
    *_lessons, quiz = steps(course)
    client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(user=learner)
    client.post(reverse("learning:quiz_attempt", args=[attempt.pk]), wrong_answers(attempt))
    response = client.post(
        reverse("learning:quiz_attempt", args=[attempt.pk]), correct_answers(attempt), follow=True
    )
    assert "đã được nộp rồi" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.score_percent == 0 and not attempt.passed


def test_someone_elses_attempt_is_404(client, learner, course, units):
    from accounts import services

    other = services.user_register(
        phone="0977000111",
        full_name="Người khác",
        password="x-y-z-123456",
        ward=units["Phường Ba Đình"],
    )
    client.force_login(learner)
    *_lessons, quiz = steps(course)
    client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(user=learner)
    client.force_login(other)
    assert client.get(reverse("learning:quiz_attempt", args=[attempt.pk])).status_code == 404
    assert (
        client.post(
            reverse("learning:quiz_attempt", args=[attempt.pk]), correct_answers(attempt)
        ).status_code
        == 404
    )
    assert client.get(reverse("learning:quiz_result", args=[attempt.pk])).status_code == 404


def test_completing_without_enrolment_or_an_unpublished_step_is_refused(client, learner, course):
    client.force_login(learner)
    first, second, _quiz = steps(course)
    assert client.post(reverse("learning:lesson_complete", args=[first.pk])).status_code == 403
    client.post(reverse("learning:course_start", args=[course.pk]))
    second.unpublish()
    assert client.post(reverse("learning:lesson_complete", args=[second.pk])).status_code == 404
    assert client.post(reverse("learning:lesson_complete", args=[999999])).status_code == 404
    assert client.get(reverse("learning:lesson_complete", args=[first.pk])).status_code == 405
    assert not StepProgress.objects.exists()


def test_the_same_step_completed_twice_is_recorded_once(client, learner, course):
    client.force_login(learner)
    first, *_rest = steps(course)
    client.post(reverse("learning:course_start", args=[course.pk]))
    client.post(reverse("learning:lesson_complete", args=[first.pk]))
    client.post(reverse("learning:lesson_complete", args=[first.pk]))
    assert StepProgress.objects.filter(step=first).count() == 1


def test_the_database_refuses_a_second_progress_row(learner, course):
    from django.db import IntegrityError, transaction

    first, *_rest = steps(course)
    enrollment = Enrollment.objects.create(user=learner, course=course)
    StepProgress.objects.create(enrollment=enrollment, step=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        StepProgress.objects.create(enrollment=enrollment, step=first)


def test_a_quiz_question_pool_is_drawn_per_attempt(client, learner, db):
    course = make_course(lessons=0, quiz=quiz_page(questions=10, per_attempt=4), slug="ngan-hang")
    quiz = course.get_children().live().specific().get()
    client.force_login(learner)
    drawn = set()
    for _n in range(3):
        client.post(reverse("learning:quiz_start", args=[quiz.pk]))
        attempt = QuizAttempt.objects.get(user=learner, status="open")
        assert attempt.question_count == 4
        drawn |= {q["question_id"] for q in attempt.snapshot["questions"]}
        client.post(reverse("learning:quiz_attempt", args=[attempt.pk]), wrong_answers(attempt))
    assert len(drawn) > 4


def test_editing_a_quiz_later_does_not_change_a_past_result(client, learner, course):
    client.force_login(learner)
    *_lessons, quiz = steps(course)
    client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(user=learner)
    client.post(reverse("learning:quiz_attempt", args=[attempt.pk]), correct_answers(attempt))
    quiz.questions.all().delete()
    html = client.get(reverse("learning:quiz_result", args=[attempt.pk])).content.decode()
    assert "Câu hỏi số" in html and "100%" in html


def test_catalogue_cards_count_the_steps_and_show_progress(client, learner, course):
    page = client.get(course.get_parent().url).content.decode()
    assert "3 bước" in page and course.title in page
    client.force_login(learner)
    first, *_rest = steps(course)
    client.post(reverse("learning:course_start", args=[course.pk]))
    client.post(reverse("learning:lesson_complete", args=[first.pk]))
    page = client.get(course.get_parent().url).content.decode()
    assert "Đã học 33%" in page


def test_a_republished_lesson_shows_its_new_text_and_previews_are_never_cached(
    client, learner, course
):
    first, *_rest = steps(course)
    assert "Mở khóa màn hình" in client.get(first.url).content.decode()
    first.body = [{"type": "heading", "value": "Tiêu đề đã sửa"}]
    first.save_revision().publish()
    assert "Tiêu đề đã sửa" in client.get(first.url).content.decode()
    first.body = [{"type": "heading", "value": "Bản nháp chưa đăng"}]
    first.save_revision()
    draft = first.get_latest_revision_as_object()
    assert "Bản nháp chưa đăng" in draft.make_preview_request().content.decode()
    assert "Bản nháp chưa đăng" not in client.get(first.url).content.decode()


def test_outlines_follow_publishing_unpublishing_moving_and_deleting(
    client, course, django_capture_on_commit_callbacks
):
    from courses.models import LessonPage

    committed = functools.partial(django_capture_on_commit_callbacks, execute=True)
    first, second, quiz = steps(course)
    assert "Bài 2" in client.get(first.url).content.decode()
    with committed():
        second.unpublish()
    assert "Bài 2" not in client.get(first.url).content.decode()
    assert "Bài 2" not in client.get(course.url).content.decode()
    with committed():
        second.save_revision().publish()
    assert "Bài 2" in client.get(course.url).content.decode()
    new = LessonPage(title="Bài mới thêm", slug="bai-moi", body=[])
    course.refresh_from_db()
    course.add_child(instance=new)
    with committed():
        new.save_revision().publish()
    assert "Bài mới thêm" in client.get(course.url).content.decode()
    assert "4 bước" in client.get(first.url).content.decode()
    with committed():
        new.move(first, pos="left")  # now the first step
    assert "Bài mới thêm" in client.get(first.url).content.decode()  # as its "previous" link
    with committed():
        LessonPage.objects.get(pk=new.pk).delete()
    assert "Bài mới thêm" not in client.get(course.url).content.decode()
    assert "3 bước" in client.get(first.url).content.decode()


def test_cached_progress_follows_every_step_the_learner_takes(
    client, learner, course, requests_commit
):
    client.force_login(learner)
    first, second, _quiz = steps(course)
    assert "0%" not in client.get(course.url).content.decode()  # not enrolled: no bar
    client.post(reverse("learning:course_start", args=[course.pk]))
    assert "Đã học 0%" in client.get(course.url).content.decode()
    assert "Hoàn thành và tiếp tục" in client.get(first.url).content.decode()
    client.post(reverse("learning:lesson_complete", args=[first.pk]))
    assert "Đã học 33%" in client.get(course.url).content.decode()
    assert "Bạn đã học xong bài này" in client.get(first.url).content.decode()
