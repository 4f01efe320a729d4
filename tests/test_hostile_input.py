"""No hostile input gets a 500 (issue 9, point 7).

A crawler visits every URL pattern of the project (the resolver is enumerated, so a
new pattern cannot be skipped silently), every admin URL the project adds under
/quan-tri/ and every page of the fixture site, as each role, with hostile values:

- in the path: ids beyond any database integer, 0, non-digits, unicode, very long
  strings, NUL bytes (each parameter in turn, the others valid);
- in the query string: every parameter the views and Wagtail's listings read, all at
  once, as scalars and as lists;
- in POSTed forms: every field of the form hostile at once, one field hostile with the
  others valid, lists where a scalar is expected, an empty form, too many fields.

Any 5xx fails the test, and every failing request is listed at once. The same test
runs on SQLite and on PostgreSQL (CI runs the suite once with each).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from django.utils import timezone
from wagtail import hooks
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    Page,
    PageViewRestriction,
    Site,
    get_page_models,
)

from accounts import forms as account_forms
from accounts import services as account_services
from accounts import views as account_views
from accounts import viewsets as account_viewsets
from accounts.ids import parse_id
from accounts.models import User
from certificates.models import Certificate
from courses import services as course_services
from courses.models import LessonPage
from quizzes import services as quiz_services
from training import forms as training_forms
from training.assignments import assignments_create
from training.models import Export

from .courses_helpers import make_course, quiz_page
from .training_helpers import PASSWORD, make_cadre, start

PROJECT_APPS = {"accounts", "courses", "quizzes", "certificates", "training", "learning"}

HUGE = "9" * 20  # beyond 64-bit: OverflowError on SQLite if it reaches a query
# Scalars that attack a field or a query parameter.
HOSTILE = (
    HUGE,
    "-" + HUGE,
    "abc' OR 1=1 --<script>",
    "١٢٣",  # Arabic-Indic digits: int() reads them as 123
    "Nguyễn 🙂 ‮\u200b" * 300,  # unicode, bidi and zero-width, 3,000 characters
    "1\x00",
)
# What a role that the view turns away (log-in page, 403, 404) still gets: the view
# must refuse before it parses anything, so a number and a text are enough.
HOSTILE_WHEN_REFUSED = (HUGE, "abc' OR 1=1 --<script>\x00")
# Path values an <int:…> converter lets through; the others cannot match it.
PATH_INTS = ("0", "2147483648", "9223372036854775808", HUGE)
PATH_SLUGS = (HUGE, "-1", "a" * 3000)
PATH_STRS = ("0", HUGE, "-1", "Nguyễn 🙂", "x" * 3000, "\x00", "..", "%")
# One field hostile, the others valid: a text field gets a long text, any other field
# (numbers, choices, ids) a huge number; a field of unknown kind gets both.
LONG_TEXT = "Nguyễn" * 600
SINGLE_FIELD = (HUGE, LONG_TEXT)

# Every query parameter a view of the project or a Wagtail listing it uses reads.
QUERY_PARAMS = (
    "q",  # search: wards, residents, admin listings
    "province",  # ward picker, admin province report
    "ward",  # admin ward report
    "so",  # certificate number
    "giao",  # ward list: assignment
    "trang_thai",  # ward list: status
    "trang",  # page number (front end)
    "sap-xep",  # province list: sort
    "next",  # log-in
    "p",  # page number (Wagtail)
    "ordering",  # Wagtail listings
    "export",  # Wagtail report exports
    "status",  # certificate admin filter
    "return_url",
    "action",
    "language",
    "page",
)

ROLES = ("anonymous", "learner", "ward_cadre", "province_cadre", "editor", "superuser")


# ------------------------------------------------------------------ the routes


@dataclass(frozen=True)
class Route:
    """How to fill one URL pattern: its path parameters (beyond the defaults by name)
    and, for a view that takes POSTs, valid data covering every field of its form."""

    params: Callable[[Any], list[dict]] | None = None  # several objects to visit, or one
    post: Callable[[Any], dict] | None = None
    # The form's fields (or just their names), every one of them in `post`.
    form: Callable[[], dict | list[str]] | None = None
    # A POST with valid data would delete the object the rest of the crawl needs.
    destructive: bool = False
    # Also attack one field at a time in otherwise valid data (off where another
    # route already does it with the same form).
    single_fields: bool = True
    # For a regular-expression pattern: the URL with `value` in its variable part
    # (None: valid values).
    regex_url: Callable[[Any, str | None], str] | None = None


def fields_of(form_class) -> Callable[[], dict]:
    return lambda: dict(form_class.base_fields)


def signup_data(w) -> dict:
    return {
        "full_name": "Phạm Văn Thử",
        "phone": "0987000111",
        "birth_year": "1970",
        "province": w.hcm.pk,
        "ward": w.ward.pk,
        "ward_query": "",
        "password1": "Hoc-vu-so-2026!",
        "password2": "Hoc-vu-so-2026!",
        "consent": "on",
        "action": "",
    }


def profile_data(w) -> dict:
    return {
        "full_name": "Nguyễn Thị Hồng Nhung",
        "birth_year": "1962",
        "province": w.hcm.pk,
        "ward": w.ward.pk,
        "ward_query": "Bến Nghé",
        "action": "",
    }


def assignment_data(w) -> dict:
    return {
        "courses": [w.course.pk],
        "whole_province": "",
        "wards": [w.ward.pk],
        "due_date": (timezone.localdate() + timedelta(days=30)).strftime("%d/%m/%Y"),
        "audience": "born_by",
        "born_in_or_before": "1970",
    }


def resident_data(w) -> dict:
    return {
        "full_name": "Lê Thị Mới",
        "phone": "0987000222",
        "birth_year": "1955",
        "ward": w.ward.pk,
        "works_in_public_service": "",
        "consent_in_person": "on",
    }


def user_admin_data(w) -> dict:
    return {
        "phone": "0987000333",
        "full_name": "Trần Văn Quản",
        "email": "quan@example.vn",
        "ward": w.ward.pk,
        "birth_year": "1980",
        "role": "province_cadre",
        "managed_province": w.hcm.pk,
        "managed_wards": [w.ward.pk],
        "is_active": "on",
        "is_superuser": "",
        "groups": [w.editors.pk],
        "password1": "Hoc-vu-so-2026!",
        "password2": "Hoc-vu-so-2026!",
    }


def settings_models() -> list:
    """The project's settings models (Wagtail's Settings menu)."""
    from wagtail.contrib.settings.registry import registry

    return [model for model in registry if model._meta.app_label in PROJECT_APPS]


def settings_instances(w) -> list[dict]:
    return [
        {"app_name": model._meta.app_label, "model_name": model._meta.model_name, "pk": w.site.pk}
        for model in settings_models()
    ]


def settings_data(w) -> dict:
    data = {}
    for model in settings_models():
        row = model.for_site(w.site)
        data.update({k: "" if v is None else v for k, v in model_to_dict(row).items()})
    data.pop("id", None)
    data.pop("site", None)
    return data


def settings_fields() -> dict:
    from wagtail.contrib.settings.views import get_setting_edit_handler

    fields = {}
    for model in settings_models():
        fields |= get_setting_edit_handler(model).get_form_class().base_fields
    return fields


def certificate_pk(w) -> list[dict]:
    return [{"pk": w.certificate.pk}]


def learner_pk(w) -> list[dict]:
    return [{"pk": w.learner.pk}]


def spare_user_pk(w) -> list[dict]:
    return [{"pk": w.spare_user.pk}]


def answers(w) -> dict:
    """A complete answer sheet of the learner's open attempt (first choice each)."""
    questions = w.attempt.snapshot["questions"]
    return {q["key"]: [str(q["choices"][0]["id"])] for q in questions}


