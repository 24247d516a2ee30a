# A test OpenID Connect provider (django-oidc-provider) for hydra's OIDC sign-in tests; started by
# scripts/oidc-provider.sh, on 127.0.0.1 only, with its database in OIDC_PROVIDER_DIR.
import os

DIR = os.environ["OIDC_PROVIDER_DIR"]
SITE_URL = os.environ["OIDC_PROVIDER_URL"]
SECRET_KEY = "hydra-test-provider-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "hydra_provider_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(DIR, "provider.sqlite3")}}
USE_TZ = True
LOGIN_URL = "/accounts/login/"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
OIDC_IDTOKEN_PROCESSING_HOOK = "hydra_provider_hooks.id_token"
OIDC_USERINFO = "hydra_provider_hooks.userinfo"
OIDC_SKIP_CONSENT_EXPIRE = 1
