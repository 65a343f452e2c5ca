"""The Statement Resource of `/xapi`: writes, reads, filters, voiding, attachments, headers."""

from __future__ import annotations

import hashlib
import json
import uuid

import jwt

from tests.fixtures.xapi import VERBS, signing_identity, statement
from web.lrs.signature import SIGNATURE_USAGE

URL = "/xapi/statements"


def post(client, lrs, body, version="2.0.0", **kwargs):
    return client.post(URL, data=json.dumps(body), content_type="application/json",
                       headers=lrs.headers(version), **kwargs)


class TestWrite:
    """PUT and POST."""

    def test_post_statement_returns_ids_and_sets_lrs_properties(self, client, lrs):
        response = post(client, lrs, statement())
        assert response.status_code == 200
        [statement_id] = response.get_json()
        stored = client.get(URL, query_string={"statementId": statement_id}, headers=lrs.headers()).get_json()
        assert stored["id"] == statement_id and stored["version"] == "2.0.0"
        assert stored["timestamp"] == stored["stored"] and stored["authority"]["account"]["name"] == lrs.key

    def test_put_statement_with_statement_id_returns_204(self, client, lrs):
        statement_id = str(uuid.uuid4())
        response = client.put(URL, query_string={"statementId": statement_id}, data=json.dumps(statement()),
                              content_type="application/json", headers=lrs.headers())
        assert response.status_code == 204
        assert client.get(URL, query_string={"statementId": statement_id}, headers=lrs.headers()).status_code == 200

    def test_post_invalid_batch_stores_nothing_and_names_the_field(self, client, lrs):
        good = statement(id=str(uuid.uuid4()))
        response = post(client, lrs, [good, statement(verb="not an iri")])
        body = response.get_json()
        assert response.status_code == 400 and body["error"]["code"] == "VALIDATION_ERROR"
        assert "[1].verb.id" in body["error"]["details"]["fieldErrors"]
        assert client.get(URL, query_string={"statementId": good["id"]}, headers=lrs.headers()).status_code == 404

    def test_post_same_id_with_different_content_returns_409(self, client, lrs):
        first = statement(id=str(uuid.uuid4()))
        assert post(client, lrs, first).status_code == 200
        assert post(client, lrs, first).status_code == 200
        assert post(client, lrs, {**first, "verb": {"id": VERBS["failed"]}}).status_code == 409

    def test_request_without_version_header_is_rejected(self, client, lrs):
        headers = {"Authorization": lrs.headers()["Authorization"]}
        response = client.get(URL, headers=headers)
        assert response.status_code == 400 and response.headers["X-Experience-API-Version"] == "2.0.0"

    def test_request_with_wrong_secret_returns_401(self, client, lrs):
        headers = lrs.headers() | {"Authorization": "Basic Zm9vOmJhcg=="}
        response = client.get(URL, headers=headers)
        assert response.status_code == 401 and "WWW-Authenticate" in response.headers

    def test_alternate_syntax_put_under_1_0_3_is_accepted(self, client, lrs):
        form = {"statementId": str(uuid.uuid4()), "content": json.dumps(statement()),
                "X-Experience-API-Version": "1.0.3", "Authorization": lrs.headers()["Authorization"]}
        response = client.post(URL + "?method=PUT", data=form)
        assert response.status_code == 204
        assert response.headers["X-Experience-API-Version"] == "1.0.3"

    def test_alternate_syntax_under_2_0_is_rejected(self, client, lrs):
        assert client.post(URL + "?method=GET", headers=lrs.headers(), data={"limit": "1"}).status_code == 400


