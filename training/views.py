"""Cadre pages: assignments, ward and province dashboards, exports, assisted sign-up.

Every view asks `accounts.permissions` what the user may see; anything outside that
scope is a 404, so a guessed id does not even confirm that the thing exists.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import permissions


def cadre_required(view):
    """Logged-in cadres only; everyone else gets a 404, like any out-of-scope URL."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not permissions.is_cadre(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_GET
@cadre_required
def dashboard(request):
    """The cadre's start page."""
    return render(request, "training/dashboard.html", {})
