from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

from accounts.admin_views import AccountView

urlpatterns = [
    # Before Wagtail's own "account/": the settings with our one full-name field.
    path(
        "quan-tri/account/",
        require_admin_access(AccountView.as_view()),
        name="wagtailadmin_account",
    ),
    path("quan-tri/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("tai-lieu/", include(wagtaildocs_urls)),
    path("ngon-ngu/", set_language, name="set_language"),
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
