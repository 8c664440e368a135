from . import context


def client_ip(request) -> str:
    # Behind a reverse proxy, configure it to set REMOTE_ADDR (gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.bind(
            context.RequestContext(
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
                channel="api" if request.path.startswith("/api/") else "web",
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
