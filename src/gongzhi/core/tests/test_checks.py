from django.core.checks import run_checks

DEVELOPMENT_KEY = "gongzhi-insecure-development-key-change-me-in-production"
STRONG_KEY = "k" * 10 + "Zq8#vL2!pW9@xR4$tY7%uI1^oP6&aS3*dF5(gH0)jK"


def ids(deploy=True):
    return {
        c.id for c in run_checks(include_deployment_checks=deploy) if c.id.startswith("gongzhi")
    }


def test_deploy_refuses_the_development_key_and_warns_without_a_field_key(settings):
    settings.SECRET_KEY = DEVELOPMENT_KEY
    settings.GONGZHI_FIELD_KEY = ""
    assert ids() == {"gongzhi.E001", "gongzhi.W001"}
    assert ids(deploy=False) == set()  # development is not bothered


def test_deploy_passes_with_own_keys(settings):
    settings.SECRET_KEY = STRONG_KEY
    settings.GONGZHI_FIELD_KEY = "another-long-random-value"
    settings.GONGZHI_AUDIT_KEY = "a-third-long-random-value"
    assert ids() == set()
