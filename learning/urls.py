from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csp import csp_override
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

from accounts.admin_views import AccountView
from learning.views import favicon

# The Wagtail admin needs inline scripts and styles; the rest of the site does not (settings).
admin_urls = decorate_urlpatterns(
    [
        # Before Wagtail's own "account/": the settings with our one full-name field.
        path(
            "account/",
            require_admin_access(AccountView.as_view()),
            name="wagtailadmin_account",
        ),
        path("", include(wagtailadmin_urls)),
    ],
    csp_override(settings.SECURE_CSP_ADMIN),
)

urlpatterns = [
    path("quan-tri/", include(admin_urls)),
    path("django-admin/", admin.site.urls),
    path("tai-lieu/", include(wagtaildocs_urls)),
    path("ngon-ngu/", set_language, name="set_language"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("accounts.urls")),
    path("hoc/", include("learning.urls_journey")),
    path("can-bo/", include("training.urls")),
    path("", include("certificates.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving comes last: it claims every remaining path.
urlpatterns += [path("", include(wagtail_urls))]