class TestRead:
    """GET with filters, paging and formats."""

    def test_get_with_unknown_parameter_returns_400_with_consistent_through(self, client, lrs):
        response = client.get(URL, query_string={"LIMIT": "1"}, headers=lrs.headers())
        assert response.status_code == 400
        assert response.headers["X-Experience-API-Consistent-Through"].endswith("Z")

    def test_get_with_limit_pages_through_more(self, client, lrs):
        ids = post(client, lrs, [statement(verb="http://example.com/v/paging") for _ in range(3)]).get_json()
        seen, url, query = [], URL, {"verb": "http://example.com/v/paging", "limit": "2"}
        while url:
            page = client.get(url, query_string=query, headers=lrs.headers()).get_json()
            seen += [s["id"] for s in page["statements"]]
            url, query = page["more"], None
        assert seen == list(reversed(ids))

    def test_get_by_agent_and_related_activities(self, client, lrs):
        parent = "http://example.com/course/" + uuid.uuid4().hex
        body = statement("zed@example.com", context={"contextActivities": {"parent": {"id": parent}}})
        [statement_id] = post(client, lrs, body).get_json()
        agent = json.dumps({"mbox": "mailto:zed@example.com"})
        by_agent = client.get(URL, query_string={"agent": agent}, headers=lrs.headers()).get_json()
        direct = client.get(URL, query_string={"activity": parent}, headers=lrs.headers()).get_json()
        related = client.get(URL, query_string={"activity": parent, "related_activities": "true"},
                             headers=lrs.headers()).get_json()
        assert [s["id"] for s in by_agent["statements"]] == [statement_id]
        assert direct["statements"] == [] and [s["id"] for s in related["statements"]] == [statement_id]
        stored = related["statements"][0]
        assert stored["context"]["contextActivities"]["parent"] == [{"id": parent}]

    def test_voided_statement_is_hidden_but_reachable_by_voided_statement_id(self, client, lrs):
        verb = "http://example.com/v/" + uuid.uuid4().hex
        [target] = post(client, lrs, statement(verb=verb)).get_json()
        voiding = statement(verb="voided", object={"objectType": "StatementRef", "id": target})
        [voiding_id] = post(client, lrs, voiding).get_json()
        assert client.get(URL, query_string={"statementId": target}, headers=lrs.headers()).status_code == 404
        voided = client.get(URL, query_string={"voidedStatementId": target}, headers=lrs.headers())
        assert voided.status_code == 200 and voided.get_json()["id"] == target
        listed = client.get(URL, query_string={"verb": verb}, headers=lrs.headers()).get_json()
        assert [s["id"] for s in listed["statements"]] == [voiding_id]

    def test_get_ids_format_keeps_identifiers_only(self, client, lrs):
        [statement_id] = post(client, lrs, statement()).get_json()
        body = client.get(URL, query_string={"statementId": statement_id, "format": "ids"},
                          headers=lrs.headers()).get_json()
        assert body["object"] == {"id": "http://example.com/a/1"} and body["verb"] == {"id": VERBS["completed"]}


def post_multipart(client, lrs, body, content_type, content):
    """POST a statement and one attachment part as multipart/mixed."""
    sha2 = hashlib.sha256(content).hexdigest()
    boundary = "b" + uuid.uuid4().hex
    raw = (f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(body)}\r\n"
           f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
           f"X-Experience-API-Hash: {sha2}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return client.post(URL, data=raw, content_type=f"multipart/mixed; boundary={boundary}", headers=lrs.headers())


class TestAttachments:
    """multipart/mixed in and out."""

    def test_post_multipart_attachment_and_get_it_back(self, client, lrs):
        content = b"here is a simple attachment"
        sha2 = hashlib.sha256(content).hexdigest()
        body = statement(attachments=[{"usageType": "http://example.com/u", "display": {"en-US": "a"},
                                       "contentType": "text/plain", "length": len(content), "sha2": sha2}])
        response = post_multipart(client, lrs, body, "text/plain", content)
        assert response.status_code == 200
        [statement_id] = response.get_json()
        got = client.get(URL, query_string={"statementId": statement_id, "attachments": "true"},
                         headers=lrs.headers())
        assert got.content_type.startswith("multipart/mixed; boundary=") and content in got.data

    def test_post_json_attachment_without_file_url_returns_400(self, client, lrs):
        body = statement(attachments=[{"usageType": "http://example.com/u", "display": {"en-US": "a"},
                                       "contentType": "text/plain", "length": 1, "sha2": "a" * 64}])
        assert post(client, lrs, body).status_code == 400

    def test_post_statement_signed_with_x5c_certificate_is_verified(self, client, lrs):
        certificate, key = signing_identity()
        body = statement()
        token = jwt.PyJWS().encode(json.dumps(body).encode(), key, algorithm="RS256", headers={"x5c": [certificate]})
        signature = {"usageType": SIGNATURE_USAGE, "display": {"en-US": "signature"},
                     "contentType": "application/octet-stream", "length": len(token),
                     "sha2": hashlib.sha256(token.encode()).hexdigest()}
        signed = dict(body, attachments=[signature])
        response = post_multipart(client, lrs, signed, "application/octet-stream", token.encode())
        assert response.status_code == 200, response.get_data(as_text=True)

        _, other_key = signing_identity()
        forged = jwt.PyJWS().encode(json.dumps(body).encode(), other_key, algorithm="RS256",
                                    headers={"x5c": [certificate]})
        signed = dict(body, attachments=[dict(signature, length=len(forged),
                                              sha2=hashlib.sha256(forged.encode()).hexdigest())])
        refused = post_multipart(client, lrs, signed, "application/octet-stream", forged.encode())
        assert refused.status_code == 400 and "does not verify" in refused.get_data(as_text=True)
