import pytest

from servers import start_distribution, start_pier


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
