import pytest

from api_client import Api

from servers import ADMIN_PASSWORD, start_distribution, start_pier


@pytest.fixture
def pier(tmp_path):
    reg = start_pier(tmp_path / "pier")
    yield reg
    reg.stop()


@pytest.fixture
def pier_tls(tmp_path):
    reg = start_pier(tmp_path / "pier-tls", tls=True)
    yield reg
    reg.stop()


@pytest.fixture
def distribution(tmp_path):
    reg = start_distribution(tmp_path / "distribution")
    yield reg
    reg.stop()


@pytest.fixture(params=["pier", "distribution"])
def registry(request, tmp_path):
    """The conformance suite runs against Pier and against the reference registry."""
    start = start_pier if request.param == "pier" else start_distribution
    reg = start(tmp_path / request.param)
    yield reg
    reg.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Pier with authentication on, shared by one module's tests (admin's password is
    servers.ADMIN_PASSWORD). Those tests fail many sign-ins from 127.0.0.1 on purpose, so the
    sign-in throttle is set out of their way."""
    reg = start_pier(tmp_path_factory.mktemp("secured") / "pier", auth=True,
                     env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_AUTH_LOGIN_MAX_FAILURES": "100000"})
    yield reg
    reg.stop()


@pytest.fixture
def admin(server):
    """The management API as admin of `server`."""
    return Api(server, "admin", ADMIN_PASSWORD)
