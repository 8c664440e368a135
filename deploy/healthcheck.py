#!/usr/bin/env python3
"""Health check of the Gongzhi image: the sign-in page answers 200.

Asked as nginx asks: Host is the first of GONGZHI_ALLOWED_HOSTS (another would be refused
with 400) and X-Forwarded-Proto is https (else an HTTPS redirect would answer instead).
"""

import os
import sys
import urllib.request

bind = os.environ.get("GONGZHI_BIND", "127.0.0.1:8000")
port = bind.rpartition(":")[2]
host = os.environ.get("GONGZHI_ALLOWED_HOSTS", "127.0.0.1").split(",")[0].strip().lstrip(".")
if host in ("", "*"):
    host = "127.0.0.1"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


request = urllib.request.Request(
    f"http://127.0.0.1:{port}/accounts/login/",
    headers={"Host": host, "X-Forwarded-Proto": "https"},
)
try:
    with urllib.request.build_opener(NoRedirect).open(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as error:  # HTTPError (any status but 2xx) and connection errors
    print(f"unhealthy: {error}", file=sys.stderr)
    sys.exit(1)