NO_FIELDS = lambda w: {}  # noqa: E731  (a POST that carries no form)

ROUTES: dict[str, Route] = {
    # Project front end
    "favicon": Route(),
    "set_language": Route(post=lambda w: {"language": "en", "next": "/khoa-hoc/"}),
    "accounts:signup": Route(post=signup_data, form=fields_of(account_forms.SignUpForm)),
    "accounts:login": Route(
        post=lambda w: {"username": w.learner.phone, "password": PASSWORD, "next": "/hoc/cua-toi/"},
        form=fields_of(account_forms.PhoneLoginForm),
    ),
    "accounts:first_login": Route(
        post=lambda w: {"phone": w.pending.phone, "code": "12345678"},
        form=fields_of(account_views.FirstLoginForm),
    ),
    "accounts:first_login_password": Route(
        post=lambda w: {"new_password1": "Hoc-vu-so-2026!", "new_password2": "Hoc-vu-so-2026!"},
        form=lambda: ["new_password1", "new_password2"],
    ),
    "accounts:logout": Route(post=NO_FIELDS),
    "accounts:account": Route(post=profile_data, form=fields_of(account_forms.ProfileForm)),
    "accounts:password_change": Route(
        post=lambda w: {
            "old_password": PASSWORD,
            "new_password1": "Hoc-vu-so-2027!",
            "new_password2": "Hoc-vu-so-2027!",
        },
        form=lambda: ["old_password", "new_password1", "new_password2"],
    ),
    "accounts:my_data": Route(),
    # Never the right password: a valid POST would delete the role's own account.
    "accounts:delete_account": Route(
        post=lambda w: {"password": "not-the-password"},
        form=lambda: ["password"],
    ),
    "accounts:ward_lookup": Route(),
    "learning:course_start": Route(post=NO_FIELDS),
    "learning:lesson_complete": Route(post=NO_FIELDS),
    "learning:quiz_start": Route(post=NO_FIELDS),
    "learning:quiz_attempt": Route(post=answers),
    "learning:quiz_result": Route(),
    "learning:my_learning": Route(),
    "learning:catalogue": Route(),
    "training:dashboard": Route(),
    "training:resident_register": Route(
        post=resident_data, form=fields_of(training_forms.ResidentRegisterForm)
    ),
    "training:resident_slip": Route(post=NO_FIELDS),
    "training:resident_new_code": Route(
        params=lambda w: [{"user_id": w.learner.pk}], post=lambda w: {"confirm": "yes"}
    ),
    "training:province": Route(),
    "training:ward": Route(),
    "training:phone_reveal": Route(post=lambda w: {"next": "/can-bo/"}),
    "training:assignment_list": Route(),
    "training:assignment_create": Route(
        post=assignment_data, form=fields_of(training_forms.AssignmentForm)
    ),
    "training:assignment_detail": Route(),
    "training:assignment_edit": Route(
        post=assignment_data, form=fields_of(training_forms.AssignmentForm)
    ),
    "training:assignment_cancel": Route(post=NO_FIELDS),
    "training:assignment_cancel_undo": Route(post=NO_FIELDS),
    "training:ward_export": Route(),
    "training:ward_export_with_phones": Route(post=lambda w: {"dinh_dang": "csv", "q": "nguyen"}),
    "training:province_export": Route(),
    "training:export_status": Route(),
    "training:export_download": Route(),
    "certificates:verify_form": Route(),
    "certificates:verify": Route(),
    "certificates:mine": Route(),
    "certificates:download": Route(),
    # Wagtail's documents and page-privacy forms, mounted by the project
    "wagtaildocs_serve": Route(
        regex_url=lambda w, value: (
            f"/tai-lieu/{w.document.pk}/{w.document.filename}"
            if value is None
            else f"/tai-lieu/{quote(value, safe='')}/{quote(value, safe='')}"
        )
    ),
    "wagtaildocs_authenticate_with_password": Route(
        params=lambda w: [{"restriction_id": w.collection_restriction.pk}],
        post=lambda w: {"password": "sai", "return_url": "/"},
    ),
    "wagtailcore_authenticate_with_password": Route(
        post=lambda w: {"password": "sai", "return_url": "/"}
    ),
    "wagtailcore_login": Route(),
    # Admin URLs the project adds under /quan-tri/
    "quiz_reports:index": Route(),
    "quiz_reports:index_results": Route(),
    "quiz_reports:items": Route(),
    "quiz_reports:items_results": Route(),
    "training_reports:province": Route(),
    "training_reports:province_results": Route(),
    "training_reports:ward": Route(),
    "training_reports:ward_results": Route(),
    "certificate_admin:index": Route(),
    "certificate_admin:index_results": Route(),
    "certificate_admin:inspect": Route(params=certificate_pk),
    "certificate_admin:revoke": Route(
        params=certificate_pk, post=lambda w: {"reason": "Cấp nhầm người"}
    ),
    "certificate_admin:reissue": Route(params=certificate_pk, post=NO_FIELDS),
    "certificates_failed": Route(),
    "certificates_retry": Route(params=certificate_pk, post=NO_FIELDS),
    "wagtailusers_users:index": Route(),
    "wagtailusers_users:index_results": Route(),
    "wagtailusers_users:add": Route(
        post=user_admin_data, form=fields_of(account_viewsets.PhoneUserCreationForm)
    ),
    "wagtailusers_users:edit": Route(
        params=learner_pk,
        post=user_admin_data,
        form=fields_of(account_viewsets.PhoneUserEditForm),
    ),
    "wagtailusers_users:copy": Route(
        params=learner_pk,
        post=user_admin_data,
        form=fields_of(account_viewsets.PhoneUserCreationForm),
        single_fields=False,  # the form of "add"
    ),
    "wagtailusers_users:delete": Route(params=spare_user_pk, post=NO_FIELDS, destructive=True),
    "wagtailusers_users:history": Route(params=learner_pk),
    "wagtailusers_users:history_results": Route(params=learner_pk),
    "wagtailusers_users:usage": Route(params=learner_pk),
    "wagtailsettings:edit": Route(
        params=settings_instances, post=settings_data, form=settings_fields
    ),
    "wagtailsettings:preview_on_edit": Route(
        params=settings_instances, post=settings_data, form=settings_fields, single_fields=False
    ),
}

