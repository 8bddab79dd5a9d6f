import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
STATIC_ROOT = os.environ.get("STATIC_ROOT", STATIC_ROOT)  # noqa: F405

# HTTPS only: cookies never travel in clear, browsers remember to use HTTPS (HSTS).
# INSECURE_HTTP=1 turns this off for a plain-HTTP server on 127.0.0.1 (the benchmark).
_HTTPS = os.environ.get("INSECURE_HTTP", "") != "1"
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = _HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000")) if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The load balancer's health check comes in plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")  # noqa: F405

# Hashed, compressed copies made by collectstatic: whitenoise serves them with far-future
# cache headers. Dev and tests keep the plain storage and need no collectstatic.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
