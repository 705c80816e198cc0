"""Nexus settings: one module, every deploy-specific value from the environment.

See .env.example for the full list of variables and their defaults.
"""

from datetime import timedelta
from pathlib import Path

from corsheaders.defaults import default_headers as cors_default_headers
from csp.constants import NONCE, NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from nexus.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_origins,
    env_str,
)
from nexus.unfold import UNFOLD  # noqa: F401  (the admin chrome lives in its own module)

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = env_choice("ENVIRONMENT", "development", ("development", "test", "production"))
IS_PRODUCTION = ENVIRONMENT == "production"

_DEV_SECRET_KEY = "django-insecure-nexus-development-only-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if IS_PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when ENVIRONMENT=production "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif IS_PRODUCTION and (
    SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters "
        "that do not start with 'django-insecure'."
    )

DEBUG = env_bool("DEBUG", default=ENVIRONMENT == "development")
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must not be true when ENVIRONMENT=production.")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]"]
)
if IS_PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when ENVIRONMENT=production.")
if ENVIRONMENT == "test":
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

CORS_ALLOWED_ORIGINS = env_origins("CORS_ALLOWED_ORIGINS")
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")
PORT = env_int("PORT", 8000, minimum=1)
# Proxies in front of the app that append to X-Forwarded-For (1 on Render/Railway).
NUM_PROXIES = env_int("NUM_PROXIES", 0)

INSTALLED_APPS = [
    # unfold's basic config: its default one would install its own admin site over ours.
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.inlines",
    "unfold.contrib.simple_history",
    "nexus.admin_site.NexusAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "apps.core",
    "apps.users",
    "apps.stores",
    "apps.catalog",
    "apps.checkout",
    "apps.inventory",
    "apps.orders",
    "apps.dashboard",
    "apps.transfer",
    "apps.demo",
]

MIDDLEWARE = [
    "apps.core.middleware.HealthCheckMiddleware",
    "apps.core.middleware.RequestLogMiddleware",
    "apps.core.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: Django offers a view's exception to the innermost middleware first.
    "apps.core.middleware.FailureResponseMiddleware",
]

ROOT_URLCONF = "nexus.urls"
WSGI_APPLICATION = "nexus.wsgi.application"
ASGI_APPLICATION = "nexus.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

