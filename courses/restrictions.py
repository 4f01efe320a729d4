"""Wagtail's page view restrictions, read from the cache instead of two queries a page.

Wagtail checks every page it serves against the restrictions on the page and its
ancestors (one query for the ancestors, one for their restrictions). A site has a
handful of restrictions at most, so all of them are cached as one list with the tree
path each guards; a page finds its own by path prefix. The list is dropped after
commit whenever a restriction is saved or deleted or a page moves (courses/signals.py).
"""

from django.core.cache import cache
from wagtail.models import PageViewRestriction

VIEW_RESTRICTIONS_CACHE_KEY = "page-view-restrictions"
VIEW_RESTRICTIONS_CACHE_SECONDS = 15 * 60


def view_restrictions_by_path() -> list[tuple[str, PageViewRestriction]]:
    """Every page view restriction with the tree path of the page it guards."""
    found = cache.get(VIEW_RESTRICTIONS_CACHE_KEY)
    if found is None:
        found = [
            (restriction.page.path, restriction)
            for restriction in PageViewRestriction.objects.select_related("page")
        ]
        cache.set(VIEW_RESTRICTIONS_CACHE_KEY, found, VIEW_RESTRICTIONS_CACHE_SECONDS)
    return found


class CachedViewRestrictionsMixin:
    """For page models: the restrictions on this page and its ancestors, from the cache."""

    def get_view_restrictions(self):
        if self.alias_of_id:  # an alias follows its source page's restrictions: Wagtail's way
            return super().get_view_restrictions()
        return [r for path, r in view_restrictions_by_path() if self.path.startswith(path)]
