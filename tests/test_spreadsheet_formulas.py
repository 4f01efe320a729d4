"""Every spreadsheet the project exports keeps text as text (no CSV/formula injection).

A learner may call themselves `=HYPERLINK("http://x","y") Nguyễn`, an editor may title a
course or a question "=1+2 ...": opened in Excel or LibreOffice, such a CSV cell would run
as a formula. Every export goes through `accounts.spreadsheets.formula_safe`: such text
gets a leading apostrophe, and in XLSX it is a string cell, never a formula.
"""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.spreadsheets import FORMULA_START, formula_safe
from certificates.models import Certificate
from courses.models import CoursePage
from quizzes.models import Question, QuizPage
from training.assignments import assignments_create

from .courses_helpers import make_course, quiz_page
from .training_helpers import PASSWORD, make_cadre, start

HOSTILE_NAME = '=HYPERLINK("http://x","y") Nguyễn'
HOSTILE_TITLE = "=1+2 Khóa học"


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def csv_cells(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def xlsx_cells(response) -> list:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    return [cell for row in sheet.iter_rows() for cell in row]


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell


@pytest.mark.parametrize(
    "value, safe",
    [
        ("=1+2", "'=1+2"),
        ("+84912", "'+84912"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Nguyễn =1", "Nguyễn =1"),
        (-1.5, -1.5),  # a number stays a number
        (None, None),
    ],
)
def test_formula_safe(value, safe):
    assert formula_safe(value) == safe


@pytest.fixture
def world(units):
    """A learner with a hostile name holding a certificate of a course with a hostile title,
    assigned to the learner's ward; a quiz with a hostile question; who may export each."""
    ward = units["Phường Sài Gòn"]
    course = make_course(lessons=1, slug="dung-vneid")
    CoursePage.objects.filter(pk=course.pk).update(title=HOSTILE_TITLE)
    course.refresh_from_db()
    learner = User.objects.create_user(
        phone="0978555123", password=PASSWORD, full_name=HOSTILE_NAME, ward=ward
    )
    start([learner], course, completed_days_ago=1, certificate=True)
    superuser = User.objects.create_superuser(
        phone="0900000001", password=PASSWORD, full_name="Quản trị"
    )
    assignments_create(
        cadre=superuser,
        courses=[course],
        wards=[ward],
        due_date=timezone.localdate() + timedelta(days=10),
    )
    quiz_course = make_course(lessons=0, quiz=quiz_page(questions=1), slug="bai-thi")
    quiz = QuizPage.objects.child_of(quiz_course).get()
    Question.objects.filter(page=quiz).update(text="=1+2 câu hỏi?")
    officer = User.objects.create_user(phone="0900000004", password=PASSWORD, full_name="Cán bộ")
    officer.groups.add(Group.objects.get(name="Cán bộ quản lý chứng nhận"))
    editor = User.objects.create_user(phone="0900000002", password=PASSWORD, full_name="Biên tập")
    editor.groups.add(Group.objects.get(name="Editors"))
    return {
        "ward": ward,
        "hcm": units["hcm"],
        "quiz": quiz,
        "officer": officer,
        "editor": editor,
        "cadre": make_cadre("0913000101", wards=[ward]),
        "province_cadre": make_cadre("0913000103", province=units["hcm"]),
    }


def test_certificate_list_export_keeps_a_formula_name_as_text(client, world):
    assert Certificate.objects.get().full_name == HOSTILE_NAME
    client.force_login(world["officer"])
    rows = csv_cells(client.get(reverse("certificate_admin:index"), {"export": "csv"}))
    assert [row[1] for row in rows[1:]] == ["'" + HOSTILE_NAME]
    assert [row[2] for row in rows[1:]] == ["'" + HOSTILE_TITLE]
    assert_no_formula(rows)
    cells = xlsx_cells(client.get(reverse("certificate_admin:index"), {"export": "xlsx"}))
    hostile = [cell for cell in cells if str(cell.value).startswith("=")]
    assert hostile and all(cell.data_type == "s" for cell in hostile)


@pytest.mark.parametrize(
    "url, query",
    [
        ("training_reports:province", "province"),
        ("training_reports:ward", "ward"),
    ],
)
def test_ward_completion_reports_keep_a_formula_course_title_as_text(client, world, url, query):
    client.force_login(world["editor"])
    target = world["hcm"] if query == "province" else world["ward"]
    rows = csv_cells(client.get(reverse(url), {query: target.pk, "export": "csv"}))
    assert any(cell.startswith("'" + HOSTILE_TITLE) for row in rows for cell in row)
    assert_no_formula(rows)
    cells = xlsx_cells(client.get(reverse(url), {query: target.pk, "export": "xlsx"}))
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_quiz_item_analysis_export_keeps_a_formula_question_as_text(client, world):
    client.force_login(world["editor"])
    url = reverse("quiz_reports:items", args=[world["quiz"].pk])
    rows = csv_cells(client.get(url, {"export": "csv"}))
    assert [row[0] for row in rows[1:]] == ["'=1+2 câu hỏi?"]
    assert_no_formula(rows)


def test_cadre_exports_keep_formula_names_and_course_headings_as_text(client, world):
    client.force_login(world["cadre"])
    url = reverse("training:ward_export", args=[world["ward"].pk, "csv"])
    rows = csv_cells(client.get(url))
    assert [row[0] for row in rows[1:]] == ["'" + HOSTILE_NAME]
    assert_no_formula(rows)
    client.force_login(world["province_cadre"])
    url = reverse("training:province_export", args=[world["hcm"].pk, "csv"])
    rows = csv_cells(client.get(url))
    assert rows[0][-1].startswith("'" + HOSTILE_TITLE)  # the course's column heading
    assert_no_formula(rows)
