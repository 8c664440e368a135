import pytest

from gongzhi.core.testing import build_world, sign_in


@pytest.fixture(autouse=True)
def _fast_hashing_and_cache(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test's audit checkpoints in a file of its own, never the installation's.
    settings.GONGZHI_AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(db):
    """Two sibling communities under one street, and a user for every role."""
    return build_world()


@pytest.fixture
def client_as(client):
    """``client_as(user)``: the test client signed in as ``user`` (TOTP passed)."""

    def _sign_in(user, verified=True):
        return sign_in(client, user, verified=verified)

    return _sign_in


@pytest.fixture
def party(world):
    """An organization tree over ``world``: street committee, our community's committee
    with a branch and a grid branch, and the sibling community's committee and branch."""
    from gongzhi.party.testing import build_party

    return build_party(world)


@pytest.fixture
def demands(world):
    """Units (a property company with a handler, a district department) and categories."""
    from gongzhi.demands.testing import build_demands

    return build_demands(world)
