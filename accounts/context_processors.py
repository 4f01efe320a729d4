"""What every page's menu needs to know about the visitor, decided in accounts/permissions.py."""

from django.utils.functional import SimpleLazyObject

from .permissions import is_cadre


def navigation(request) -> dict:
    # Lazy: a page that shows no menu (a PDF, a redirect) never asks who the visitor is.
    return {"shows_cadre_menu": SimpleLazyObject(lambda: is_cadre(request.user))}
