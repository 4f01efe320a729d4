"""Routing a URL to its page in one lookup, for the page types that opt in.

Wagtail's default routing walks the tree with one query per URL segment, and lets every
page on the way route the rest of the path itself (RoutablePageMixin). A lesson sits four
levels down and every query counts on a slow line, so the site's root looks the whole
path up at once, but only answers with that page when its type opts in with
`DirectlyRouted`: a type that routes sub-paths itself must not carry it.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from wagtail.models import Page
from wagtail.url_routing import RouteResult

ROUTE_TYPE_CACHE_SECONDS = 60 * 60


class DirectlyRouted:
    """A page type the site's root may route to directly by its URL path: one that routes
    no sub-paths of its own."""


class DirectRoutingRoot:
    """For the site's root page: serve a `DirectlyRouted` page at the requested path in one
    lookup; anything else (a page of another type, a path with no page) goes the Wagtail
    way, down the tree."""

    def route(self, request, path_components):
        if path_components:
            url_path = self.url_path + "/".join(path_components) + "/"
            page = _directly_routed_page(self.pk, url_path)
            if page is not None:
                return RouteResult(page)
        return super().route(request, path_components)


def _directly_routed_page(root_id: int, url_path: str) -> Page | None:
    """The live page at this path if its type opts in. The page type behind a path is
    remembered, so the next visit reads the specific page in one query instead of two
    (base page, then specific)."""
    cache_key = f"route-type:{root_id}:{url_path}"
    if content_type_id := cache.get(cache_key):
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        page = model.objects.live().filter(url_path=url_path).first() if model else None
        if page is not None:
            return page
    page = Page.objects.live().filter(url_path=url_path).specific().first()
    if not isinstance(page, DirectlyRouted):
        return None
    cache.set(cache_key, page.content_type_id, ROUTE_TYPE_CACHE_SECONDS)
    return page
