# The English interface keeps Vietnamese day-first dates; only numbers differ.
from learning.formats.vi.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
