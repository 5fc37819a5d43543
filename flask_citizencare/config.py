"""Every ``CITIZENCARE_*`` setting, its default and what it means.

The host sets these in ``app.config`` before ``init_app``; anything it leaves
out gets the default below. A ``CITIZENCARE_`` key that is not listed here is a
spelling mistake and stops start-up (see :func:`check_unknown_keys`), and so
does a value that would only fail later (:func:`check_values`; the values that
are objects are parsed by :mod:`.settings`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigurationError
from .security_headers import check_policy_setting
from .settings import Settings

PREFIX = "CITIZENCARE_"
#: The sections of the service sheet whose text CITIZENCARE_SERVICE_SHEET may replace.
SERVICE_SHEET_SECTIONS = (
    "description",
    "addressed",
    "extended_description",
    "how_to",
    "needed_intro",
    "needed",
    "achieved",
    "costs",
    "access",
    "conditions",
)
SQLITE_JOURNAL_MODES = ("wal", "delete", "truncate", "persist")
#: Who sends photo files (CITIZENCARE_PHOTO_SENDFILE): the app itself, nginx or Apache.
PHOTO_SENDFILE_MODES = ("", "x-accel-redirect", "x-sendfile")


@dataclass(frozen=True)
class Setting:
    default: Any
    help: str


SETTINGS: dict[str, Setting] = {
    # Mounting
    "URL_PREFIX": Setting("/citizencare", "URL prefix of every page of the extension."),
    "REGISTER_BLUEPRINTS": Setting(
        True, "Register the extension's blueprints; False lets the host mount them itself."
    ),
    "BASE_TEMPLATE": Setting(
        "citizencare/layout.html",
        "The host's layout, which our pages extend. They fill its blocks `content`, `head`, `scripts` "
        "and `title`; without `head`/`scripts` our assets go inside `content`, without `title` the "
        "layout's own title stays (a start-up warning names what is missing).",
    ),
    # The municipality
    "SHOW_FLASHES": Setting(
        True,
        "Show flashed messages on our pages; set False when the host's layout already shows them.",
    ),
    "MUNICIPALITY_NAME": Setting("Comune", "Name shown in page titles and mails."),
    # The service sheet at our index (C.SI.1.3) and its contacts: the URP (docs/service-sheet.md)
    "URP_NAME": Setting(
        None,
        'Name of the office that handles the reports; None: "Public Relations Office (URP)", translated.',
    ),
    "URP_EMAIL": Setting(None, "The URP's e-mail address, shown under Contacts; None: not shown."),
    "URP_PHONE": Setting(
        None, 'The URP\'s phone number as people dial it ("051 000 0001"); None: not shown.'
    ),
    "URP_STREET_ADDRESS": Setting(None, 'The URP\'s street and number ("Piazza del Municipio 1").'),
    "URP_POSTAL_CODE": Setting(None, 'The URP\'s postal code ("40100").'),
    "URP_LOCALITY": Setting(None, "The URP's town; None: the municipality's name."),
    "URP_URL": Setting(None, "The URP's page on the host site, linked from its name; None: no link."),
    "SERVICE_CONDITIONS_URL": Setting(
        None, "Terms and conditions of the service (a page or PDF); None: our privacy notice."
    ),
    "SERVICE_SHEET": Setting(
        {},
        "The service sheet's texts, replacing ours, by section ("
        + ", ".join(SERVICE_SHEET_SECTIONS)
        + "): a text for every language, or {'it': ..., 'en': ...} by language (a language left out "
        "keeps our translated text). In `needed`, each line is one item of the list.",
    ),
    "AREA": Setting(
        None,
        "Where reports may be placed: a bbox (min_lon, min_lat, max_lon, max_lat) or a GeoJSON "
        "Polygon/MultiPolygon mapping, in WGS84. None accepts any valid coordinate.",
    ),
    "DISTRICTS": Setting(
        (),
        "Named parts of the municipality, which staff filter the queue by and routing rules name: a list of "
        "{'name': 'Navile', 'bbox': (min_lon, min_lat, max_lon, max_lat)}.",
    ),
    "MAP_CENTER": Setting((41.9028, 12.4964), "Initial map centre as (lat, lon)."),
    "MAP_ZOOM": Setting(13, "Initial map zoom level."),
    "TILE_URL": Setting(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Leaflet tile URL template; many municipalities run their own tile server.",
    ),
    "TILE_ATTRIBUTION": Setting(
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        "Attribution shown on the map for the tiles.",
    ),
    "ROUTING": Setting(
        (),
        "Routing rules tried after the ones managers keep on the routing screen and before the "
        "category's default office: a list of "
        "{'office': code, 'categories': [codes] (optional), 'area': GeoJSON polygon (optional)}.",
    ),
    "SLA_CALENDAR": Setting(
        {},
        "Business calendar: {'hours': {'mon-fri': ['08:00-13:00', '14:00-17:00']}, "
        "'local_holidays': ['10-04'], 'subdiv': 'BO', 'non_working_day_start': '09:00'}; "
        "the time zone is CITIZENCARE_TIMEZONE.",
    ),
    "SLA_POLICY": Setting(
        {},
        "Service levels: {'acknowledgement': {'web': '30m', 'email': '45m', 'phone': '90m'}, "
        "'resolution': {1: '6h', 2: '8h'}, 'ceiling_simple': '7d', 'ceiling_complex': '40d', "
        "'categories': {code: overrides}}; left-out keys keep these defaults.",
    ),
    "SLA_RECOMPUTE_IN_BACKGROUND": Setting(
        True,
        "After managers change the service levels or the calendar, recompute the open cases' due times "
        "in a thread of the web process; False leaves it to `flask citizencare sla recompute` (cron).",
    ),
    "QUEUE_PAGE_SIZE": Setting(50, "Cases per page of the staff queue."),
    "DUPLICATE_RADIUS_M": Setting(
        50, "Open reports of the same category within this many metres are possible duplicates."
    ),
    "DUPLICATE_MAX_AGE_DAYS": Setting(30, "... and received within this many days."),
    "SUGGEST_ENABLED": Setting(
        True,
        "Suggest category, office, possible duplicates and replies from the model trained on the "
        "municipality's own finished cases (`flask citizencare suggest train`); False: never.",
    ),
    "SUGGEST_DUPLICATE_RADIUS_M": Setting(
        200, "The suggestions look for possible duplicates of any category within this many metres ..."
    ),
    "SUGGEST_DUPLICATE_DAYS": Setting(60, "... among the open reports received within this many days."),
    "SUGGEST_MAX_CASES": Setting(
        200_000,
        "`suggest train` learns from at most this many of the newest finished cases (0: all of them): "
        "recent cases tell today's catalogue best and the training time stays bounded.",
    ),
    "INTAKE_BACKDATE_DAYS": Setting(
        7,
        "Staff registering a request that arrived by phone, e-mail, letter or at the counter may date "
        "its arrival at most this many days back (never in the future): the service levels count from it.",
    ),
    "TIMEZONE": Setting("Europe/Rome", "Time zone of the business calendar and of dates shown to people."),
    # Security headers
    "SECURITY_HEADERS": Setting(
        True,
        "Send Content-Security-Policy, X-Frame-Options, X-Content-Type-Options, Referrer-Policy and "
        "Permissions-Policy on every answer of the extension; False leaves them all to the host.",
    ),
    "CSP": Setting(
        {},
        "Sources added to our Content-Security-Policy, by directive: {'img-src': ['https://cdn.example'], "
        "'script-src': ['https://stats.example']}; None as a value drops the directive. The tile server "
        "of TILE_URL is added to img-src by itself. A host layout's inline scripts need "
        'nonce="{{ cc_csp_nonce() }}" (see docs/security-headers.md).',
    ),
    "CSP_REPORT_ONLY": Setting(
        False, "Send the policy as Content-Security-Policy-Report-Only: browsers report, nothing is blocked."
    ),
    "PERMISSIONS_POLICY": Setting(
        {},
        "Features of our Permissions-Policy, replacing the default allowlist of each one named: "
        "{'geolocation': ['self', 'https://portal.example']}; None drops a feature. By default only "
        "geolocation is allowed, to our own origin.",
    ),
    # Languages
    "LANGUAGES": Setting(("it", "en", "ca"), "Languages offered to users; the first is the default."),
    "FORMAT_LOCALES": Setting(
        {"en": "en_GB"},
        "The locale whose formats write dates and numbers for each language (the language itself when "
        "absent): English as in Britain, day first, by default; `{}` for Babel's own (`en` is US).",
    ),
    "TRANSLATION_DIRECTORIES": Setting(
        (),
        "Folders of the host's own catalogs of our messages, `<lang>/LC_MESSAGES/citizencare.mo`: they "
        "reword our strings or add a language (list it in LANGUAGES too); ours fill in the rest.",
    ),
    # Database
    "SPATIALITE_LIBRARY": Setting(
        "mod_spatialite",
        "Name or path of the SpatiaLite module loaded on SQLite connections.",
    ),
    "SQLITE_BUSY_TIMEOUT": Setting(
        30,
        "Seconds a SQLite connection waits for another writer before giving up with "
        '"database is locked"; floods of submissions queue up instead of failing.',
    ),
    "SQLITE_JOURNAL_MODE": Setting(
        "wal",
        "Journal mode set on SQLite databases: wal lets readers and the writer work at the same time; "
        "use delete for a database on a network file system, None to leave it as it is.",
    ),
    # Reporting
    "ANONYMOUS_REQUIRES_EMAIL": Setting(True, "An anonymous reporter must give an e-mail address."),
    "MAX_PHOTOS": Setting(5, "Most photos per report."),
    "REPORT_FLOW": Setting(
        "steps",
        "The citizens' report form at /new: `steps` is the AgID model's three steps (conditions, data, "
        "summary) kept as a server-side draft; `single` is the one-page form.",
    ),
    "DRAFT_HOURS": Setting(24, "Hours a three-step report draft is kept after its last change."),
    # Proposals
    "PROPOSAL_ANSWER_DAYS": Setting(
        30,
        "Working days (business calendar) the municipality has to answer a proposal once its supports "
        "reach the category's threshold; a category may set its own.",
    ),
    "SUPPORT_LIMIT": Setting(
        0,
        "Most proposals one person may support at a time among those not yet answered "
        "(Decidim's vote limit); 0: no limit.",
    ),
    "HIDE_SUPPORTS_UNTIL_ANSWERED": Setting(
        False, "Show a proposal's supports count only once it is answered, to avoid bandwagons."
    ),
    "SUPPORT_CONFIRM_DAYS": Setting(
        7, "Days the link confirming an anonymous supporter's e-mail address stays valid."
    ),
    "PHOTO_MAX_BYTES": Setting(10 * 1024 * 1024, "Largest accepted photo file, in bytes."),
    "PHOTO_MAX_PIXELS": Setting(40_000_000, "Largest accepted photo, in pixels (decompression-bomb guard)."),
    "PHOTO_DIR": Setting(
        None,
        "Folder of the default local photo store; None means `citizencare-photos` in the instance folder.",
    ),
    "PHOTO_STORAGE": Setting(
        None,
        "A storage backend object (see flask_citizencare.storage.PhotoStore) or None for the local folder.",
    ),
    "PHOTO_SENDFILE": Setting(
        "",
        "Who sends the photo files of the local store once the app has checked access: '' the app "
        "streams them; 'x-accel-redirect' nginx (the app answers with an empty body and "
        "X-Accel-Redirect: <PHOTO_ACCEL_PREFIX>/<ab>/<key>); 'x-sendfile' Apache's mod_xsendfile "
        "(X-Sendfile: the file's absolute path). Other stores always stream (docs/deployment.md).",
    ),
    "PHOTO_ACCEL_PREFIX": Setting(
        "/_citizencare_photos",
        "The nginx `internal` location that aliases the photo folder, for PHOTO_SENDFILE "
        "x-accel-redirect (deploy/nginx/citizencare.conf).",
    ),
    # Mail
    "SMTP_HOST": Setting("localhost", "SMTP server that delivers the outbox."),
    "SMTP_PORT": Setting(25, "SMTP server port."),
    "SMTP_STARTTLS": Setting(False, "Upgrade the SMTP connection with STARTTLS."),
    "SMTP_SSL": Setting(False, "Connect to the SMTP server over TLS from the start (port 465)."),
    "SMTP_USERNAME": Setting(None, "SMTP user name, if the server needs one."),
    "SMTP_PASSWORD": Setting(None, "SMTP password."),
    "SMTP_TIMEOUT": Setting(30, "Seconds to wait for the SMTP server."),
    "OUTBOX_MAX_ATTEMPTS": Setting(
        8, "Delivery tries before a mail is given up (dead letter, visible to admins)."
    ),
    "OUTBOX_BACKOFF_SECONDS": Setting(60, "Wait before the first retry; it doubles with every attempt."),
    "OUTBOX_BACKOFF_MAX_SECONDS": Setting(6 * 3600, "Longest wait between two retries."),
    "OUTBOX_CLAIM_SECONDS": Setting(
        300, "How long a worker holds the mails it claimed before others may take them."
    ),
    "MAIL_FROM": Setting("segnalazioni@localhost", "From address of every mail."),
    "SITE_URL": Setting(
        "http://localhost:5000",
        "Public address of the site (scheme, host, optional path), for links in mails sent from commands.",
    ),
    "REPLY_SECRET": Setting(None, "Key of the reply-address tokens; None derives it from SECRET_KEY."),
    "REPLY_LOCAL": Setting(
        "risposte", "Local part of the reply addresses (risposte+<report>.<token>@domain)."
    ),
    "SURVEY_DAYS": Setting(30, "Days a satisfaction-survey link stays valid."),
    "REOPEN_DAYS": Setting(30, "Days after resolution during which a reply by mail reopens the case."),
    "REOPEN_PER_DAY": Setting(3, "Most reopens by mail per case in 24 hours."),
    "REPLY_DOMAIN": Setting(None, "Domain of the reply addresses that route answers back into threads."),
    "MAIL_MAX_BYTES": Setting(
        25 * 1024 * 1024,
        "Largest message `flask citizencare mail ingest` reads; a larger one is left where it is, unread "
        "(stdin: refused with exit 65, so the MTA returns it to the sender).",
    ),
    "IMAP_HOST": Setting(
        None, "IMAP server `flask citizencare mail ingest --imap` polls for replies; None turns polling off."
    ),
    "IMAP_PORT": Setting(993, "IMAP server port."),
    "IMAP_SECURITY": Setting("ssl", "How to secure the IMAP connection: ssl, starttls or none."),
    "IMAP_USERNAME": Setting(None, "IMAP user name."),
    "IMAP_PASSWORD": Setting(None, "IMAP password."),
    "IMAP_FOLDER": Setting("INBOX", "Folder the replies arrive in."),
    "IMAP_DONE_FOLDER": Setting(
        None, "Folder processed messages are moved to; None deletes them from IMAP_FOLDER once handled."
    ),
    "IMAP_POLL_SECONDS": Setting(60, "Seconds between two polls of `mail ingest --imap --loop`."),
    "FOLLOW_CONFIRM_DAYS": Setting(7, "Days the link confirming a follower's e-mail address stays valid."),
    "SUBSCRIPTION_CONFIRM_DAYS": Setting(
        7, "Days the link confirming a subscription to notices or local alerts stays valid."
    ),
    "SUBSCRIPTIONS_PER_ADDRESS": Setting(
        20, "Subscriptions (notices and local alerts, confirmed or waiting) one e-mail address may hold."
    ),
    "SUBSCRIPTION_CONFIRMATIONS_PER_DAY": Setting(
        5, "Subscription confirmation mails one e-mail address gets in 24 hours, all subscriptions together."
    ),
    "FORM_MIN_SECONDS": Setting(
        3,
        "A citizen's form (report, add information, follow) posted sooner than this many seconds after "
        "it was shown is taken for a bot's and silently dropped, as is one with its hidden honeypot "
        "field filled or its signed time missing.",
    ),
    # Operations
    "MONITORING_NETWORKS": Setting(
        ("127.0.0.0/8", "::1"),
        "Client addresses or networks of the monitoring: /readyz shows them each check's detail (others "
        "get only the names and results) and does not rate-limit them; only they get the metrics. "
        "Behind a proxy the host must use Werkzeug's ProxyFix: the client is request.remote_addr.",
    ),
    # Abuse protection: rate limits (strings in Flask-Limiter's syntax, "5 per hour; 20 per day")
    "RATELIMIT_ENABLED": Setting(True, "Limit how often the public forms, links and API may be used."),
    "RATELIMIT_STORAGE_URI": Setting(
        "memory://",
        "Where the counters live: memory:// counts per process; with several processes or hosts use "
        "Redis (redis://127.0.0.1:6379/0, needs the `redis` package) so they share the counts.",
    ),
    "RATELIMIT_KEY_PREFIX": Setting(
        "citizencare", "Prefix of the counters' keys, to keep apart several sites sharing one Redis."
    ),
    "RATELIMIT_STRATEGY": Setting(
        "fixed-window", "How rates are counted: fixed-window, moving-window or sliding-window-counter."
    ),
    "RATELIMIT_EXEMPT": Setting(
        (),
        "Client addresses or networks never limited (e.g. the municipality's own offices, monitoring). "
        "Behind a proxy the host must use Werkzeug's ProxyFix: the client is request.remote_addr.",
    ),
    "RATELIMIT_READYZ_PER_IP": Setting(
        "60 per minute", "Requests of /readyz per client address outside CITIZENCARE_MONITORING_NETWORKS."
    ),
    "RATELIMIT_REPORT_PER_IP": Setting(
        "30 per hour; 200 per day", "Report form submissions per client address (IPv6: per /64)."
    ),
    "RATELIMIT_REPORT_PER_EMAIL": Setting(
        "10 per hour; 50 per day", "Report form submissions per e-mail address given in the form."
    ),
    "RATELIMIT_ADD_INFORMATION_PER_IP": Setting(
        "30 per hour; 100 per day", 'Posts of "add information" on tracking pages per client address.'
    ),
    "RATELIMIT_ADD_INFORMATION_PER_REPORT": Setting(
        "10 per hour; 30 per day", 'Posts of "add information" per report (its reporter\'s address).'
    ),
    "RATELIMIT_FOLLOW_PER_IP": Setting("30 per hour; 200 per day", "Follow requests per client address."),
    "RATELIMIT_FOLLOW_PER_ADDRESS": Setting(
        "10 per hour; 30 per day",
        "Follow requests per e-mail address to follow with: nobody can flood an address with confirmations.",
    ),
    "RATELIMIT_LINKS_PER_IP": Setting(
        "60 per hour",
        "Requests of the one-use links (survey, follow confirmation, unsubscribe) per client address: "
        "guessing links gets slow.",
    ),
    "RATELIMIT_SUBSCRIBE_PER_IP": Setting(
        "20 per hour; 100 per day", "Subscription requests (notices, local alerts) per client address."
    ),
    "RATELIMIT_SUBSCRIBE_PER_ADDRESS": Setting(
        "5 per hour; 20 per day",
        "Subscription requests per e-mail address: nobody can flood an address with confirmations.",
    ),
    "RATELIMIT_SUPPORT_PER_IP": Setting(
        "30 per hour; 200 per day", "Supports (and their withdrawals) sent per client address."
    ),
    "RATELIMIT_SUPPORT_PER_ADDRESS": Setting(
        "5 per hour; 20 per day",
        "Anonymous supports per e-mail address: nobody can flood an address with confirmation mails.",
    ),
    "RATELIMIT_FEEDBACK_PER_IP": Setting(
        "20 per hour; 100 per day",
        'Ratings sent with the "how clear is this page" widget per client address.',
    ),
    "RATELIMIT_API_PER_IP": Setting(
        "300 per minute; 10000 per hour",
        "Requests of the public API (GeoJSON, map tiles) and open data exports per client address.",
    ),
    "RATELIMIT_OPEN311_PER_IP": Setting(
        "300 per minute; 10000 per hour",
        "Open311 requests per client address (reading and filing; a key's own limit counts apart).",
    ),
    "RATELIMIT_OPEN311_PER_KEY": Setting(
        "60 per minute; 5000 per day",
        "Open311 requests per API key when `apikey create --rate` gave the key no limit of its own.",
    ),
    # Retention of personal data (GDPR)
    "RETENTION_MONTHS": Setting(
        24,
        "Months after a report is closed (resolved, closed or rejected) before `flask citizencare "
        "retention run` erases its reporter's contact and its followers; the report stays public.",
    ),
    "RETENTION_MONTHS_BY_CATEGORY": Setting(
        {},
        "Other retention months for some categories, by category code: {'minori': 60}.",
    ),
    # Public map, API and open data
    "API_DEFAULT_LIMIT": Setting(500, "Reports per answer of /api/reports.geojson when no limit is given."),
    "API_MAX_LIMIT": Setting(
        2000,
        "Hard cap of reports per answer; a map view holding more gets clusters instead of points.",
    ),
    # Monitoring (docs/deployment.md "Metrics")
    "METRICS_PATH": Setting(
        "/metrics",
        "Path of the Prometheus metrics under the URL prefix (needs the `metrics` extra, "
        "prometheus_client); None: no metrics endpoint.",
    ),
    # Open311 GeoReport v2 (docs/open311.md)
    "OPEN311_ENABLED": Setting(True, "Serve the Open311 GeoReport v2 API and its documentation page."),
    "OPEN311_PREFIX": Setting(
        "/open311",
        "Where Open311 lives under URL_PREFIX: its documentation page here, the API at <prefix>/v2.",
    ),
    "OPEN311_JURISDICTION": Setting(
        None,
        "This municipality's jurisdiction_id (e.g. 'comune.esempio.it'); a request naming another gets "
        "404. None: any jurisdiction_id is ignored.",
    ),
    "OPEN311_CONTACT": Setting(
        None,
        "Discovery's contact: who developers write to about the API; None: the URP's e-mail and phone.",
    ),
    "OPEN311_KEY_SERVICE": Setting(
        None, "Discovery's key_service: where developers ask for an API key; None: the contact's text."
    ),
    "OPEN311_CHANGESET": Setting(
        None, "Discovery's changeset (ISO 8601 time of the last change of the API); None: the release's."
    ),
    "OPENDATA_LICENCE": Setting("CC BY 4.0", "Licence of the open data exports, by name."),
    "DASHBOARD_SOURCE": Setting(
        "auto",
        "Where the dashboards read their figures: summary (tables filled by `flask citizencare stats "
        'refresh`, shown with their "as of" time), live (computed from the reports on every request; '
        "small databases only) or auto: the summary once it has been refreshed; before that, live while "
        "there are at most CITIZENCARE_DASHBOARD_LIVE_MAX_REPORTS reports, otherwise no figures, a "
        '"figures being prepared" notice and a warning in the log to run `stats refresh`. A request '
        "never refreshes the summary: schedule `stats refresh` (e.g. every 5 minutes).",
    ),
    "DASHBOARD_LIVE_MAX_REPORTS": Setting(
        5000,
        "Largest number of reports the dashboards compute live with DASHBOARD_SOURCE auto while no "
        "summary exists (counted with a scan that stops there); live figures over more take seconds.",
    ),
    "OPENDATA_LICENCE_URL": Setting(
        "https://creativecommons.org/licenses/by/4.0/", "Address of the open data licence's text."
    ),
    # Logs (docs/deployment.md, "Logs")
    "LOG_FORMAT": Setting(
        None,
        'Our log lines ("flask_citizencare" loggers): "json" (one object per line) or "text", on stderr '
        "with a handler of their own; None leaves them to the host's logging set-up. The request id "
        "and the masking of personal data apply in every case.",
    ),
    "LOG_LEVEL": Setting("INFO", 'Level of our loggers when LOG_FORMAT is "json" or "text".'),
    "TRUST_REQUEST_ID": Setting(
        True,
        "Keep a valid X-Request-ID sent by the proxy (nginx: `proxy_set_header X-Request-ID "
        "$request_id;`); False: every request gets a fresh id.",
    ),
}


def apply_defaults(config: dict[str, Any]) -> None:
    """Fill every missing ``CITIZENCARE_*`` key with its default."""
    for name, setting in SETTINGS.items():
        config.setdefault(PREFIX + name, setting.default)


def check_unknown_keys(config: Mapping[str, Any]) -> None:
    """Refuse ``CITIZENCARE_`` keys we don't know: they are almost always typos."""
    unknown = sorted(k for k in config if k.startswith(PREFIX) and k[len(PREFIX) :] not in SETTINGS)
    if unknown:
        raise ConfigurationError(
            f"unknown setting {', '.join(unknown)}: check the spelling against "
            "flask_citizencare.config.SETTINGS (or run `flask citizencare settings`)"
        )


