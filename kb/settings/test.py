from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"
# pytest-django sets EMAIL_BACKEND to locmem anyway; the tests of the outbox switch to
# kb.mail.OutboxBackend, which then delivers to django.core.mail.outbox too.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ELASTICSEARCH_INDEX_PREFIX = "quesiti-test"
# Tests of the Elasticsearch engine switch to it (tests/search/conftest.py).
SEARCH_ENGINE = "database"
# whitenoise finds static files through the finders on request: no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Each read written at once, so that tests see it (tests/kb checks the batching).
READS_BATCH = 1
