"""Optional error reporting to Sentry: ``SENTRY_DSN`` set and the ``sentry`` extra
installed (``pip install 'engagement-bot[sentry]'``). Unset, nothing is imported.

Only what the logs already hold is sent: no request bodies (``send_default_pii`` off,
request bodies never attached), errors logged at ERROR and unhandled exceptions.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def init(settings: Any) -> bool:
    dsn = getattr(settings, "sentry_dsn", None)
    if not dsn:
        return False
    try:
        import sentry_sdk
        from sentry_sdk.integrations.logging import LoggingIntegration
    except ImportError:
        log.warning("SENTRY_DSN is set but sentry-sdk is not installed "
                    "(pip install 'engagement-bot[sentry]'): not reporting errors")
        return False
    sentry_sdk.init(dsn=dsn, send_default_pii=False, max_request_body_size="never",
                    default_integrations=False,
                    integrations=[LoggingIntegration(level=None, event_level=logging.ERROR)])
    return True