def check_values(config: Mapping[str, Any]) -> Settings:
    """Catch values that would only fail later, deep inside a request; parse those that are objects."""
    prefix = config[PREFIX + "URL_PREFIX"]
    if not isinstance(prefix, str) or (prefix and not prefix.startswith("/")):
        raise ConfigurationError(f"CITIZENCARE_URL_PREFIX must start with '/', not {prefix!r}")
    settings = Settings.from_config(config)
    for name, what in (
        ("DASHBOARD_LIVE_MAX_REPORTS", "a whole number"),
        ("INTAKE_BACKDATE_DAYS", "a whole number of days"),
        ("SUGGEST_DUPLICATE_RADIUS_M", "a whole number of metres"),
        ("SUGGEST_DUPLICATE_DAYS", "a whole number of days"),
        ("SUGGEST_MAX_CASES", "a whole number of cases"),
    ):
        value = config[PREFIX + name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigurationError(f"CITIZENCARE_{name} must be {what} (0 or more), not {value!r}")
    timeout = config[PREFIX + "SQLITE_BUSY_TIMEOUT"]
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 <= timeout < 3600:
        raise ConfigurationError(
            f"CITIZENCARE_SQLITE_BUSY_TIMEOUT must be seconds from 0 to 3600, not {timeout!r}"
        )
    journal = config[PREFIX + "SQLITE_JOURNAL_MODE"]
    if journal is not None and str(journal).lower() not in SQLITE_JOURNAL_MODES:
        raise ConfigurationError(
            f"CITIZENCARE_SQLITE_JOURNAL_MODE must be one of {', '.join(SQLITE_JOURNAL_MODES)} or None, "
            f"not {journal!r}"
        )
    if config[PREFIX + "REPORT_FLOW"] not in ("steps", "single"):
        raise ConfigurationError(
            f"CITIZENCARE_REPORT_FLOW must be 'steps' or 'single', not {config[PREFIX + 'REPORT_FLOW']!r}"
        )
    for name, low, high in (("PROPOSAL_ANSWER_DAYS", 1, 365), ("SUPPORT_CONFIRM_DAYS", 1, 90)):
        days = config[PREFIX + name]
        if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
            raise ConfigurationError(
                f"CITIZENCARE_{name} must be whole days from {low} to {high}, not {days!r}"
            )
    open311 = config[PREFIX + "OPEN311_PREFIX"]
    if not isinstance(open311, str) or not open311.startswith("/") or open311.endswith("/"):
        raise ConfigurationError(
            f"CITIZENCARE_OPEN311_PREFIX must start with '/' and not end with one, not {open311!r}"
        )
    limit = config[PREFIX + "SUPPORT_LIMIT"]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ConfigurationError(f"CITIZENCARE_SUPPORT_LIMIT must be a whole number (0: none), not {limit!r}")
    hours = config[PREFIX + "DRAFT_HOURS"]
    if isinstance(hours, bool) or not isinstance(hours, int) or not 0 < hours <= 24 * 30:
        raise ConfigurationError(f"CITIZENCARE_DRAFT_HOURS must be whole hours from 1 to 720, not {hours!r}")
    sendfile = config[PREFIX + "PHOTO_SENDFILE"]
    if sendfile not in PHOTO_SENDFILE_MODES:
        raise ConfigurationError(
            f"CITIZENCARE_PHOTO_SENDFILE must be '', 'x-accel-redirect' or 'x-sendfile', not {sendfile!r}"
        )
    accel = config[PREFIX + "PHOTO_ACCEL_PREFIX"]
    if not isinstance(accel, str) or not accel.startswith("/") or accel.endswith("/") or "//" in accel:
        raise ConfigurationError(
            f"CITIZENCARE_PHOTO_ACCEL_PREFIX must start with '/' and not end with one, not {accel!r}"
        )
    _check_networks(config, "MONITORING_NETWORKS")
    _check_retention(config)
    _check_service_sheet(config)
    check_policy_setting(config)
    return settings


def _check_service_sheet(config: Mapping[str, Any]) -> None:
    texts = config[PREFIX + "SERVICE_SHEET"]
    name = PREFIX + "SERVICE_SHEET"
    if not isinstance(texts, Mapping):
        raise ConfigurationError(f"{name} must map sections to texts, not {texts!r}")
    unknown = sorted(str(k) for k in texts if k not in SERVICE_SHEET_SECTIONS)
    if unknown:
        raise ConfigurationError(
            f"{name}: unknown section {', '.join(unknown)}; "
            f"the sections are {', '.join(SERVICE_SHEET_SECTIONS)}"
        )
    for section, value in texts.items():
        by_language = value if isinstance(value, Mapping) else {"": value}
        for language, text in by_language.items():
            if not isinstance(language, str) or not isinstance(text, str) or not text.strip():
                raise ConfigurationError(
                    f"{name}[{section!r}] must be a text or a mapping of language codes to texts"
                )
    for key in (
        "URP_NAME",
        "URP_EMAIL",
        "URP_PHONE",
        "URP_STREET_ADDRESS",
        "URP_POSTAL_CODE",
        "URP_LOCALITY",
        "URP_URL",
        "SERVICE_CONDITIONS_URL",
    ):
        value = config[PREFIX + key]
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigurationError(f"{PREFIX}{key} must be a text or None, not {value!r}")
    for key in ("URP_URL", "SERVICE_CONDITIONS_URL"):
        value = config[PREFIX + key]
        if value is not None and not value.startswith(("https://", "http://", "/")):
            raise ConfigurationError(f"{PREFIX}{key} must be an http(s) address or a path, not {value!r}")


def _check_networks(config: Mapping[str, Any], name: str) -> None:
    value = config[PREFIX + name]
    try:
        for network in [value] if isinstance(value, str) else value:
            ipaddress.ip_network(str(network), strict=False)
    except (TypeError, ValueError) as error:
        raise ConfigurationError(
            f"CITIZENCARE_{name} must list addresses or networks such as '10.0.0.0/8' or '::1': {error}"
        ) from None


def _months(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 1200


def _check_retention(config: Mapping[str, Any]) -> None:
    if not _months(config[PREFIX + "RETENTION_MONTHS"]):
        raise ConfigurationError("CITIZENCARE_RETENTION_MONTHS must be whole months from 1 to 1200")
    by_category = config[PREFIX + "RETENTION_MONTHS_BY_CATEGORY"]
    if not isinstance(by_category, Mapping) or not all(
        isinstance(code, str) and _months(months) for code, months in by_category.items()
    ):
        raise ConfigurationError(
            "CITIZENCARE_RETENTION_MONTHS_BY_CATEGORY must map category codes to months from 1 to 1200"
        )
