"""OCI distribution-spec conformance, "Content Discovery" category: tag listing with
pagination, the catalog, and the referrers API (with the OCI-Subject push header)."""

from urllib.parse import urlencode

import pytest

from oci_helpers import (OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, assert_status, call,
                         descriptor, encode, get_manifest, image_config, next_link,
                         oci_index, oci_manifest, push_blob, push_empty_config,
                         push_manifest, push_oci_image, put_manifest, sha256, walk_pages)

REPO = "conformance/discovery"

# Mixed case, digits, separators: ASCIIbetical and case-insensitive orders differ here.
TAGS = ["v1.0", "latest", "Alpha", "beta", "1.2.3", "_private", "v1.0-rc1", "Zulu", "a"]


def order_key(tags: list):
    """The spec allows ASCIIbetical or lexical (case-insensitive) order: the sort key of
    whichever the registry's listing follows (fails if it follows neither)."""
    for key in (lambda t: t, lambda t: (t.lower(), t)):
        if tags == sorted(tags, key=key):
            return key
    raise AssertionError(f"tags in neither ASCIIbetical nor lexical order: {tags}")


def tag_everything(reg):
    """Push one image and tag it with every name in TAGS; returns the registry."""
    body, _ = push_oci_image(reg, REPO, seed="tags")
    for tag in TAGS:
        push_manifest(reg, REPO, tag, body, OCI_MANIFEST)
    return reg


@pytest.fixture
def tagged(registry):
    return tag_everything(registry)


@pytest.fixture
def pier_tagged(pier):
    return tag_everything(pier)


def list_tags(reg, query: str = ""):
    resp = call(reg, "GET", f"/v2/{REPO}/tags/list{query}")
    assert_status(resp, 200)
    return resp


# ---------------------------------------------------------------- tags

def test_tags_list(tagged):
    resp = list_tags(tagged)
    body = resp.json()
    assert body["name"] == REPO
    assert sorted(body["tags"]) == sorted(TAGS)


# distribution 2.8 answers 404 NAME_UNKNOWN for a repository that holds no tag yet.
def test_tags_list_of_repository_with_only_untagged_manifests(pier):
    push_oci_image(pier, REPO, seed="untagged")              # pushed by digest
    resp = list_tags(pier)
    assert resp.json() == {"name": REPO, "tags": []}


# distribution 2.8 returns tags in storage order, not sorted.
def test_tags_list_lexical_order(pier_tagged):
    tags = list_tags(pier_tagged).json()["tags"]
    assert sorted(tags) == sorted(TAGS)
    order_key(tags)


# distribution 2.8 ignores n and last on tags/list.
@pytest.mark.parametrize("n", [1, 2, 4, len(TAGS) - 1])
def test_tags_list_pagination_with_link(pier_tagged, n):
    everything = list_tags(pier_tagged).json()["tags"]
    order_key(everything)
    resp = list_tags(pier_tagged, f"?n={n}")
    assert resp.json()["tags"] == everything[:n]
    link = next_link(resp)
    assert link is not None, "more tags are available, so a Link rel=next is expected"
    pages = walk_pages(pier_tagged, f"/v2/{REPO}/tags/list?n={n}", "tags")
    assert all(len(page) <= n for page in pages)
    assert [tag for page in pages for tag in page] == everything


def test_tags_list_n_larger_than_count(tagged):
    everything = list_tags(tagged).json()["tags"]
    resp = list_tags(tagged, f"?n={len(TAGS) + 5}")
    assert resp.json()["tags"] == everything
    assert next_link(resp) is None


# distribution 2.8 ignores n on tags/list.
def test_tags_list_n_zero(pier_tagged):
    resp = list_tags(pier_tagged, "?n=0")
    assert resp.json()["tags"] == []
    assert "Link" not in resp.headers


# distribution 2.8 ignores last on tags/list.
@pytest.mark.parametrize("n", [None, 3])
def test_tags_list_last(pier_tagged, n):
    everything = list_tags(pier_tagged).json()["tags"]
    position = 2
    query = f"?last={everything[position]}" + (f"&n={n}" if n else "")
    tags = list_tags(pier_tagged, query).json()["tags"]
    rest = everything[position + 1:]
    assert tags == (rest[:n] if n else rest)


# distribution 2.8 ignores last on tags/list.
def test_tags_list_last_not_a_tag(pier_tagged):
    """`last` is a value, not an index: results start strictly after it even when it
    is not itself a tag."""
    everything = list_tags(pier_tagged).json()["tags"]
    key = order_key(everything)
    for last in ("b0", "V", "1.2.4", "zz"):
        tags = list_tags(pier_tagged, f"?last={last}").json()["tags"]
        assert tags == [t for t in everything if key(t) > key(last)], last


# ---------------------------------------------------------------- catalog

CATALOG = ["alpha", "beta/one", "beta/two", "gamma", "zeta/deep/name"]


@pytest.fixture
def populated(registry):
    for repo in CATALOG:
        push_oci_image(registry, repo, "latest", seed=repo)
    return registry