# Valid values of path parameters, by name, unless a route says otherwise.
PARAM_DEFAULTS: dict[str, Callable[[Any], Any]] = {
    "course_id": lambda w: w.course.pk,
    "lesson_id": lambda w: w.lesson.pk,
    "quiz_id": lambda w: w.quiz.pk,
    "attempt_id": lambda w: w.attempt.pk,
    "user_id": lambda w: w.pending.pk,
    "province_id": lambda w: w.hcm.pk,
    "ward_id": lambda w: w.ward.pk,
    "assignment_id": lambda w: w.assignment.pk,
    "export_id": lambda w: w.export.pk,
    "file_format": lambda w: "csv",
    "token": lambda w: w.certificate.token,
    "number": lambda w: w.certificate.number,
    "document_id": lambda w: w.document.pk,
    "document_filename": lambda w: w.document.filename,
    "page_view_restriction_id": lambda w: w.restriction.pk,
    "page_id": lambda w: w.restriction.page_id,
}

# Patterns the crawler deliberately leaves to their authors, with the reason.
SKIPPED_PREFIXES = {
    "django-admin/": "Django's own admin; the project registers nothing of its own there",
}
WAGTAIL_PAGES = "wagtail_serve"  # crawled page by page, below
# Wagtail admin URLs that belong to the project although Wagtail registers them:
# the project's user viewset and its settings models.
PROJECT_ADMIN_NAMESPACES_EXTRA = {"wagtailusers_users", "wagtailsettings"}
ADMIN_PREFIX = "quan-tri/"


