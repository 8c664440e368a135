"""Gongzhi settings: one module, driven by the environment (see .env.example)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from gongzhi.core.crypto import NATIONAL, STANDARD, old_field_keys, read_key
from gongzhi.core.sqlite import SAFETY_NET_PAGES as SQLITE_SAFETY_NET_PAGES

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("GONGZHI_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DEBUG = env_bool("GONGZHI_DEBUG")
# Keys: from the environment, else from VAR_DIR/keys/ (`gongzhi initkeys`, which `make run`
# calls, creates random ones there, mode 600), else public development keys, which
# `gongzhi run` refuses unless DEBUG is on and `gongzhi check --deploy` reports.
GONGZHI_DEVELOPMENT_SECRET_KEY = "gongzhi-insecure-development-key-change-me-in-production"  # noqa: S105
SECRET_KEY = read_key("SECRET_KEY", VAR_DIR, GONGZHI_DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = os.environ.get("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("GONGZHI_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "gongzhi.core",
    "gongzhi.accounts",
    "gongzhi.areas",
    "gongzhi.residents",
    "gongzhi.party",
    "gongzhi.dues",
    "gongzhi.demands",
    "gongzhi.development",
    "gongzhi.attachments",
    "gongzhi.orglife",
    "gongzhi.service",
    "gongzhi.visits",
    "gongzhi.portal",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outermost of ours: every error answer under /api/ is JSON (404, 405, 413, 500 too).
    "gongzhi.core.middleware.ApiErrorMiddleware",
    "gongzhi.accounts.middleware.SessionMiddleware",
    "gongzhi.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "gongzhi.core.middleware.RequestContextMiddleware",
    # Inside RequestContextMiddleware: its records carry the request's address.
    "gongzhi.core.middleware.RefusedLookupMiddleware",
    # Inside the session, messages and CSP: the 405 page is a page of the layout.
    "gongzhi.core.middleware.MethodNotAllowedPageMiddleware",
    "gongzhi.core.middleware.NoStoreMiddleware",
    "gongzhi.core.middleware.DatabaseBusyMiddleware",
    "gongzhi.accounts.middleware.AccountSecurityMiddleware",
    # AxesMiddleware last: it turns a lockout into the sign-in page's message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

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
                "gongzhi.core.context_processors.navigation",
                "gongzhi.portal.shell_context.portal",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# SQLite in WAL mode under var/ by default; PostgreSQL through DATABASE_URL.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'gongzhi.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent like PostgreSQL's: opening the file and reading its schema again cost
    # each request a few ms of CPU (each connection's page cache is up to cache_size).
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("GONGZHI_SQLITE_CONN_MAX_AGE", 60)
    # One writer at a time: the others wait for the lock (busy_timeout, ms) rather than
    # fail; 5 s was within reach of a burst of concurrent API submissions (max 4.1 s seen).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; "
            # Checkpoints are the sweeper's (core/sqlite.py); this is only the safety net.
            f"PRAGMA wal_autocheckpoint={SQLITE_SAFETY_NET_PAGES};"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GONGZHI_TEST_DB") or None}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation (ADR 0021): the planner turns it on for any query it costs above
    # jit_above_cost, and compiling a page's correlated counts took 70 ms of a 120 ms
    # query; the pages' queries run in milliseconds and never repay it. A deployer's own
    # ``options`` in DATABASE_URL come after, and win.
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = " ".join(filter(None, ["-c jit=off", _pg_options.get("options")]))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in security (RULES.md, level-3 protection) -----------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "gongzhi.accounts.backends.ScopedModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:workbench"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # The account's own name and phone number make guessable passwords too.
        "OPTIONS": {"user_attributes": ("username", "full_name", "phone", "email")},
    },
    {
        "NAME": "gongzhi.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("GONGZHI_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "gongzhi.accounts.validators.CharacterClassValidator"},
]
GONGZHI_PASSWORD_MAX_AGE_DAYS = env_int("GONGZHI_PASSWORD_MAX_AGE_DAYS", 90)
# Idle timeout: the session expires 30 minutes after the last request.
SESSION_COOKIE_AGE = env_int("GONGZHI_IDLE_TIMEOUT_SECONDS", 30 * 60)
# Renewed on activity at most once a minute (accounts.middleware.SessionMiddleware).
GONGZHI_SESSION_RENEW_SECONDS = env_int("GONGZHI_SESSION_RENEW_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("GONGZHI_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "gongzhi.core.views.csrf_failure"
# Content-Security-Policy (django-csp): scripts and styles only from this server's own
# files, never inline, never eval, so an escaping slip cannot run a script. Pages declare
# behaviour with data attributes handled by static/gongzhi/app.js and charts.js. Style
# attributes are allowed (ECharts and Bootstrap set them from script; they cannot run
# code), <style> elements are not. data: images are Bootstrap's CSS icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind an HTTPS proxy (docs/deploy.md): redirect plain HTTP, send HSTS, and trust the
# proxy's X-Forwarded-Proto. GONGZHI_TRUSTED_PROXIES: the proxies' addresses, whose
# X-Forwarded-For then gives the client's address for the audit log and the lockout.
SECURE_SSL_REDIRECT = env_bool("GONGZHI_SSL_REDIRECT")
SECURE_HSTS_SECONDS = env_int("GONGZHI_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GONGZHI_HSTS_INCLUDE_SUBDOMAINS")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("GONGZHI_PROXY_SSL_HEADER") else None
)
GONGZHI_TRUSTED_PROXIES = frozenset(
    p.strip() for p in os.environ.get("GONGZHI_TRUSTED_PROXIES", "").split(",") if p.strip()
)

# Lockout: 5 failures lock the account name for 15 minutes, whether or not it exists.
AXES_FAILURE_LIMIT = env_int("GONGZHI_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("GONGZHI_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# The lock lasts 15 minutes from the 5th failure: attempts refused meanwhile do not
# extend it (else anyone could keep someone else's account locked indefinitely).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "gongzhi.accounts.views.locked_out"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = "Gongzhi 共治"

# --- Internationalisation and time -----------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One way of writing dates everywhere: 2026-12-06, 2026-12-06 18:23, 2026年12月.
FORMAT_MODULE_PATH = ["gongzhi.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"  # shown in Asia/Shanghai, stored in UTC

# --- Static files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if env_bool("GONGZHI_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Attachments (gongzhi.attachments, docs/adr/0011-attachments.md) ----------
# Files of every module: private objects of an S3-compatible bucket when GONGZHI_S3_BUCKET
# is set (MinIO, Ceph, a cloud's object storage), else files under VAR_DIR/attachments/
# (or GONGZHI_ATTACHMENTS_DIR). Never a public URL: the views check scope and audit.
if os.environ.get("GONGZHI_S3_BUCKET"):
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["GONGZHI_S3_BUCKET"],
            "endpoint_url": os.environ.get("GONGZHI_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("GONGZHI_S3_REGION") or None,
            # Unset: boto3's own chain (AWS_* variables, an instance role).
            "access_key": os.environ.get("GONGZHI_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("GONGZHI_S3_SECRET_KEY") or None,
            "location": os.environ.get("GONGZHI_S3_PREFIX", "attachments"),
            # "private" unless set empty (a bucket with ACLs disabled is private anyway).
            "default_acl": os.environ.get("GONGZHI_S3_ACL", "private") or None,
            "addressing_style": os.environ.get("GONGZHI_S3_ADDRESSING_STYLE") or None,
            # An intranet CA bundle for the endpoint's certificate, or "false" (never in
            # production) to skip the check.
            "verify": (
                False
                if os.environ.get("GONGZHI_S3_VERIFY", "").lower() == "false"
                else os.environ.get("GONGZHI_S3_VERIFY") or None
            ),
            "object_parameters": (
                {"ServerSideEncryption": os.environ["GONGZHI_S3_SERVER_SIDE_ENCRYPTION"]}
                if os.environ.get("GONGZHI_S3_SERVER_SIDE_ENCRYPTION")
                else {}
            ),
            "querystring_auth": True,  # a URL, were one ever made, would be signed
            "custom_domain": None,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
else:
    STORAGES["attachments"] = {
        "BACKEND": "gongzhi.attachments.storage.LocalStorage",
        "OPTIONS": {"location": os.environ.get("GONGZHI_ATTACHMENTS_DIR") or None},
    }
# Images are decoded in a child process with this much address space and time
# (gongzhi/attachments/imaging.py): a crafted image kills the child, never a worker.
GONGZHI_IMAGE_CHECK_MB = env_int("GONGZHI_IMAGE_CHECK_MB", 1536)
GONGZHI_IMAGE_CHECK_SECONDS = env_int("GONGZHI_IMAGE_CHECK_SECONDS", 30)
# The TrueType font embedded (subset) in the PDF documents (orglife's record bundles, ADR
# 0013): Debian's fonts-wqy-microhei by default, the first face of the collection. Missing,
# the PDFs fall back to the reader's built-in STSong-Light (not embedded) with a warning.
GONGZHI_PDF_FONT = os.environ.get(
    "GONGZHI_PDF_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
)

# --- Gongzhi ------------------------------------------------------------------
# The cache every process shares (core.shared: version stamps of the holiday table and the
# rule parameters): files under the var directory, seen by every worker of one machine;
# Redis when GONGZHI_REDIS_URL is set (several machines). The default cache stays local.
if os.environ.get("GONGZHI_REDIS_URL"):
    SHARED_CACHE = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["GONGZHI_REDIS_URL"],
        "KEY_PREFIX": "gongzhi",
    }
else:
    SHARED_CACHE = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "shared"),
    }
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": SHARED_CACHE,
}

# Background tasks (huey, ADR 0009): the queue lives where the data does, so that no
# extra server is needed: a SQLite file beside the database, tables of its own in the
# PostgreSQL database, or Redis when GONGZHI_REDIS_URL is set. `gongzhi worker` runs it
# (`gongzhi run` starts one); the tables are made by `gongzhi migrate`.
_TASK_DB = DATABASES["default"]
if os.environ.get("GONGZHI_REDIS_URL"):
    HUEY = {"huey_class": "huey.RedisHuey", "url": os.environ["GONGZHI_REDIS_URL"]}
elif _TASK_DB["ENGINE"] == "django.db.backends.postgresql":
    HUEY = {
        "huey_class": "huey.PostgresHuey",
        "table_prefix": "gongzhi_task",
        "create_tables": False,
        **{
            key: value
            for key, value in {
                "dbname": _TASK_DB.get("NAME"),
                "user": _TASK_DB.get("USER"),
                "password": _TASK_DB.get("PASSWORD"),
                "host": _TASK_DB.get("HOST"),
                "port": _TASK_DB.get("PORT"),
            }.items()
            if value
        },
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "filename": str(VAR_DIR / "tasks.sqlite3"),
        "create_tables": False,
    }
HUEY.update(
    name="gongzhi",
    utc=True,
    # Run each task in the caller instead (development without a worker, and the tests).
    immediate=env_bool("GONGZHI_TASKS_IMMEDIATE"),
    consumer={
        "workers": env_int("GONGZHI_TASK_WORKERS", 2),
        "worker_type": "thread",
        "periodic": True,
        "check_worker_health": True,
        "health_check_interval": 10,
    },
)

GONGZHI_IMPORT_MAX_ROWS = env_int("GONGZHI_IMPORT_MAX_ROWS", 200_000)
# An upload larger than this (bytes; 0: never) is imported by the worker, the page waiting.
GONGZHI_IMPORT_BACKGROUND_BYTES = env_int("GONGZHI_IMPORT_BACKGROUND_BYTES", 512 * 1024)
# A list export of more rows than this is made by the worker (0: always in the request),
# and its file kept this many days for its user to download.
GONGZHI_EXPORT_BACKGROUND_ROWS = env_int("GONGZHI_EXPORT_BACKGROUND_ROWS", 5000)
GONGZHI_EXPORT_KEEP_DAYS = env_int("GONGZHI_EXPORT_KEEP_DAYS", 7)
# The delivery log of notifications (core.deliveries): finished rows kept this many days.
GONGZHI_DELIVERY_KEEP_DAYS = env_int("GONGZHI_DELIVERY_KEEP_DAYS", 180)
# An upload is first opened in a child process with this much address space and time
# (core/sheetcheck.py): a crafted file kills the child, never a server worker.
GONGZHI_IMPORT_CHECK_MB = env_int("GONGZHI_IMPORT_CHECK_MB", 2048)
GONGZHI_IMPORT_CHECK_SECONDS = env_int("GONGZHI_IMPORT_CHECK_SECONDS", 120)
# A bulk write (an import) that has committed batches but written nothing for this long is
# taken as dead wherever it ran, and its batches are taken back (core.bulk.recover); one
# whose process is gone on this machine is taken back at once by `gongzhi run`.
GONGZHI_BULK_WRITE_STALE_SECONDS = env_int("GONGZHI_BULK_WRITE_STALE_SECONDS", 600)
GONGZHI_DISTRICT_CODE = os.environ.get("GONGZHI_DISTRICT_CODE", "510107")
PAGE_SIZE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GONGZHI_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
# Lockout is per account name (RULES.md); a per-IP limit would lock out a whole office
# behind one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Key for encrypting personal information at rest (ID numbers). Set it in production and
# keep it in the backup plan: data encrypted with a lost key cannot be read back. Old keys
# keep decrypting until `gongzhi rotate_field_key` has re-encrypted every row.
GONGZHI_FIELD_KEY = read_key("GONGZHI_FIELD_KEY", VAR_DIR)
GONGZHI_FIELD_OLD_KEYS = old_field_keys(VAR_DIR)
# Cipher suite: "standard" (Fernet/AES, HMAC-SHA256) or "sm" (SM4, HMAC-SM3) for
# deployments assessed under the commercial cryptography rules (密评).
GONGZHI_CRYPTO = os.environ.get("GONGZHI_CRYPTO", STANDARD)
if GONGZHI_CRYPTO not in (STANDARD, NATIONAL):
    raise ValueError(f"GONGZHI_CRYPTO must be {STANDARD!r} or {NATIONAL!r}")
# Key of the audit log's chain (HMAC): outside the database, so that someone who can
# write the database cannot recompute the chain. Checkpoints of the chain's head go to
# an append-only file (and the gongzhi.audit.checkpoint logger) every so many seconds.
GONGZHI_AUDIT_KEY = read_key("GONGZHI_AUDIT_KEY", VAR_DIR, "gongzhi-insecure-audit-key")
GONGZHI_AUDIT_OLD_KEYS = [k for k in os.environ.get("GONGZHI_AUDIT_OLD_KEYS", "").split(",") if k]
GONGZHI_AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("GONGZHI_AUDIT_CHECKPOINT_FILE", VAR_DIR / "audit" / "checkpoints.jsonl")
)
GONGZHI_AUDIT_CHECKPOINT_SECONDS = env_int("GONGZHI_AUDIT_CHECKPOINT_SECONDS", 3600)
# Refused lookups (404/403) of one user within a minute that raise a probing alert.
GONGZHI_PROBE_BURST = env_int("GONGZHI_PROBE_BURST", 30)

# --- Notifications (core.notifications, core.senders, core.deliveries; ADR 0010) --------
# Who hears about a demand's progress besides the in-app inbox: dotted paths of sender
# classes, at most one a channel: gongzhi.core.senders.LogSender (logs, the default),
# SmsSender, WeComSender, WebhookSender, EmailSender. Each delivery is in the delivery
# log (core.models.Delivery), retried, and SMS kept within the per-phone rate limits.
GONGZHI_NOTIFICATION_SENDERS = [
    s.strip()
    for s in os.environ.get("GONGZHI_NOTIFICATION_SENDERS", "gongzhi.core.senders.LogSender").split(
        ","
    )
    if s.strip()
]
# The site's address as people open it (https://gongzhi.example.gov.cn): links in WeCom
# cards, e-mails and webhook messages are made absolute with it; unset, they are left out.
GONGZHI_SITE_URL = os.environ.get("GONGZHI_SITE_URL", "").rstrip("/")
# Seconds a sender waits for a provider's answer (then: a retryable failure).
GONGZHI_SENDER_TIMEOUT = float(os.environ.get("GONGZHI_SENDER_TIMEOUT", "5"))
# SMS: GONGZHI_SMS_GATEWAY "http" (an intranet gateway: JSON POST to GONGZHI_SMS_URL with
# the header GONGZHI_SMS_TOKEN_HEADER: GONGZHI_SMS_TOKEN) or "aliyun" (Alibaba Cloud SMS
# SendSms, signed with the AccessKey pair; GONGZHI_SMS_URL defaults to its endpoint).
GONGZHI_SMS_GATEWAY = os.environ.get("GONGZHI_SMS_GATEWAY", "http")
GONGZHI_SMS_URL = os.environ.get("GONGZHI_SMS_URL", "")
GONGZHI_SMS_TOKEN = os.environ.get("GONGZHI_SMS_TOKEN", "")
GONGZHI_SMS_TOKEN_HEADER = os.environ.get("GONGZHI_SMS_TOKEN_HEADER", "Authorization")
GONGZHI_SMS_ACCESS_KEY_ID = os.environ.get("GONGZHI_SMS_ACCESS_KEY_ID", "")
GONGZHI_SMS_ACCESS_KEY_SECRET = os.environ.get("GONGZHI_SMS_ACCESS_KEY_SECRET", "")
GONGZHI_SMS_SIGN_NAME = os.environ.get("GONGZHI_SMS_SIGN_NAME", "")
GONGZHI_SMS_TEMPLATE_CODE = os.environ.get("GONGZHI_SMS_TEMPLATE_CODE", "")
GONGZHI_SMS_TEMPLATE_VARIABLE = os.environ.get("GONGZHI_SMS_TEMPLATE_VARIABLE", "content")
GONGZHI_SMS_REGION = os.environ.get("GONGZHI_SMS_REGION", "cn-hangzhou")
# WeChat Work (企业微信) application messages: the corp, the application's secret and id.
GONGZHI_WECOM_URL = os.environ.get("GONGZHI_WECOM_URL", "https://qyapi.weixin.qq.com")
GONGZHI_WECOM_CORP_ID = os.environ.get("GONGZHI_WECOM_CORP_ID", "")
GONGZHI_WECOM_SECRET = os.environ.get("GONGZHI_WECOM_SECRET", "")
GONGZHI_WECOM_AGENT_ID = os.environ.get("GONGZHI_WECOM_AGENT_ID", "")
# An intranet gateway that relays to SMS or WeChat Work: JSON signed with HMAC-SHA256
# under GONGZHI_WEBHOOK_SECRET (shared with the gateway; nothing is sent without it).
GONGZHI_WEBHOOK_URL = os.environ.get("GONGZHI_WEBHOOK_URL", "")
GONGZHI_WEBHOOK_SECRET = os.environ.get("GONGZHI_WEBHOOK_SECRET", "")
# E-mail (EmailSender, through Django's SMTP backend).
EMAIL_HOST = os.environ.get("GONGZHI_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("GONGZHI_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("GONGZHI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("GONGZHI_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("GONGZHI_EMAIL_STARTTLS")
EMAIL_USE_SSL = env_bool("GONGZHI_EMAIL_SSL")
DEFAULT_FROM_EMAIL = os.environ.get("GONGZHI_EMAIL_FROM", "gongzhi@localhost")
