"""Keep the cached course outlines (selectors.course_family) and view restrictions
(restrictions.py) in step with the page tree, after commit."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from .restrictions import VIEW_RESTRICTIONS_CACHE_KEY
from .selectors import outline_cache_key


def _forget_after_commit(keys: list[str]) -> None:
    """Drop these entries once the change is committed (never inside it: a cache
    that is down must not undo an editor's publish)."""
    transaction.on_commit(lambda: cache.delete_many(keys))


def _parent_url_path(url_path: str) -> str:
    return url_path[: url_path.rstrip("/").rfind("/") + 1]


def _forget_outlines_around(page: Page) -> None:
    # A page may be a course (its own outline) or a step (its parent's outline).
    # Outlines are keyed by the course's URL path too: a renamed or moved ancestor
    # needs nothing dropped, the new URL path is a new key.
    url_path = page.url_path
    _forget_after_commit(
        [
            outline_cache_key(page.path, url_path),
            outline_cache_key(page.path[: -Page.steplen], _parent_url_path(url_path)),
        ]
    )


@receiver(page_published)
@receiver(page_unpublished)
def _page_changed(sender, instance, **kwargs):
    _forget_outlines_around(instance)


@receiver(post_delete)
def _page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        _forget_outlines_around(instance)


@receiver(post_page_move)
def _page_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    # The moved page has a new path and URL path: new keys for its own outline.
    _forget_after_commit(
        [
            outline_cache_key(parent_page_before.path, parent_page_before.url_path),
            outline_cache_key(parent_page_after.path, parent_page_after.url_path),
            VIEW_RESTRICTIONS_CACHE_KEY,  # the moved subtree's paths changed
        ]
    )


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def _restriction_changed(sender, **kwargs):
    _forget_after_commit([VIEW_RESTRICTIONS_CACHE_KEY])