# ------------------------------------------------------------------ the resolver


@dataclass
class Pattern:
    route: str  # e.g. "can-bo/xa/<int:ward_id>/"
    name: str  # e.g. "training:ward"
    converters: dict[str, str] = field(default_factory=dict)  # parameter -> converter
    regex_groups: int = 0  # unnamed groups of a regular-expression pattern


PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


def walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            route = prefix + str(pattern.pattern)
            converters = {m["name"]: m["converter"] or "str" for m in PARAM.finditer(route)}
            groups = (
                pattern.pattern.regex.groups if isinstance(pattern.pattern, RegexPattern) else 0
            )
            yield Pattern(route=route, name=name, converters=converters, regex_groups=groups)


def project_admin_names() -> set[str]:
    """Namespaces (and names of un-namespaced patterns) of the admin URLs and viewsets
    that the project's wagtail_hooks add."""
    names = set(PROJECT_ADMIN_NAMESPACES_EXTRA)
    for fn in hooks.get_hooks("register_admin_urls"):
        if fn.__module__.split(".")[0] in PROJECT_APPS:
            for entry in fn():
                names.add(entry.namespace if isinstance(entry, URLResolver) else entry.name)
    for fn in hooks.get_hooks("register_admin_viewset"):
        if fn.__module__.split(".")[0] in PROJECT_APPS:
            registered = fn()
            for item in registered if isinstance(registered, list | tuple) else [registered]:
                for viewset in getattr(item, "viewsets", [item]):  # a ViewSetGroup, or one
                    names.add(viewset.url_namespace)
    return names


