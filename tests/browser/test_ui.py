"""The web UI in a real browser: tests/browser/ui_flow.mjs drives Debian's Chromium
(playwright-core from ui/node_modules) against a Pier with authentication on, serving the
freshly built ui/dist. Screenshots of every step go to build/test-artifacts/browser/."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "integration"))

from client_tools import Clients, build_single_arch_layout  # noqa: E402
from servers import start_pier  # noqa: E402

UI_DIST = REPO_ROOT / "ui" / "dist"
ARTIFACTS = REPO_ROOT / "build" / "test-artifacts" / "browser"
ADMIN_PASSWORD = "browser-admin-secret"
FLOW_TIMEOUT = 300


def push_spec(clients: Clients, layout_ref: str, path: Path) -> Path:
    """How ui_flow.mjs runs skopeo: inside the isolated client environment of Clients."""
    argv = ["skopeo"]
    if clients.sandbox:
        argv = ["unshare", "--mount", "--propagation", "private", "--", str(clients.sandbox_script), "skopeo"]
    path.write_text(json.dumps({"argv": argv, "env": clients.env, "cwd": str(clients.base), "source": layout_ref}))
    return path


def test_sign_in_create_grant_push_and_see_the_tag(tmp_path):
    assert (UI_DIST / "index.html").is_file(), "ui/dist is missing: run `make ui`"
    node = shutil.which("node")
    assert node, "node is needed to drive the browser"
    assert Path("/usr/bin/chromium").is_file(), "Debian's chromium is needed (scripts/install-deps.sh test)"

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    layout, _ = build_single_arch_layout(tmp_path / "layout", tag="v1", salt=str(tmp_path))
    # The UI built into the binary (make builds ui/dist first), as users get it.
    pier = start_pier(tmp_path / "pier", auth=True, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        with Clients(tmp_path / "clients") as clients:
            spec = push_spec(clients, f"oci:{layout.path}:v1", tmp_path / "push.json")
            flow = subprocess.run(
                [node, str(HERE / "ui_flow.mjs"), "--base-url", pier.url, "--password", ADMIN_PASSWORD,
                 "--artifacts", str(ARTIFACTS), "--push-spec", str(spec)],
                capture_output=True, text=True, timeout=FLOW_TIMEOUT, cwd=REPO_ROOT)
    finally:
        pier.stop()
        shutil.copy(pier.log_path, ARTIFACTS / "pier.log")
    assert flow.returncode == 0, (
        f"ui_flow.mjs exited {flow.returncode}\n--- stdout\n{flow.stdout}\n--- stderr\n{flow.stderr}\n"
        f"--- pier log (tail)\n{pier.log()[-4000:]}")
    assert "ui flow passed" in flow.stdout
