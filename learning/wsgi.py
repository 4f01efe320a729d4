import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.dev")
application = get_wsgi_application()

from .celery import load_broker_transport  # noqa: E402 - needs Django set up

# Imported now, while the process starts, not inside a learner's first completing request.
load_broker_transport()