CONN_MAX_AGE = env_int("CONN_MAX_AGE", 60)
DATABASES = {
    "default": env_database(
        "DATABASE_URL",
        f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=CONN_MAX_AGE,
        connect_timeout=env_int("DATABASE_CONNECT_TIMEOUT", 3, minimum=1),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several threads (runserver, the task worker) write to one file: wait rather than fail.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
# unfold's login form carries no `next` field: land on the back office, not /accounts/profile/.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if ENVIRONMENT == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and ENVIRONMENT != "test"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The largest request body outside the upload URLs (UPLOAD_URL_LIMITS): bigger ones are refused
# with 413 from their Content-Length before they are read (RequestBodyLimitMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024, minimum=1)
# An uploaded file above this goes to a temporary file instead of staying in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Security: on in production, overridable for a TLS-terminating proxy set-up.
# Behind a proxy that ends TLS and sets X-Forwarded-Proto (Render, Railway, a load balancer,
# nginx) that header tells whether the request came over HTTPS. Anywhere a client reaches
# gunicorn directly it is the client's word, so it is trusted only when the deployment says so.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^api/v1/health/$"]
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", IS_PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", IS_PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from this origin or carrying the
# response's nonce, so no injected inline script or event handler runs; nothing frames the
# pages; forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Added only to pages in unfold's chrome (templates/unfold/layouts/skeleton.html), because unfold
# cannot run without them: its Alpine.js (the standard build; the CSP build cannot evaluate the
# expressions unfold's templates write in x-data/x-on) compiles those with the Function
# constructor, and its templates and x-bind:style write style attributes. Style elements still
# need the nonce. ReDoc's page adds its own few sources (apps/core/api_docs.py).
CONTENT_SECURITY_POLICY_UNFOLD = {"script-src": [UNSAFE_EVAL], "style-src-attr": [UNSAFE_INLINE]}

# Login protection (django-axes): lock per account and IP, unlock after a cool-off.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Counted under the canonical e-mail: "Ann@X.io" must not open a fresh lock-out counter.
AXES_USERNAME_CALLABLE = "apps.users.auth.login_identifier"
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_CLIENT_IP_CALLABLE = "apps.core.client_ip.client_ip"
AXES_VERBOSE = False
# API clients get the JSON error shape; the admin keeps AXES_LOCKOUT_TEMPLATE.
AXES_LOCKOUT_CALLABLE = "apps.core.api.errors.lockout_response"

CORS_URLS_REGEX = r"^/api/.*$"
# The storefront sends Idempotency-Key with orders and reads these answers' headers.
CORS_ALLOW_HEADERS = (*cors_default_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "Idempotent-Replayed"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.users.tokens.NexusJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.NexusAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["apps.core.filtering.QueryFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.throttling.AnonThrottle",
        "apps.core.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "600/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
        "login": env_str("API_THROTTLE_LOGIN", "10/minute"),
        "register": env_str("API_THROTTLE_REGISTER", "20/hour"),
        "password_reset": env_str("API_THROTTLE_PASSWORD_RESET", "5/hour"),
        "account_change": env_str("API_THROTTLE_ACCOUNT_CHANGE", "10/hour"),
        "guest": env_str("API_THROTTLE_GUEST", "60/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 5, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7, minimum=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY", SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "TOKEN_REFRESH_SERIALIZER": "apps.users.tokens.NexusTokenRefreshSerializer",
}

# Password reset links (admin and API) and store invitations expire after these.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_HOURS", 2, minimum=1) * 3600
STORE_INVITATION_DAYS = env_int("STORE_INVITATION_DAYS", 7, minimum=1)
# Reset e-mails sent to one address per hour, whoever asks, so the form cannot flood a mailbox.
PASSWORD_RESET_EMAILS_PER_HOUR = env_int("PASSWORD_RESET_EMAILS_PER_HOUR", 3, minimum=1)
# Where a customer's reset link leads: the storefront's page, which then calls
# POST /api/v1/auth/password-reset/confirm/. Empty: the back office's own reset page.
STOREFRONT_PASSWORD_RESET_URL = env_str("STOREFRONT_PASSWORD_RESET_URL", "")
# Customer accounts: entries of one person's address book; how long the link that confirms
# a new e-mail address works, and where it leads (the storefront's page, given ?token=…,
# which then calls POST /api/v1/auth/me/email/confirm/; empty: the e-mail gives the token).
CUSTOMER_ADDRESSES_MAX = env_int("CUSTOMER_ADDRESSES_MAX", 20, minimum=1)
EMAIL_CHANGE_HOURS = env_int("EMAIL_CHANGE_HOURS", 24, minimum=1)
STOREFRONT_EMAIL_CHANGE_URL = env_str("STOREFRONT_EMAIL_CHANGE_URL", "")
# Where a guest's order link leads: the storefront's order page, given ?number=…&token=…, which
# then calls POST /api/v1/orders/lookup/. Empty: the e-mail gives the number and the token.
STOREFRONT_ORDER_URL = env_str("STOREFRONT_ORDER_URL", "")

# The API's description (/api/schema/, /api/docs/, /api/redoc/) is public by default: it holds
# no secret, the storefront's developers read it, and every endpoint checks its caller anyway.
# False keeps it to staff signed in to the back office (apps.core.api_docs).
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", True)
SPECTACULAR_SETTINGS = {
    "TITLE": "Nexus API",
    "DESCRIPTION": "Storefront and staff API of the Nexus multi-store back office.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "apps.orders.transitions.OrderStatus",
        "FulfilmentStatusEnum": "apps.orders.statuses.FulfilmentStatus",
        "PaymentStatusEnum": "apps.orders.statuses.PaymentStatus",
        "ShipmentStatusEnum": "apps.orders.models.ShipmentStatus",
        "ReturnStatusEnum": "apps.orders.models.ReturnStatus",
        "ReturnReasonEnum": "apps.orders.models.ReturnReason",
        "ReturnDecisionEnum": "apps.orders.models.ReturnDecision",
        "PaymentKindEnum": "apps.orders.models.PaymentKind",
        "ProductStatusEnum": "apps.catalog.models.ProductStatus",
    },
}

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if ENVIRONMENT == "test"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Nexus <no-reply@nexus.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    # No mail server configured: messages are written to the log instead of being lost.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Bulk import/export (apps.transfer): upload limit, and when work moves to the task worker.
TRANSFER_MAX_UPLOAD_BYTES = env_int("TRANSFER_MAX_UPLOAD_MB", 50, minimum=1) * 1024 * 1024
TRANSFER_BACKGROUND_ROWS = env_int("TRANSFER_BACKGROUND_ROWS", 5000, minimum=1)
TRANSFER_BACKGROUND_BYTES = env_int("TRANSFER_BACKGROUND_KB", 1024, minimum=1) * 1024
TRANSFER_EXPORT_BACKGROUND_ROWS = env_int("TRANSFER_EXPORT_BACKGROUND_ROWS", 50000, minimum=1)
TRANSFER_STALE_MINUTES = env_int("TRANSFER_STALE_MINUTES", 10, minimum=1)
# URL name → largest file it takes; its request body may be that plus a mebibyte for the rest
# of the form (apps.core.middleware.RequestBodyLimitMiddleware).
UPLOAD_URL_LIMITS = {"admin:transfer_importjob_new": TRANSFER_MAX_UPLOAD_BYTES}
# Caps on an uploaded file's shape. A workbook is a zip of XML: a few kilobytes can unpack to
# gigabytes or declare a sheet of billions of cells, so it is refused beyond these.
TRANSFER_MAX_COLUMNS = env_int("TRANSFER_MAX_COLUMNS", 256, minimum=1)
TRANSFER_XLSX_MAX_CELLS = env_int("TRANSFER_XLSX_MAX_CELLS", 5_000_000, minimum=1)
TRANSFER_XLSX_MAX_UNPACKED_BYTES = (
    env_int("TRANSFER_XLSX_MAX_UNPACKED_MB", 256, minimum=1) * 1024 * 1024
)
TRANSFER_XLSX_MAX_RATIO = env_int("TRANSFER_XLSX_MAX_RATIO", 100, minimum=2)

# History is an audit trail: reverting from it would bypass the services (and the order
# lifecycle), so the admin shows history read-only.
SIMPLE_HISTORY_REVERT_DISABLED = True

REQUEST_LOG = env_bool("REQUEST_LOG", default=IS_PRODUCTION)
LOG_LEVEL = env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own console handler (DEBUG only, on stderr) would print every django.* line
        # a second time beside the root handler.
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
