from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.url_routing import RouteResult

from courses import selectors as course_selectors
from courses.restrictions import CachedViewRestrictionsMixin

ROUTE_TYPE_CACHE_SECONDS = 60 * 60


class HomePage(CachedViewRestrictionsMixin, Page):
    """The site's front page: what Học vụ số is, and where to start."""

    intro = RichTextField(_("giới thiệu"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # "Học tiếp" on the front page takes a learner straight back to their course.
        context["current_course"] = course_selectors.course_current_for_learner(user=request.user)
        return context

    def route(self, request, path_components):
        """Find a page below the home page by its whole URL path in one lookup.

        Wagtail's default walks the tree with one query per URL segment; a
        lesson sits four levels down, and every query counts on a slow line.
        None of our pages routes sub-paths itself, so the page at that path
        is the answer (and, as in Wagtail's default, it must be live).
        """
        if not path_components:
            return super().route(request, path_components)
        url_path = self.url_path + "/".join(path_components) + "/"
        # The page type behind a path is remembered, so the next visit reads the
        # specific page in one query instead of two (base page, then specific).
        cache_key = f"route-type:{self.pk}:{url_path}"
        if content_type_id := cache.get(cache_key):
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            page = model.objects.live().filter(url_path=url_path).first() if model else None
            if page is not None:
                return RouteResult(page)
        page = Page.objects.live().filter(url_path=url_path).specific().first()
        if page is None:
            raise Http404
        cache.set(cache_key, page.content_type_id, ROUTE_TYPE_CACHE_SECONDS)
        return RouteResult(page)

    class Meta:
        verbose_name = _("trang chủ")