def test_catalog(populated):
    resp = call(populated, "GET", "/v2/_catalog")
    assert_status(resp, 200)
    assert resp.json()["repositories"] == CATALOG


@pytest.mark.parametrize("n", [1, 2, 3])
def test_catalog_pagination(populated, n):
    resp = call(populated, "GET", f"/v2/_catalog?n={n}")
    assert_status(resp, 200)
    assert resp.json()["repositories"] == CATALOG[:n]
    assert next_link(resp) is not None
    pages = walk_pages(populated, f"/v2/_catalog?n={n}", "repositories")
    assert all(len(page) <= n for page in pages)
    assert [repo for page in pages for repo in page] == CATALOG


def test_catalog_last(populated):
    resp = call(populated, "GET", "/v2/_catalog?n=2&last=beta/one")
    assert_status(resp, 200)
    assert resp.json()["repositories"] == ["beta/two", "gamma"]


def test_catalog_n_zero(populated):
    resp = call(populated, "GET", "/v2/_catalog?n=0")
    assert_status(resp, 200)
    assert resp.json()["repositories"] == []
    assert "Link" not in resp.headers


# ---------------------------------------------------------------- referrers

SBOM = "application/vnd.example.sbom.v1"
SIGNATURE_CONFIG = "application/vnd.example.signature.config.v1+json"


def push_referrer(reg, subject: dict, *, artifact_type=None, config_type=None,
                  annotations=None, payload: bytes = b"payload"):
    """An artifact manifest whose subject is `subject`; with config_type, a real
    config blob of that type (and no artifactType), else the empty config."""
    if config_type:
        config_bytes = encode({"signed": payload.decode()})
        push_blob(reg, REPO, config_bytes)
        config = descriptor(config_type, config_bytes)
    else:
        config = push_empty_config(reg, REPO)
    push_blob(reg, REPO, payload)
    body = oci_manifest(config, [descriptor("application/octet-stream", payload)],
                        subject=subject, artifact_type=artifact_type, annotations=annotations)
    resp = put_manifest(reg, REPO, sha256(body), body, OCI_MANIFEST)
    assert_status(resp, 201)
    return body, resp


def get_referrers(reg, digest: str, artifact_type: str | None = None):
    query = "?" + urlencode({"artifactType": artifact_type}) if artifact_type else ""
    resp = call(reg, "GET", f"/v2/{REPO}/referrers/{digest}{query}")
    assert_status(resp, 200)
    assert resp.headers["Content-Type"] == OCI_INDEX
    index = resp.json()
    assert index["schemaVersion"] == 2
    assert index["mediaType"] == OCI_INDEX
    found = {m["digest"]: m for m in index["manifests"]}
    assert len(found) == len(index["manifests"]), "duplicate referrers"
    return resp, found


# distribution 2.8 has no referrers API (404 for every referrers request).
def test_referrers_list(pier):
    _, subject = push_oci_image(pier, REPO, "subject", seed="subject")
    sbom, _ = push_referrer(pier, subject, artifact_type=SBOM, payload=b"sbom",
                            annotations={"org.example.sbom.format": "json",
                                         "org.opencontainers.image.created": "2024-01-01T00:00:00Z"})
    signature, _ = push_referrer(pier, subject, config_type=SIGNATURE_CONFIG, payload=b"sig",
                                 annotations={"org.example.signature.fingerprint": "abcd"})
    index_referrer = oci_index([], subject=subject, annotations={"org.example.kind": "bundle"})
    push_manifest(pier, REPO, sha256(index_referrer), index_referrer, OCI_INDEX)
    typed_index = oci_index([], subject=subject, artifact_type="application/vnd.example.bundle")
    push_manifest(pier, REPO, sha256(typed_index), typed_index, OCI_INDEX)
    # not a referrer: no subject
    push_oci_image(pier, REPO, "unrelated", seed="unrelated")

    resp, found = get_referrers(pier, subject["digest"])
    assert set(found) == {sha256(sbom), sha256(signature), sha256(index_referrer),
                          sha256(typed_index)}
    expected_sbom = {
        "mediaType": OCI_MANIFEST, "digest": sha256(sbom), "size": len(sbom),
        "artifactType": SBOM,
        "annotations": {"org.example.sbom.format": "json",
                        "org.opencontainers.image.created": "2024-01-01T00:00:00Z"}}
    assert {k: found[sha256(sbom)].get(k) for k in expected_sbom} == expected_sbom
    # no artifactType: the config media type stands in
    assert found[sha256(signature)]["artifactType"] == SIGNATURE_CONFIG
    assert found[sha256(signature)]["annotations"] == {"org.example.signature.fingerprint": "abcd"}
    assert found[sha256(signature)]["size"] == len(signature)
    # an index without artifactType: artifactType omitted
    assert found[sha256(index_referrer)]["mediaType"] == OCI_INDEX
    assert "artifactType" not in found[sha256(index_referrer)]
    assert found[sha256(index_referrer)]["annotations"] == {"org.example.kind": "bundle"}
    assert found[sha256(typed_index)]["artifactType"] == "application/vnd.example.bundle"
    assert "OCI-Filters-Applied" not in resp.headers


