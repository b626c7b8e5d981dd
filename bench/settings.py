"""Settings of the benchmark: production-like (``DEBUG`` off, persistent connections) on the
bench database, without what needs a real deployment (HTTPS redirect, secure cookies, the
static-file manifest of ``collectstatic``, an SMTP server)."""

import os
import warnings

os.environ.setdefault("DATABASE_URL", "postgres://hn:hn@127.0.0.1:5432/hn_bench")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "banc-d-essai-cle-locale-non-secrete-0123456789abcdef")
os.environ.setdefault("LOG_LEVEL", "ERROR")
# Production has no default host (hn/settings.py): the bench serves the loopback.
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# --- MFA (issue 17): the bench logs its users in with force_login, without a second factor ---
os.environ.setdefault("MFA_OBLIGATOIRE", "false")
# --- end MFA ---
# The bench measures pages, not the antivirus: no clamd is started for it (the demo it loads
# deposits GHT dossiers with an attachment, which must be scanned first). Its pieces say
# "non analysée (antivirus désactivé)".
os.environ.setdefault("ANTIVIRUS", "aucun")

from hn.settings import *  # noqa: F403
from hn.settings import STORAGES

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
# Notifications are rendered and "sent" in memory: the cost of building them is measured, not
# the latency of a mail server.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No collectstatic for the benchmark: whitenoise serves from the finders, STATIC_ROOT is absent.
warnings.filterwarnings("ignore", message="No directory at")
# The 404 of a route not there yet is reported by the bench itself.
LOGGING = {**LOGGING, "loggers": {"django.request": {"level": "ERROR"}}}  # noqa: F405
