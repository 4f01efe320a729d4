from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.url_routing import RouteResult


class HomePage(Page):
    """The site's front page: what Học vụ số is, and where to start."""

    intro = RichTextField(_("giới thiệu"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count = 1

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
        page = Page.objects.live().filter(url_path=url_path).specific().first()
        if page is None:
            raise Http404
        return RouteResult(page)

    class Meta:
        verbose_name = _("trang chủ")
