"""Demo content: the seven courses of VIETNAM.md, demo people in a few wards, some progress.

Idempotent: a course whose slug exists is left as editors made it; people are
matched by phone number.
"""

import json
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import Page

from accounts import services as account_services
from accounts.models import Role, User, Ward
from accounts.phone import normalize_phone
from certificates.admin_views import OFFICERS_GROUP
from courses import services as course_services
from courses.models import BasicSkill, CompetenceDomain, CourseIndexPage, CoursePage, LessonPage
from learning import services as learning_services
from learning.models import HomePage
from quizzes.models import Choice, Question, QuizPage

COURSES_DIR = Path(__file__).parent / "courses"
DEMO_PASSWORD = "hocvuso-demo-2026"

# (phone, name, birth year, ward name, province code, lessons done in course 1 / course 4)
DEMO_LEARNERS = [
    ("0912000001", "Nguyễn Thị Lan", 1958, "Phường Sài Gòn", 79, 4, 1),
    ("0912000002", "Trần Văn Hùng", 1964, "Phường Sài Gòn", 79, 2, 0),
    ("0912000003", "Lê Thị Mai", 1971, "Phường Tân Định", 79, 1, 3),
    ("0912000004", "Phạm Văn Nam", 1955, "Phường Ba Đình", 1, 3, 0),
    ("0912000005", "Hoàng Thị Thu", 1980, "Phường Ba Đình", 1, 0, 2),
    ("0912000006", "Đỗ Minh Tuấn", 1949, "Phường Ngọc Hà", 1, 1, 0),
]
DEMO_WARD_CADRE = ("0913000001", "Võ Thị Hạnh", "Phường Sài Gòn", 79)
DEMO_PROVINCE_CADRE = ("0913000002", "Bùi Quốc Khánh", 79)
DEMO_EDITOR = ("0913000003", "Ngô Thanh Bình")
DEMO_CERTIFICATE_OFFICER = ("0913000004", "Trịnh Thu Hà")


def _publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def catalogue_page() -> CourseIndexPage:
    """The "Khóa học" catalogue under the home page, created once."""
    existing = CourseIndexPage.objects.order_by("path").first()
    if existing:
        return existing
    home = HomePage.objects.first() or Page.get_first_root_node()
    return _publish(
        home,
        CourseIndexPage(
            title="Khóa học",
            slug="khoa-hoc",
            intro="<p>Chọn một khóa học. Mỗi bài chỉ vài phút, học trên điện thoại.</p>",
        ),
    )


def _quiz_page(spec: dict) -> QuizPage:
    return QuizPage(
        title=spec["title"],
        slug=spec["slug"],
        intro=f"<p>{spec['intro']}</p>",
        pass_mark=spec["pass_mark"],
        questions_per_attempt=spec["questions_per_attempt"],
        max_attempts_per_day=spec["max_attempts_per_day"],
        questions=[
            Question(
                text=question["text"],
                kind=question["kind"],
                explanation=question["explanation"],
                choices=[
                    Choice(text=c["text"], is_correct=c["correct"]) for c in question["choices"]
                ],
            )
            for question in spec["questions"]
        ],
    )


@transaction.atomic
def course_create(index: CourseIndexPage, spec: dict) -> tuple[CoursePage, bool]:
    """Create and publish a course with its lessons and quiz; (course, created)."""
    if existing := CoursePage.objects.child_of(index).filter(slug=spec["slug"]).first():
        return existing.specific, False
    course = CoursePage(
        title=spec["title"],
        slug=spec["slug"],
        summary=spec["summary"],
        estimated_minutes=spec["estimated_minutes"],
        level=spec["level"],
        audience=spec["audience"],
    )
    course.competence_domains = list(
        CompetenceDomain.objects.filter(number__in=spec["competence_domains"])
    )
    course.basic_skills = list(BasicSkill.objects.filter(key__in=spec["basic_skills"]))
    _publish(index, course)
    for lesson in spec["lessons"]:
        _publish(
            course,
            LessonPage(
                title=lesson["title"],
                slug=lesson["slug"],
                summary=lesson.get("summary", ""),
                body=lesson["body"],
            ),
        )
    _publish(course, _quiz_page(spec["quiz"]))
    return course, True


def _ward(name: str, province_code: int) -> Ward:
    return Ward.objects.get(name=name, province__code=province_code)


def _person(phone: str, name: str, ward: Ward, birth_year: int | None = None) -> tuple[User, bool]:
    if user := User.objects.filter(phone=normalize_phone(phone)).first():
        return user, False
    user = account_services.user_register(
        phone=phone, full_name=name, password=DEMO_PASSWORD, ward=ward, birth_year=birth_year
    )
    return user, True


def people_create(courses: list[CoursePage]) -> list[str]:
    """Demo learners with partial progress, two cadres, an editor, a certificate officer."""
    lines = []
    for phone, name, year, ward_name, province, done_first, done_fourth in DEMO_LEARNERS:
        user, created = _person(phone, name, _ward(ward_name, province), year)
        if created:
            for course, lessons_done in ((courses[0], done_first), (courses[3], done_fourth)):
                if lessons_done:
                    course_services.enrollment_start(user=user, course=course)
                    for lesson in (
                        LessonPage.objects.live().child_of(course).order_by("path")[:lessons_done]
                    ):
                        learning_services.lesson_complete(user=user, lesson=lesson)
    lines.append(f"learners: {', '.join(p[0] for p in DEMO_LEARNERS)}")

    phone, name, ward_name, province = DEMO_WARD_CADRE
    ward = _ward(ward_name, province)
    cadre, _created = _person(phone, name, ward)
    User.objects.filter(pk=cadre.pk).update(role=Role.WARD_CADRE)
    cadre.managed_wards.add(ward)
    lines.append(f"ward cadre ({ward_name}): {phone}")

    phone, name, province = DEMO_PROVINCE_CADRE
    cadre, _created = _person(phone, name, _ward("Phường Sài Gòn", province))
    User.objects.filter(pk=cadre.pk).update(
        role=Role.PROVINCE_CADRE, managed_province=ward.province
    )
    lines.append(f"province cadre ({ward.province.name}): {phone}")

    phone, name = DEMO_EDITOR
    editor, _created = _person(phone, name, ward)
    User.objects.filter(pk=editor.pk).update(is_staff=False)
    editor.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))
    lines.append(f"editor (Wagtail admin): {phone}")

    phone, name = DEMO_CERTIFICATE_OFFICER
    officer, _created = _person(phone, name, ward)
    officer.groups.add(*Group.objects.filter(name=OFFICERS_GROUP))
    lines.append(f"certificate officer (Wagtail admin, {OFFICERS_GROUP}): {phone}")
    lines.append(f"password for all demo people: {DEMO_PASSWORD}")
    return lines


def seed_demo() -> list[str]:
    """Load every course file and the demo people; returns lines to print."""
    index = catalogue_page()
    courses, lines = [], []
    for path in sorted(COURSES_DIR.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        course, created = course_create(index, spec)
        courses.append(course)
        lines.append(f"{'created' if created else 'kept'}: {course.title}")
    if len(courses) >= 4:
        lines += people_create(courses)
    return lines