def project_patterns() -> list[Pattern]:
    """Every URL pattern of the project to crawl (the admin: only what the project adds)."""
    admin_names = project_admin_names()
    chosen = []
    for pattern in walk(get_resolver().url_patterns):
        if any(pattern.route.startswith(prefix) for prefix in SKIPPED_PREFIXES):
            continue
        wagtails_own = pattern.name.split(":")[0] not in admin_names
        if pattern.route.startswith(ADMIN_PREFIX) and wagtails_own:
            continue
        chosen.append(pattern)
    return chosen


def test_every_url_pattern_is_known_to_the_crawler():
    """A new URL pattern must be taught to the crawler (its parameters, its form)."""
    patterns = project_patterns()
    names = {p.name for p in patterns}
    unknown = sorted(names - set(ROUTES) - {WAGTAIL_PAGES})
    assert not unknown, f"teach tests/test_hostile_input.py ROUTES these URL names: {unknown}"
    stale = sorted(set(ROUTES) - names)
    assert not stale, f"these ROUTES entries name no URL pattern any more: {stale}"
    unfillable = sorted(
        f"{p.name}: {param}"
        for p in patterns
        if p.name != WAGTAIL_PAGES
        for param in p.converters
        if param not in PARAM_DEFAULTS and ROUTES[p.name].params is None
    )
    assert not unfillable, f"no value for these path parameters: {unfillable}"
    regex_unfilled = sorted(
        p.name
        for p in patterns
        if p.regex_groups and p.name != WAGTAIL_PAGES and ROUTES[p.name].regex_url is None
    )
    assert not regex_unfilled, f"give these regex patterns a regex_url: {regex_unfilled}"


# ------------------------------------------------------------------ the world


