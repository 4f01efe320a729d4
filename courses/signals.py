"""Keep the cached course outlines (selectors.course_family) in step with the page tree."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .selectors import outline_cache_key


def _forget_after_commit(*paths: str) -> None:
    """Drop these outlines once the page change is committed (never inside it: a cache
    that is down must not undo an editor's publish)."""
    keys = [outline_cache_key(path) for path in paths]
    transaction.on_commit(lambda: cache.delete_many(keys))


def _forget_outlines_around(page: Page) -> None:
    # A page may be a course (its own outline) or a step (its parent's outline).
    _forget_after_commit(page.path, page.path[: -Page.steplen])


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
    _forget_outlines_around(instance)
    _forget_after_commit(parent_page_before.path, parent_page_after.path)