# distribution 2.8 has no referrers API.
def test_referrers_artifact_type_filter(pier):
    _, subject = push_oci_image(pier, REPO, "subject", seed="subject")
    sbom, _ = push_referrer(pier, subject, artifact_type=SBOM, payload=b"sbom")
    push_referrer(pier, subject, artifact_type="application/vnd.example.other", payload=b"o")
    push_referrer(pier, subject, config_type=SIGNATURE_CONFIG, payload=b"sig")

    resp, found = get_referrers(pier, subject["digest"], SBOM)
    assert resp.headers["OCI-Filters-Applied"] == "artifactType"
    assert set(found) == {sha256(sbom)}

    # the config media type counts as the artifactType when filtering ('+' sent as %2B)
    resp, found = get_referrers(pier, subject["digest"], SIGNATURE_CONFIG)
    assert resp.headers["OCI-Filters-Applied"] == "artifactType"
    assert [m["artifactType"] for m in found.values()] == [SIGNATURE_CONFIG]

    resp, found = get_referrers(pier, subject["digest"], "application/vnd.none")
    assert resp.headers["OCI-Filters-Applied"] == "artifactType"
    assert found == {}


# distribution 2.8 has no referrers API.
def test_referrers_empty(pier):
    _, subject = push_oci_image(pier, REPO, "lonely", seed="lonely")
    resp, found = get_referrers(pier, subject["digest"])
    assert found == {}
    assert resp.json()["manifests"] == []
    # a digest nothing is stored under answers the same way
    _, found = get_referrers(pier, sha256(b"never pushed"))
    assert found == {}


# distribution 2.8 has no referrers API (its router answers 404, not 400).
@pytest.mark.parametrize("digest", ["sha256:xyz", "sha256:" + "A" * 64, "sha256:" + "a" * 63,
                                    "notadigest", "sha256" + "a" * 64])
def test_referrers_invalid_digest(pier, digest):
    push_oci_image(pier, REPO, "subject", seed="subject")
    resp = call(pier, "GET", f"/v2/{REPO}/referrers/{digest}")
    assert_status(resp, 400)


# OCI-Subject is only sent by registries with the referrers API; distribution 2.8 has none.
def test_oci_subject_header(pier):
    _, subject = push_oci_image(pier, REPO, "subject", seed="subject")
    _, resp = push_referrer(pier, subject, artifact_type=SBOM)
    assert resp.headers["OCI-Subject"] == subject["digest"]
    # no subject, no header
    plain, _ = push_oci_image(pier, REPO, "plain", seed="plain")
    resp = put_manifest(pier, REPO, "plain", plain, OCI_MANIFEST)
    assert_status(resp, 201)
    assert "OCI-Subject" not in resp.headers


def test_subject_may_not_exist(registry):
    """A manifest whose subject is absent MUST be accepted (referrers may be pushed
    before their subject)."""
    config = image_config("future")
    push_blob(registry, REPO, config)
    future = oci_manifest(descriptor(OCI_CONFIG, config), [])
    future_desc = descriptor(OCI_MANIFEST, future)
    body, resp = push_referrer(registry, future_desc, artifact_type=SBOM)
    assert resp.headers["Docker-Content-Digest"] == sha256(body)
    assert get_manifest(registry, REPO, sha256(body)).content == body


# distribution 2.8 has no referrers API.
def test_referrer_pushed_before_subject(pier):
    config = image_config("later")
    push_blob(pier, REPO, config)
    later = oci_manifest(descriptor(OCI_CONFIG, config), [])
    later_desc = descriptor(OCI_MANIFEST, later)
    sbom, _ = push_referrer(pier, later_desc, artifact_type=SBOM)
    _, found = get_referrers(pier, later_desc["digest"])
    assert set(found) == {sha256(sbom)}
    push_manifest(pier, REPO, "later", later, OCI_MANIFEST)
    _, found = get_referrers(pier, later_desc["digest"])
    assert set(found) == {sha256(sbom)}


# distribution 2.8 has no referrers API.
def test_referrers_follow_deletion(pier):
    _, subject = push_oci_image(pier, REPO, "subject", seed="subject")
    keep, _ = push_referrer(pier, subject, artifact_type=SBOM, payload=b"keep")
    drop, _ = push_referrer(pier, subject, artifact_type=SBOM, payload=b"drop")
    assert_status(call(pier, "DELETE", f"/v2/{REPO}/manifests/{sha256(drop)}"), 202)
    _, found = get_referrers(pier, subject["digest"])
    assert set(found) == {sha256(keep)}


# distribution 2.8 has no referrers API.
def test_referrers_are_per_repository(pier):
    _, subject = push_oci_image(pier, REPO, "subject", seed="subject")
    push_referrer(pier, subject, artifact_type=SBOM)
    # the same subject pushed to another repository has no referrers there
    elsewhere = "conformance/elsewhere"
    push_oci_image(pier, elsewhere, "subject", seed="subject")
    resp = call(pier, "GET", f"/v2/{elsewhere}/referrers/{subject['digest']}")
    assert_status(resp, 200)
    assert resp.json()["manifests"] == []
