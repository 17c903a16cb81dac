"""The OpenAPI document of the management API, GET /api/v1/openapi.json: served to anyone, and
every operation it lists is one the running server serves, answering only what the document
says it may. (tests/api/openapi_test.cc holds the document equal to the route table; this holds
it to the server.)

Each operation is called as admin with its parameters' examples and an empty body, or {} if it
takes one. The examples name accounts that do not exist, so every write is refused (400 or
404) and the calls do not depend on one another; reads still go first."""

import re

import pytest
import requests

from api_client import TIMEOUT, Api, expect
from servers import start_pier

ADMIN_PASSWORD = "admin-secret-for-openapi-tests"
ORDER = ("get", "post", "put", "delete")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    reg = start_pier(tmp_path_factory.mktemp("openapi") / "pier", auth=True,
                     env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    yield reg
    reg.stop()


@pytest.fixture(scope="module")
def document(server):
    resp = requests.get(f"{server.url}/api/v1/openapi.json", timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["Content-Type"] == "application/json"
    return resp.json()


def resolved(document, value):
    """`value`, or what its $ref points at."""
    if "$ref" not in value:
        return value
    for key in value["$ref"].removeprefix("#/").split("/"):
        document = document[key]
    return document


def operations(document):
    """(method, path, operation, its parameters) for each, in ORDER."""
    found = []
    for path, item in document["paths"].items():
        for method in ORDER:
            if method in item:
                operation = item[method]
                parameters = [resolved(document, p) for p in item.get("parameters", []) + operation.get("parameters", [])]
                found.append((method, path, operation, parameters))
    assert {method for method, *_ in found} <= set(ORDER)
    return sorted(found, key=lambda op: ORDER.index(op[0]))


def filled(path, parameters):
    """`path` with each {name} replaced by its parameter's example, as it is: a repository's '/'
    stay."""
    examples = {p["name"]: str(p["example"]) for p in parameters if p["in"] == "path"}
    return re.sub(r"\{(\w+)\}", lambda m: examples[m.group(1)], path)


def router_refused(resp) -> bool:
    """The router's answer for a path no route serves, or a method its path does not have."""
    if resp.status_code == 405:
        return True
    return resp.status_code == 404 and resp.json()["errors"][0]["code"] == "UNSUPPORTED"


def sign_in_schemes(document, operation) -> set:
    return {name for requirement in operation.get("security", document["security"]) for name in requirement}


def call(api, method, path, operation):
    return api.request(method.upper(), path, body={} if "requestBody" in operation else None)


def test_the_document_is_served_to_anyone(server, document):
    assert document["openapi"].startswith("3.0.")
    assert document["info"]["title"] == "Pier management API"
    assert document["servers"] == [{"url": "/api/v1"}]
    # The same to a signed-in caller, and with a body nobody needs.
    admin = Api(server, "admin", ADMIN_PASSWORD)
    assert admin.ok("GET", "/openapi.json") == document
    assert Api(server, "admin", "wrong").ok("GET", "/openapi.json") == document
    expect(Api(server).request("POST", "/openapi.json"), 405, "UNSUPPORTED")


def test_router_refusals_are_told_apart(server):
    admin = Api(server, "admin", ADMIN_PASSWORD)
    assert router_refused(expect(admin.get("/nothing"), 404, "UNSUPPORTED"))
    assert router_refused(expect(admin.request("PUT", "/user"), 405))
    assert not router_refused(expect(admin.delete("/users/nobody"), 404, "NAME_UNKNOWN"))


def test_every_documented_operation_is_served(server, document):
    admin = Api(server, "admin", ADMIN_PASSWORD)
    served = []
    for method, path, operation, parameters in operations(document):
        resp = call(admin, method, filled(path, parameters), operation)
        name = f"{method.upper()} {path}"
        assert not router_refused(resp), f"{name}: {resp.status_code} {resp.text[:300]}"
        assert str(resp.status_code) in operation["responses"], f"{name}: undocumented {resp.status_code} {resp.text[:300]}"
        served.append(name)
    assert len(served) == len({(m, p) for m, p, *_ in operations(document)}) > 20


def test_repository_names_may_be_sent_encoded(server):
    admin = Api(server, "admin", ADMIN_PASSWORD)
    assert admin.ok("GET", "/repositories/acme%2Fteam%2Fapp/permissions") == {"permissions": []}


def test_operations_ask_for_the_sign_in_they_document(server, document):
    anonymous = Api(server)
    for method, path, operation, parameters in operations(document):
        resp = call(anonymous, method, filled(path, parameters), operation)
        name = f"{method.upper()} {path}"
        schemes = sign_in_schemes(document, operation)
        if "basicAuth" in schemes:
            assert resp.headers["WWW-Authenticate"] == 'Basic realm="pier"', name
            expect(resp, 401, "UNAUTHORIZED")
        elif not schemes and "requestBody" not in operation:
            assert 200 <= resp.status_code < 300, f"{name}: {resp.status_code}"
        else:
            # The session's routes: they read a cookie or a body, and never ask for Basic.
            assert str(resp.status_code) in operation["responses"], f"{name}: {resp.status_code} {resp.text[:300]}"
            assert "WWW-Authenticate" not in resp.headers, name
