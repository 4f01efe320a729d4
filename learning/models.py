from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from courses import selectors as course_selectors
from courses.restrictions import CachedViewRestrictionsMixin
from courses.routing import DirectRoutingRoot


class HomePage(DirectRoutingRoot, CachedViewRestrictionsMixin, Page):
    """The site's front page: what Học vụ số is, and where to start. The root of routing:
    its page types below are served in one lookup (courses/routing.py)."""

    intro = RichTextField(_("giới thiệu"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # "Học tiếp" on the front page takes a learner straight back to their course.
        context["current_course"] = course_selectors.course_current_for_learner(user=request.user)
        return context

    class Meta:
        verbose_name = _("trang chủ")
