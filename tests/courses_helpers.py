"""Building real course trees for tests (through Wagtail's page API, as editors would)."""

from wagtail.models import Page

from courses.models import CourseIndexPage, CoursePage, LessonPage
from learning.models import HomePage
from quizzes.models import Choice, Question, QuizPage

LESSON_BODY = [
    {"type": "heading", "value": "Mở khóa màn hình"},
    {"type": "paragraph", "value": "<p>Nhấn nút nguồn ở cạnh phải điện thoại.</p>"},
    {
        "type": "steps",
        "value": [{"text": "<p>Vuốt từ dưới lên.</p>"}, {"text": "<p>Nhập mã PIN.</p>"}],
    },
    {
        "type": "callout",
        "value": {"kind": "warning", "text": "<p>Không cho người lạ biết mã PIN.</p>"},
    },
    {
        "type": "check",
        "value": {
            "question": "Có nên cho người lạ biết mã PIN?",
            "choices": [{"text": "Không", "correct": True}, {"text": "Có", "correct": False}],
            "explanation": "Mã PIN bảo vệ điện thoại của bạn.",
        },
    },
]


def publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def catalogue() -> CourseIndexPage:
    existing = CourseIndexPage.objects.first()
    if existing:
        return existing
    return publish(HomePage.objects.get(), CourseIndexPage(title="Khóa học", slug="khoa-hoc"))


def quiz_page(
    *, questions: int = 3, per_attempt: int = 3, pass_mark: int = 70, per_day: int = 3
) -> QuizPage:
    return QuizPage(
        title="Bài kiểm tra",
        slug="bai-kiem-tra",
        pass_mark=pass_mark,
        questions_per_attempt=per_attempt,
        max_attempts_per_day=per_day,
        questions=[
            Question(
                text=f"Câu hỏi số {n}?",
                kind="single",
                explanation=f"Giải thích câu {n}.",
                choices=[
                    Choice(text=f"Đúng {n}", is_correct=True),
                    Choice(text=f"Sai {n}", is_correct=False),
                ],
            )
            for n in range(1, questions + 1)
        ],
    )


def make_course(
    *, lessons: int = 2, quiz: QuizPage | None = None, slug: str = "lam-quen"
) -> CoursePage:
    course = publish(
        catalogue(),
        CoursePage(
            title=f"Khóa {slug}", slug=slug, summary="Tóm tắt khóa học.", estimated_minutes=20
        ),
    )
    for n in range(1, lessons + 1):
        publish(course, LessonPage(title=f"Bài {n}", slug=f"bai-{n}", body=LESSON_BODY))
    if quiz is not None:
        publish(course, quiz)
    return course


def correct_answers(attempt) -> dict[str, list[str]]:
    return {
        q["key"]: [str(c["id"]) for c in q["choices"] if c["correct"]]
        for q in attempt.snapshot["questions"]
    }


def wrong_answers(attempt) -> dict[str, list[str]]:
    return {
        q["key"]: [str(next(c["id"] for c in q["choices"] if not c["correct"]))]
        for q in attempt.snapshot["questions"]
    }
