"""The API of the residents' portal (for a future mini-program client): the same services
as the pages, under /api/v1/portal/, with a token from the phone sign-in."""

from ninja import Router

router = Router(tags=["portal"])

from .demand_api import router as demand_router  # noqa: E402

router.add_router("/demands", demand_router)

from .auth_api import router as auth_router  # noqa: E402 (each part mounts its router)
from .binding_api import router as binding_router  # noqa: E402

router.add_router("/auth", auth_router)
router.add_router("/bindings", binding_router)
