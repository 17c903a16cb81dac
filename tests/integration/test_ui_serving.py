"""The web UI as `pier serve` serves it: the build compiled into the binary at `/` and every
path the registry, the API and the operational endpoints do not own, a folder with ui.dir, and
nothing with ui.enabled: false. (tests/browser/ drives the pages themselves.)"""

import requests

from servers import start_pier

TIMEOUT = 10


def test_the_built_in_ui_is_served_beside_the_registry_and_the_api(pier):
    page = requests.get(f"{pier.url}/", timeout=TIMEOUT)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<div id="root"></div>' in page.text
    assert "Docker-Distribution-API-Version" not in page.headers  # the registry's header only
    # Client routes get the same page; the registry, the API and the probes keep their paths.
    assert requests.get(f"{pier.url}/repository/acme/app", timeout=TIMEOUT).text == page.text
    assert requests.get(f"{pier.url}/v2/", timeout=TIMEOUT).json() == {}
    assert requests.get(f"{pier.url}/api/v1/openapi.json", timeout=TIMEOUT).json()["openapi"].startswith("3.0")
    assert requests.get(f"{pier.url}/healthz", timeout=TIMEOUT).text == "ok\n"
    # The page's own script is one of the built-in files, cached for good.
    script = page.text.split('src="', 1)[1].split('"', 1)[0]
    asset = requests.get(f"{pier.url}{script}", timeout=TIMEOUT)
    assert asset.status_code == 200 and asset.headers["Content-Type"].startswith("text/javascript")
    assert "immutable" in asset.headers["Cache-Control"]
    missing = requests.get(f"{pier.url}/assets/no-such-file.js", timeout=TIMEOUT)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "UNSUPPORTED"
    assert requests.post(f"{pier.url}/", timeout=TIMEOUT).status_code == 405


def test_a_folder_is_served_instead_with_ui_dir(tmp_path):
    build = tmp_path / "dist"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text("<!doctype html><title>folder build</title>")
    (build / "assets" / "app.js").write_text("console.log('folder')")
    reg = start_pier(tmp_path / "pier", env={"PIER_UI_DIR": str(build)})
    try:
        assert "folder build" in requests.get(f"{reg.url}/organizations", timeout=TIMEOUT).text
        assert requests.get(f"{reg.url}/assets/app.js", timeout=TIMEOUT).text == "console.log('folder')"
    finally:
        reg.stop()


def test_ui_enabled_false_leaves_only_the_registry_and_the_api(tmp_path):
    reg = start_pier(tmp_path / "pier", env={"PIER_UI_ENABLED": "false"})
    try:
        page = requests.get(f"{reg.url}/", timeout=TIMEOUT)
        assert page.status_code == 404 and page.json()["errors"][0]["code"] == "UNSUPPORTED"
        assert requests.get(f"{reg.url}/v2/", timeout=TIMEOUT).status_code == 200
    finally:
        reg.stop()
