"""The one base of every refusal shown to a person: a rule said no, and `message` says why."""

from django.utils.translation import gettext_lazy as _


class Refusal(Exception):
    """Something the person may not do (now); `message` says why, in Vietnamese.

    Subclasses either pass the message when raising (it depends on the case) or
    set it as a class attribute (it never changes).
    """

    message = _("Không thể thực hiện.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))