@pytest.fixture
def world(units, learner, settings, tmp_path):
    """One object of every kind a URL can name, and one user per role."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    ward = units["Phường Sài Gòn"]
    course = make_course(lessons=1, quiz=quiz_page(questions=2, per_attempt=2), slug="thu")
    lesson = LessonPage.objects.child_of(course).first()
    quiz = course.get_children().type(quiz_page().__class__).first().specific
    course_services.enrollment_start(user=learner, course=course)
    attempt = quiz_services.attempt_start(user=learner, quiz=quiz)
    pending = account_services.user_register(
        phone="0978123457", full_name="Đặng Văn Chờ", password=None, ward=ward, birth_year=1958
    )
    ward_cadre = make_cadre("0913000101", wards=[ward], name="Cán bộ Sài Gòn")
    editors = Group.objects.get(name="Editors")
    editor = User.objects.create_user(phone="0913000103", password=PASSWORD, full_name="Biên tập")
    editor.groups.add(editors, Group.objects.get(name="Moderators"))
    (assignment,) = assignments_create(
        cadre=ward_cadre,
        courses=[course],
        wards=[ward],
        due_date=timezone.localdate() + timedelta(days=10),
    )
    spare_user = User.objects.create_user(
        phone="0913000199", password=PASSWORD, full_name="Dự phòng"
    )
    start([spare_user], course, completed_days_ago=1, certificate=True)
    spare = Certificate.objects.get(user=spare_user)
    certificate = Certificate.objects.create(
        user=learner,
        course=course,
        number="HVS-2025-000001",  # not a number the 2026 counter gives
        full_name=learner.full_name,
        course_title=course.title,
        completed_on=timezone.localdate(),
        template_version=spare.template_version,
    )
    for row in (certificate, spare):  # ready, with a (tiny) PDF to download
        row.pdf.save(f"{row.number}.pdf", ContentFile(b"%PDF-1.4"), save=False)
        row.pdf_sha256, row.status = "0" * 64, Certificate.Status.READY
        row.save()
    export = Export.objects.create(
        requested_by=ward_cadre,
        kind=Export.Kind.WARD_RESIDENTS,
        file_format=Export.Format.CSV,
        params={"ward": ward.pk, "assignment": None, "status": "", "q": "", "filename": "a.csv"},
        status=Export.Status.READY,
        rows_total=1,
        rows_done=1,
        finished_at=timezone.now(),
    )
    export.file.save("a.csv", ContentFile("Họ và tên\n".encode()))
    from wagtail.documents.models import Document

    document = Document(title="Hướng dẫn")
    document.file.save("huong-dan.txt", ContentFile(b"Huong dan"))
    document.save()
    restriction = PageViewRestriction.objects.create(
        page=lesson, restriction_type=PageViewRestriction.PASSWORD, password="mat-khau"
    )
    collection_restriction = CollectionViewRestriction.objects.create(
        collection=Collection.get_first_root_node(),
        restriction_type=CollectionViewRestriction.PASSWORD,
        password="mat-khau",
    )
    users = {
        "anonymous": None,
        "learner": learner,
        "ward_cadre": ward_cadre,
        "province_cadre": make_cadre("0913000102", province=units["hcm"], name="Cán bộ HCM"),
        "editor": editor,
        "superuser": User.objects.create_superuser(
            phone="0900000001", password=PASSWORD, full_name="Quản trị"
        ),
    }
    return SimpleNamespace(
        ward=ward,
        hcm=units["hcm"],
        course=course,
        lesson=lesson,
        quiz=quiz,
        attempt=attempt,
        learner=learner,
        pending=pending,
        spare_user=spare_user,
        editors=editors,
        assignment=assignment,
        certificate=certificate,
        spare_certificate=spare,
        export=export,
        document=document,
        restriction=restriction,
        collection_restriction=collection_restriction,
        site=Site.objects.get(is_default_site=True),
        users=users,
    )


def test_post_data_covers_every_form_field(world):
    """Each form is attacked in every field: its valid data must name them all."""
    missing = {
        name: sorted(set(route.form()) - set(route.post(world)))
        for name, route in ROUTES.items()
        if route.form is not None
    }
    assert not {name: fields for name, fields in missing.items() if fields}


def test_every_page_type_has_a_page_to_crawl(world):
    """A new page type needs a page in the world, or the crawler would never serve it."""
    project_types = {m for m in get_page_models() if m._meta.app_label in PROJECT_APPS}
    live = {type(page) for page in Page.objects.live().specific()}
    assert not sorted(m.__name__ for m in project_types - live)


# ------------------------------------------------------------------ the crawler


class Crawler:
    """Sends requests as one role and remembers every 5xx."""

    def __init__(self, user: User | None):
        self.client = Client(raise_request_exception=False)
        self.user = user
        self.failures: list[str] = []
        self.sent = 0

    def _be_the_role(self) -> None:
        """Log back in (or out) when a request logged the client out (or in)."""
        wanted = str(self.user.pk) if self.user else None
        if self.client.session.get("_auth_user_id") != wanted:
            self.client.logout()
            if self.user:
                self.client.force_login(self.user)

    def send(self, method: str, url: str, data=None, **extra):
        self._be_the_role()
        self.sent += 1
        # A new address each time, so rate limits answer 429 less often and the
        # views behind them are reached.
        address = f"10.{self.sent // 65536 % 256}.{self.sent // 256 % 256}.{self.sent % 256}"
        response = getattr(self.client, method)(url, data, REMOTE_ADDR=address, **extra)
        if response.status_code >= 500:
            self.failures.append(
                f"{method.upper()} {shorten(url)} {shorten(repr(data)) if data else ''}"
                f" -> {response.status_code}"
            )
        # Not response.close(): that sends request_finished, which would close the
        # database connection in the middle of the test's transaction on PostgreSQL.
        return response


LOGIN_URLS = ("/dang-nhap/", "/quan-tri/login/")


def refused(response) -> bool:
    """Whether the view turned the role away (log-in page, 403, 404)."""
    if response.status_code in (403, 404):
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return location.startswith(LOGIN_URLS)


def shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)})"


def fill(route: str, values: dict) -> str:
    return "/" + PARAM.sub(lambda m: quote(str(values[m["name"]]), safe=""), route)


def valid_params(pattern: Pattern, world) -> list[dict]:
    spec = ROUTES[pattern.name]
    if spec.params is not None:
        return spec.params(world)
    return [{name: PARAM_DEFAULTS[name](world) for name in pattern.converters}]


def hostile_path_values(converter: str) -> tuple[str, ...]:
    return {"int": PATH_INTS, "id": PATH_INTS, "slug": PATH_SLUGS}.get(converter, PATH_STRS)


def hostile_queries(refused: bool = False) -> list[dict]:
    if refused:
        return [{name: value for name in QUERY_PARAMS} for value in HOSTILE_WHEN_REFUSED]
    queries = [{name: value for name in QUERY_PARAMS} for value in HOSTILE]
    queries.append({name: [HUGE, "1", "Nguyễn"] for name in QUERY_PARAMS})  # lists
    return queries


def single_field_values(field) -> tuple[str, ...]:
    if field is None:
        return SINGLE_FIELD
    is_text = isinstance(field, forms.CharField) and not isinstance(field, forms.ChoiceField)
    return (LONG_TEXT,) if is_text else (HUGE,)


def hostile_posts(
    valid: dict, single_fields: bool, refused: bool = False, form_fields=None
) -> list[dict]:
    """Every field hostile at once; one field hostile in valid data; lists; nothing."""
    fields = list(valid) or ["x"]
    if refused:
        return [{name: value for name in fields} for value in HOSTILE_WHEN_REFUSED]
    posts = [{name: value for name in fields} for value in HOSTILE]
    if single_fields:
        known = form_fields if isinstance(form_fields, dict) else {}
        posts += [
            {**valid, name: value}
            for name in valid
            for value in single_field_values(known.get(name))
        ]
    posts.append({name: [HUGE, "1", "-1"] for name in fields})
    posts.append({})
    posts.append({f"f{n}": "1" for n in range(1200)})  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
    return posts


def crawl_pattern(crawler: Crawler, pattern: Pattern, world) -> None:
    spec = ROUTES[pattern.name]
    for params in valid_params(pattern, world):
        if spec.regex_url is not None:
            url = spec.regex_url(world, None)
            hostile_urls = [spec.regex_url(world, value) for value in PATH_STRS]
        else:
            url = fill(pattern.route, params)
            hostile_urls = [
                fill(pattern.route, {**params, name: value})
                for name, converter in pattern.converters.items()
                for value in hostile_path_values(converter)
            ]
        method = "post" if spec.post else "get"
        for hostile_url in hostile_urls:
            crawler.send(method, hostile_url)
        # An empty POST (or the page) tells whether this role gets past the view's checks.
        turned_away = refused(crawler.send(method, url))
        for query in hostile_queries(turned_away):
            crawler.send("get", f"{url}?{urlencode(query, doseq=True)}")
        if spec.post is None:
            continue
        valid = spec.post(world)
        posts = hostile_posts(
            valid, spec.single_fields, turned_away, spec.form() if spec.form else None
        )
        if spec.destructive:  # the valid object last-but-none: hostile data only
            posts = [post for post in posts if post and post != valid][: len(HOSTILE)]
        for data in posts:
            crawler.send("post", url, data)


def crawl_page(crawler: Crawler, page: Page) -> None:
    url = page.url
    crawler.send("get", url)
    for query in hostile_queries():
        crawler.send("get", f"{url}?{urlencode(query, doseq=True)}")
    for value in PATH_STRS:
        crawler.send("get", f"{url}{quote(value, safe='')}/")


@pytest.mark.parametrize("role", ROLES)
def test_no_hostile_input_gets_a_5xx(world, role):
    crawler = Crawler(world.users[role])
    patterns = project_patterns()
    for pattern in patterns:
        if pattern.name != WAGTAIL_PAGES:
            crawl_pattern(crawler, pattern, world)
    for page in Page.objects.live().specific().filter(depth__gt=1).order_by("path"):
        crawl_page(crawler, page)
    assert crawler.sent > 500  # the crawl did happen
    assert not crawler.failures, (
        f"{len(crawler.failures)} of {crawler.sent} requests as {role} answered 5xx:\n"
        + "\n".join(crawler.failures)
    )


@pytest.mark.parametrize(
    "role, name",
    [
        ("anonymous", "accounts:signup"),
        ("learner", "learning:course_start"),
        ("learner", "accounts:account"),
        ("ward_cadre", "training:assignment_create"),
        ("superuser", "certificate_admin:revoke"),
    ],
)
def test_a_huge_body_is_refused_with_a_4xx(world, role, name):
    """20 MB of form data is refused (DATA_UPLOAD_MAX_MEMORY_SIZE), never a 500,
    with a browser's CSRF token as a real attacker would send it."""
    pattern = next(p for p in project_patterns() if p.name == name)
    url = fill(pattern.route, valid_params(pattern, world)[0])
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if world.users[role]:
        client.force_login(world.users[role])
    token = "a" * 32
    client.cookies["csrftoken"] = token
    body = "full_name=" + "x" * (20 * 1024 * 1024)
    response = client.post(
        url, body, content_type="application/x-www-form-urlencoded", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code in (400, 413), response.status_code


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1", 1),
        (" 42 ", 42),
        (42, 42),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        (HUGE, None),
        ("0", None),
        ("-1", None),
        ("١٢٣", None),
        ("1.0", None),
        ("1e3", None),
        ("1\x00", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id_accepts_only_ids_the_database_can_hold(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize(
    "path, cookie",
    [
        ("/xac-minh/%00/", ""),  # PostgreSQL refuses NUL in a query parameter: was a 500
        ("/xac-minh/?so=HVS%00", ""),
        ("/xa-phuong/?q=B%E1%BA%BFn%00", ""),
        ("/", "abcdefgh\x00ijkl"),  # a forged session cookie reaches the session table
    ],
)
def test_a_nul_byte_in_path_query_or_cookie_is_a_400(db, path, cookie):
    client = Client(raise_request_exception=False)
    if cookie:
        client.cookies["sessionid"] = cookie
    assert client.get(path).status_code == 400
