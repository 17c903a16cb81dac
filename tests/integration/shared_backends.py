"""The servers replicas share, started by the tests: PostgreSQL 15 (tests/postgres.sh, a Unix
socket in a folder under /tmp) and an S3 server (tests/s3.sh, npm's s3rver on 127.0.0.1).
Test modules import the fixtures they use from here."""
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
import requests

from servers import ADMIN_PASSWORD, start_pier

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def postgres():
    """The server's socket folder. /tmp, not pytest's folder: the postgres account must reach it."""
    folder = Path(tempfile.mkdtemp(prefix="pier-pg-it-"))
    folder.rmdir()  # the script creates it, owned by the account that runs the server
    subprocess.run([str(TESTS / "postgres.sh"), "start", str(folder)], check=True)
    yield folder
    subprocess.run([str(TESTS / "postgres.sh"), "stop", str(folder)], check=False)


@pytest.fixture
def database(postgres):
    """A new empty database; its libpq URI."""
    name = "pier_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", "-q", "-h", str(postgres), "-U", "pier", "-d", "postgres", "-c", f"CREATE DATABASE {name}"],
                   check=True)
    return f"postgresql://pier@/{name}?host={postgres}"


@pytest.fixture(scope="module")
def s3_server():
    """The S3 server's endpoint URL."""
    folder = Path(tempfile.mkdtemp(prefix="pier-s3-it-"))
    subprocess.run([str(TESTS / "s3.sh"), "start", str(folder)], check=True)
    yield (folder / "endpoint").read_text().strip()
    subprocess.run([str(TESTS / "s3.sh"), "stop", str(folder)], check=False)


@pytest.fixture
def bucket(s3_server):
    """A new empty bucket; the PIER_* settings of a replica that keeps its blobs there."""
    name = "pier-" + uuid.uuid4().hex[:12]
    created = requests.put(f"{s3_server}/{name}", timeout=10)  # s3rver takes an unsigned CreateBucket
    assert created.status_code == 200, created.text
    return {
        "PIER_STORAGE_DRIVER": "s3",
        "PIER_STORAGE_S3_ENDPOINT": s3_server,
        "PIER_STORAGE_S3_BUCKET": name,
        "PIER_STORAGE_S3_REGION": "us-east-1",
        "PIER_STORAGE_S3_ACCESS_KEY": "S3RVER",
        "PIER_STORAGE_S3_SECRET_KEY": "S3RVER",
        "PIER_STORAGE_S3_PATH_STYLE": "true",
    }


def start_on_postgres(data_dir: Path, url: str, blobs: Path, token_key: Path, env: dict | None = None):
    """Pier with authentication on, its metadata in `url`, its blobs in the folder `blobs` and
    its tokens signed with `token_key`; `env` adds settings."""
    return start_pier(data_dir, auth=True, env={
        "PIER_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PIER_METADATA_DRIVER": "postgres",
        "PIER_METADATA_POSTGRES_URL": url,
        "PIER_STORAGE_FILESYSTEM_ROOT": str(blobs),
        "PIER_AUTH_TOKEN_KEY": str(token_key),
        **(env or {}),
    })
