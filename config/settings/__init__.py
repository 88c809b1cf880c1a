"""Settings are split by concern; every value that differs between installations comes from the
environment (see ``base.py`` and the README's configuration table)."""

from .base import *  # noqa: F403
from .celery import *  # noqa: F403
from .channels import *  # noqa: F403
from .drf import *  # noqa: F403
from .integrations import *  # noqa: F403
from .notifications import *  # noqa: F403
