"""English mode: the province chart speaks English; Vietnamese content is marked lang="vi".

The English catalogue is built here as the release builds it: locale/en's django.po plus
any pending-*.po fragments not yet folded into it, compiled with Babel.
"""

import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from .courses_helpers import make_course
from .test_training import _province_setup, province_cadre  # noqa: F401 (fixture)

LOCALE = Path(settings.BASE_DIR) / "locale"


@pytest.fixture
def english(tmp_path, client):
    """The client reads the site in English, with every translation the branch carries."""
    messages = tmp_path / "en" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    source = LOCALE / "en" / "LC_MESSAGES"
    with (source / "django.po").open("rb") as po:
        catalogue = read_po(po, locale="en")
    for fragment in sorted(source.glob("pending-*.po")):
        with fragment.open("rb") as po:
            for message in read_po(po, locale="en"):
                if message.id:
                    catalogue[message.id] = message
    with (messages / "django.mo").open("wb") as mo:
        write_mo(mo, catalogue)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with override_settings(LOCALE_PATHS=[tmp_path]):
        yield client


def chart_of(page: str) -> str:
    return page[page.index("<svg") : page.index("</svg>")]


def test_province_chart_title_median_and_description_are_in_english(
    english,
    units,
    province_cadre,  # noqa: F811
):
    course = make_course(lessons=2, slug="dung-vneid")
    _province_setup(units, course, province_cadre)
    english.force_login(province_cadre)
    page = english.get(reverse("training:province", args=[units["hcm"].pk])).content.decode()
    assert '<html lang="en">' in page
    chart = chart_of(page)
    assert '<title id="chart-title">Completion rate by commune/ward</title>' in chart
    assert re.search(
        r'<desc id="chart-desc">Lowest at the top\. Solid line: median \d+%\. '
        r"Dashed line: lagging threshold \d+%\.</desc>",
        chart,
    )
    assert ">median</text>" in chart
    assert "trung vị" not in chart and "Tỉ lệ" not in chart and "Thấp nhất" not in chart
    # Ward names stay Vietnamese, and say so.
    assert '<text x="0" y="35" class="label" lang="vi">Phường' in chart


def test_lesson_and_course_content_is_marked_vietnamese_in_an_english_page(english, learner):
    course = make_course(lessons=1, slug="lam-quen")
    lesson = course.get_children().first().specific
    english.force_login(learner)

    page = english.get(course.url).content.decode()
    assert '<html lang="en">' in page
    assert f'<h1 lang="vi">{course.title}</h1>' in page
    assert f'lang="vi">{lesson.title}</a>' in page  # the outline

    page = english.get(lesson.url).content.decode()
    assert f'<h1 lang="vi">{lesson.title}</h1>' in page
    body = page[page.index('<div class="lesson-body" lang="vi">') :]
    assert "Nhấn nút nguồn ở cạnh phải điện thoại." in body
    # The labels the site adds inside the lesson are English and say so.
    assert '<p class="callout-title" lang="en">' in body

    catalogue = english.get(reverse("learning:catalogue"), follow=True).content.decode()
    assert f'lang="vi">{course.title}</a>' in catalogue


def test_no_svg_template_holds_words_to_translate():
    """makemessages reads .html, .txt and .py files only: words in an .svg never get translated."""
    svgs = list((Path(settings.BASE_DIR) / "templates").rglob("*.svg"))
    assert svgs
    for svg in svgs:
        assert not re.search(
            r"\{%\s*(translate|trans|blocktranslate|blocktrans)\b", svg.read_text()
        )
