"""Settings for the HN / HOP'EN financing platform, all driven by the environment.

Production is the default: ``DEBUG`` off, HTTPS only (redirect, HSTS, secure cookies), and
``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL`` (postgres://), ``REDIS_URL`` to set.
The local mode (``HN_LOCAL=true``, set by ``make run`` and the tests; implied by ``DEBUG=true``)
is a developer's machine on plain http://127.0.0.1: a secret generated once into ``var/``,
localhost hosts, no HTTPS redirect, HSTS or secure cookies, static files served from the
sources, e-mails on the console. ``DEBUG`` stays off there too, so that ``make run`` shows the
platform's own error pages (README "Sécurité"). Without ``DATABASE_URL``, in either mode, the
database is SQLite in ``var/``."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from hn.env import envbool, envint, envlist, envstr, local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("HN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
LOCAL_MODE = envbool("HN_LOCAL", DEBUG)

SECRET_KEY = envstr("SECRET_KEY") or (
    local_secret_key(VAR_DIR / "secret_key") if LOCAL_MODE else ""
)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is required in production (neither DEBUG nor HN_LOCAL is on)."
    )

ALLOWED_HOSTS = envlist(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if LOCAL_MODE else []
)
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "hn.admin_site.HNAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "dsfr",
    "csp",
    # --- MFA (issue 17): django-otp, TOTP devices and backup codes ---
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # --- end MFA ---
    "hn.comptes",
    "hn.referentiel",
    "hn.journal",
    "hn.notifications",
    "hn.taches",
    "dossiers",
    "enveloppes",
    "indicateurs",
    "audits",
    "candidatures",
    "pilotage",
    # Project wiring (the ``demo`` command), after every app it orchestrates.
    "hn",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Headers of every page (hn/securite.py): CSP with a per-request nonce, Permissions-Policy,
    # no-store for authenticated users.
    "csp.middleware.CSPMiddleware",
    "hn.securite.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # --- MFA (issue 17): the session's verified device, then the one gate of the second step ---
    "django_otp.middleware.OTPMiddleware",
    "hn.comptes.middleware.DoubleAuthentificationMiddleware",
    # --- end MFA ---
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# >>> issue 17 api: request-size cap and NUL refusal (hn.garde), from the headers, before any
# view reads the body. Its check runs in its own call, before every process_view (CSRF's reads
# the body): any place after AuthenticationMiddleware (its French page shows the user) and the
# header-setting middlewares works; with django-axes, before AxesMiddleware (which must be last).
MIDDLEWARE += ["hn.garde.GardeRequetes"]
# <<< issue 17 api

ROOT_URLCONF = "hn.urls"
WSGI_APPLICATION = "hn.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hn.context_processors.site",
            ],
            # French numbers, amounts, indicator values and plurals in every template (hn.formats).
            "builtins": ["hn.filtres"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_database_url = envstr("DATABASE_URL")
if _database_url:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url,
            conn_max_age=envint("CONN_MAX_AGE", 0 if LOCAL_MODE else 600),
            conn_health_checks=True,
        )
    }
else:
    # Embedded default: the SQLite file lives in var/, which a fresh clone does not have yet.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker --------------------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL")
CACHES = {
    "default": (
        {
            "BACKEND": "hn.cache.RedisCacheTolerante",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without Redis (make run), tasks run in-process and `manage.py planificateur` plays beat.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TIMEZONE = "Europe/Paris"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that queues a task while Redis is down gives up quickly (the outbox row waits
# for the periodic run) instead of hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "comptes.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Authentication hardening (issue 17, helper "acces"): throttling, sessions, passwords --
# Login throttling (django-axes, hn.comptes.verrouillage): after CONNEXION_ECHECS_MAX failures
# for one username from one address, that pair is refused (429) for CONNEXION_BLOCAGE_MINUTES
# after the last failure, right password or not; refused attempts do not extend the block; a
# success resets the pair's count. Failures live in the database (shared by every worker).
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = ["hn.comptes.verrouillage.AxesBackend", *AUTHENTICATION_BACKENDS]
MIDDLEWARE += ["hn.comptes.middleware.InactiviteMiddleware", "axes.middleware.AxesMiddleware"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = envint("CONNEXION_ECHECS_MAX", 10)
AXES_COOLOFF_TIME = timedelta(minutes=envint("CONNEXION_BLOCAGE_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "hn.comptes.verrouillage.reponse_blocage"
AXES_CLIENT_IP_CALLABLE = "hn.comptes.verrouillage.ip_client"
# Successful logins are traced by hn.journal; unlocking goes through the traced page
# comptes/blocages/, not axes' admin.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Behind a reverse proxy: the header carrying the client's address (e.g. X-Forwarded-For) and
# how many trusted proxies append to it. Unset: REMOTE_ADDR.
IP_CLIENT_ENTETE = envstr("IP_CLIENT_ENTETE", "")
IP_CLIENT_PROXYS = envint("IP_CLIENT_PROXYS", 1)
# Agents' sessions (ARS, national, administrators) end after this many idle minutes;
# établissement users keep SESSION_COOKIE_AGE (two weeks).
SESSION_INACTIVITE_AGENTS = envint("SESSION_INACTIVITE_AGENTS", 30)
# Password reset links are valid for one hour (and for one use).
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 3600)
# --- end of the authentication hardening block ------------------------------------------------
# --- MFA and API tokens (issue 17) ---------------------------------------------------------
# Second factor required for ARS, national roles and administrators (hn.comptes.mfa); on
# unless in the local mode (HN_LOCAL); `make run` also sets MFA_OBLIGATOIRE=false.
MFA_OBLIGATOIRE = envbool("MFA_OBLIGATOIRE", not LOCAL_MODE)
OTP_TOTP_ISSUER = "Financement HN / HOP'EN"
# An API token unused for this many seconds is refused (default 12 h).
JETON_INACTIVITE = envint("JETON_INACTIVITE", 12 * 3600)
# --- end MFA and API tokens -----------------------------------------------------------------

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The local mode serves files straight from the finders; production from collectstatic's output.
WHITENOISE_AUTOREFRESH = LOCAL_MODE
WHITENOISE_USE_FINDERS = LOCAL_MODE
# Attachments (dossiers.PieceJointe): the local file system by default; an S3-compatible bucket
# in production when AWS_STORAGE_BUCKET_NAME is set. Either way files are private: served only
# through a view that checks the caller's rights (no MEDIA_URL, no public ACL, signed URLs only).
AWS_STORAGE_BUCKET_NAME = envstr("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    _stockage_fichiers = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": envstr("AWS_S3_ENDPOINT_URL") or None,
            "region_name": envstr("AWS_S3_REGION_NAME") or None,
            "access_key": envstr("AWS_ACCESS_KEY_ID") or None,
            "secret_key": envstr("AWS_SECRET_ACCESS_KEY") or None,
            "location": envstr("AWS_LOCATION", ""),
            "addressing_style": envstr("AWS_S3_ADDRESSING_STYLE") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _stockage_fichiers = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    }
STORAGES = {
    "default": _stockage_fichiers,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if LOCAL_MODE
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Antivirus (issue 17, hn.antivirus; dossiers.analyse) -----------------------------------
# "clamd": every attachment is scanned by ClamAV's daemon (Debian clamav-daemon, signatures from
# freshclam) before anyone but its uploader can open it. "aucun": `make run` without ClamAV, files
# are marked clean but "non analysée" and administrators see "Antivirus désactivé". Default:
# clamd in production, aucun in the local mode (HN_LOCAL: `make run`, the tests).
ANTIVIRUS = envstr("ANTIVIRUS", "aucun" if LOCAL_MODE else "clamd")
if ANTIVIRUS not in ("clamd", "aucun"):
    raise ImproperlyConfigured(f"ANTIVIRUS={ANTIVIRUS!r}: use clamd or aucun.")
CLAMD_SOCKET = envstr("CLAMD_SOCKET", "" if envstr("CLAMD_HOST") else "/run/clamav/clamd.ctl")
CLAMD_HOST = envstr("CLAMD_HOST", "")
CLAMD_PORT = envint("CLAMD_PORT", 3310)
CLAMD_TIMEOUT = envint("CLAMD_TIMEOUT", 10)
# --- end antivirus ----------------------------------------------------------------------------

# --- django-dsfr: escape component content -------------------------------------------------
DSFR_CONTENT_IS_SAFE = False
SITE_TITLE = "Financement HN / HOP'EN"
# Absolute links in e-mails.
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")
# Who hosts this instance, as the « Mentions légales » page says it (name, address, telephone).
HEBERGEUR = envstr("HEBERGEUR", "")
SITE_TAGLINE = "Programmes Hôpital numérique et HOP'EN"

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header turns "not authenticated" into a 401.
        "hn.api.authentification.JetonAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "hn.api.exceptions.exception_handler",
    # JSON only, errors included (no browsable HTML API): the documentation is Swagger UI.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # >>> issue 17 api: bounded JSON (depth, object at the top, no NUL or lone surrogate).
    "DEFAULT_PARSER_CLASSES": [
        "hn.api.parsers.JSONParser",
        "hn.api.parsers.FormParser",
        "hn.api.parsers.MultiPartParser",
    ],
    # <<< issue 17 api
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API financement HN / HOP'EN",
    "DESCRIPTION": "API des programmes Hôpital numérique et HOP'EN (voir API.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets named "categorie" (attachments, notifications): one enum name each.
    "ENUM_NAME_OVERRIDES": {
        "CategoriePieceEnum": "dossiers.enums.CategoriePiece",
        "CategorieNotificationEnum": "hn.notifications.models.Categorie",
        # Two "etat" fields: the dossier's keeps its name, the audit's is told apart.
        "EtatEnum": "dossiers.enums.Etat",
        "EtatAuditEnum": "audits.enums.EtatAudit",
    },
    # >>> issue 17 api: the error responses of API.md on every operation (schemathesis checks).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hn.api.schema.erreurs_documentees",
    ],
    # <<< issue 17 api
}

# >>> issue 17 api: request sizes (hn.garde) --------------------------------------------------
# A body over its cap is refused with 413 from its Content-Length, before it is read.
PIECE_TAILLE_MAX = 2 * 1024 * 1024  # = dossiers.pieces.TAILLE_MAX (SPEC §4), a test checks it
# A multipart upload: one attachment plus the other form fields and the multipart framing.
TELEVERSEMENT_TAILLE_MAX = PIECE_TAILLE_MAX + 64 * 1024
# Any other body (JSON, form): Django's default, explicit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440
FILE_UPLOAD_HANDLERS = [
    "hn.garde.LimiteTeleversement",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# <<< issue 17 api

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if LOCAL_MODE
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "ne-pas-repondre@hopital-numerique.localhost")

# --- Security headers and HTTPS (README "Sécurité") ---------------------------------------
# HTTPS everywhere in production, each switch overridable; nothing of it on the local mode's
# plain http://127.0.0.1. Behind a proxy that terminates TLS, SECURE_PROXY_SSL_HEADER names the
# header it sets (default X-Forwarded-Proto; empty: no proxy, trust only the connection).
_https = not LOCAL_MODE
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", _https)
_proxy_ssl_header = envstr("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO" if _https else "")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", _https)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", _https)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _https)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", _https)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): no inline script or style, no plugin, no framing; the
# few inline scripts left (Swagger UI's start-up) carry the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Browser features the platform never uses (hn/securite.py).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # django-axes logs every login and reset at INFO; blocks (WARNING) are what matters, and
    # logins are traced by hn.journal.
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Demo -----------------------------------------------------------------------------------
DEMO_PASSWORD = envstr("DEMO_PASSWORD", "demo")
