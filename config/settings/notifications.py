"""E-mail and notifications (notifications app)."""

from __future__ import annotations

from .base import env

# The demo and the embedded default print e-mails to the console; production sets SMTP
# (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend plus EMAIL_HOST, …). Tests use
# Django's locmem outbox (pytest-django sets it).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Collab <noreply@collab.local>")
