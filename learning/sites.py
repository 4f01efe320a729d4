"""Wagtail's site lookup, from the cache instead of a query (and another for the home page).

Wagtail finds the Site of every request it serves with a query ranked by hostname
and port, then loads the site's home page as its own type. The few Site rows and
their home pages are cached as one list; SiteFromCacheMiddleware picks the request's
site from it with Wagtail's own ranking and hands it to Wagtail (which keeps the site
of a request on `request._wagtail_site`). The list is dropped after commit when a
Site is saved or deleted, or any page is published, unpublished, moved or deleted
(a home page among them: the list holds their live content).
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http.request import split_domain_port
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

SITES_CACHE_KEY = "wagtail-sites"
SITES_CACHE_SECONDS = 15 * 60


def sites_with_home_pages() -> list[Site]:
    """Every Site, its root page loaded as its specific type."""
    sites = cache.get(SITES_CACHE_KEY)
    if sites is None:
        sites = list(Site.objects.select_related("root_page"))
        for site in sites:
            site.root_page = site.root_page.specific
        cache.set(SITES_CACHE_KEY, sites, SITES_CACHE_SECONDS)
    return sites


def site_for(hostname: str, port: int, sites: list[Site]) -> Site | None:
    """The site Wagtail's get_site_for_hostname would choose, or None."""
    exact = [s for s in sites if s.hostname == hostname and s.port == port]
    if exact:
        return exact[0]
    default = next((s for s in sites if s.is_default_site), None)
    if default is not None and default.hostname == hostname:
        return default
    by_name = [s for s in sites if s.hostname == hostname]
    if default is None:
        return by_name[0] if len(by_name) == 1 else None
    return by_name[0] if len(by_name) == 1 else default


class SiteFromCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        hostname = split_domain_port(request._get_raw_host())[0]  # as Wagtail does
        request._wagtail_site = site_for(hostname, request.get_port(), sites_with_home_pages())
        return self.get_response(request)


def _forget_sites(**kwargs) -> None:
    transaction.on_commit(lambda: cache.delete(SITES_CACHE_KEY))


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def _site_or_page_changed(sender, **kwargs):
    _forget_sites()


@receiver(post_delete)
def _page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        _forget_sites()
