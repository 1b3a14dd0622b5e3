#!/usr/bin/env python3
"""A local stand-in for Amazon Bedrock's InvokeModel with Titan Text Embeddings v2, for tests and for trying
`annals-kb-worker --embedder bedrock --aws-endpoint http://127.0.0.1:PORT` without AWS.

Every request's Signature V4 is recomputed with botocore (independently of the Swift signer) from the request as it
arrived: a wrong key id answers 403 UnrecognizedClientException, a wrong signature 403 InvalidSignatureException.
A signed request with a bad body (no inputText, dimensions other than 256/512/1024, normalize not true) answers 400
ValidationException; otherwise a deterministic unit vector of the asked dimension (from SHA-256 of the text).

    dev/bedrock-stub.py --port 8765 [--access-key-id AKID --secret-access-key SECRET] [--region us-east-1]
                        [--script '[{"status": 429, "code": "ThrottlingException", "retryAfter": "1"}]']
                        [--delay-ms 0]

--script: answers for the first correctly signed requests, in order (status, code, optional retryAfter, message);
the requests after them are embedded. GET /_stub/seen returns every request seen (path, text, status answered,
arrival in seconds since the stub started) and the most requests handled at once.
"""
import argparse
import hashlib
import hmac
import json
import math
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

MODELS = {"amazon.titan-embed-text-v2:0"}
DIMENSIONS = (256, 512, 1024)


def unit_vector(text, dimension):
    """The same vector for the same text and dimension, of length 1."""
    values, counter = [], 0
    while len(values) < dimension:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values += [int.from_bytes(digest[i:i + 4], "big") / 2**32 - 0.5 for i in range(0, 32, 4)]
        counter += 1
    values = values[:dimension]
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


def expected_signature(method, raw_path, headers, body, credentials, region, amz_date, signed_headers):
    """botocore's signature of the request as received: the raw (percent-encoded) path, the signed headers only."""
    request = AWSRequest(method=method, url="http://" + headers.get("Host", "") + raw_path, data=body,
                         headers={name: headers.get(name, "") for name in signed_headers})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(credentials, "bedrock", region)
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)


def parse_authorization(value):
    """{'Credential': ..., 'SignedHeaders': ..., 'Signature': ...} of an AWS4-HMAC-SHA256 Authorization header."""
    if not value.startswith("AWS4-HMAC-SHA256 "):
        return None
    fields = {}
    for part in value[len("AWS4-HMAC-SHA256 "):].split(","):
        name, _, text = part.strip().partition("=")
        fields[name] = text
    return fields if {"Credential", "SignedHeaders", "Signature"} <= fields.keys() else None


class Stub:
    def __init__(self, options):
        self.options = options
        self.credentials = Credentials(options.access_key_id, options.secret_access_key, options.session_token)
        self.script = json.loads(options.script)
        self.lock = threading.Lock()
        self.seen = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.started = time.monotonic()

    def check_signature(self, handler, body):
        """None when the signature is right, else (status, code, message)."""
        fields = parse_authorization(handler.headers.get("Authorization", ""))
        amz_date = handler.headers.get("X-Amz-Date", "")
        if fields is None or not amz_date:
            return 403, "MissingAuthenticationTokenException", "Missing Authentication Token"
        key_id, _, scope = fields["Credential"].partition("/")
        if key_id != self.credentials.access_key:
            return 403, "UnrecognizedClientException", "The security token included in the request is invalid."
        if scope != f"{amz_date[:8]}/{self.options.region}/bedrock/aws4_request":
            return 403, "InvalidSignatureException", f"Credential should be scoped to a valid region and service: {scope}"
        signed = fields["SignedHeaders"].split(";")
        if "host" not in signed or "x-amz-date" not in signed:
            return 403, "InvalidSignatureException", "host and x-amz-date must be signed"
        if self.credentials.token and handler.headers.get("X-Amz-Security-Token") != self.credentials.token:
            return 403, "UnrecognizedClientException", "The security token included in the request is invalid."
        expected = expected_signature("POST", handler.path, handler.headers, body, self.credentials, self.options.region,
                                      amz_date, signed)
        if not hmac.compare_digest(expected, fields["Signature"]):
            return 403, "InvalidSignatureException", (
                "The request signature we calculated does not match the signature you provided. Check your AWS "
                "Secret Access Key and signing method. Consult the service documentation for details.")
        return None

    @staticmethod
    def check_body(body):
        """(text, dimension), or (None, message) for a body Titan Text Embeddings v2 refuses."""
        try:
            request = json.loads(body)
        except ValueError:
            return None, "Malformed input request: the body is not JSON"
        if not isinstance(request, dict):
            return None, "Malformed input request: expected a JSON object"
        unknown = set(request) - {"inputText", "dimensions", "normalize"}
        if unknown:
            return None, f"Malformed input request: extraneous key [{sorted(unknown)[0]}] is not permitted"
        text = request.get("inputText")
        if not isinstance(text, str) or not text:
            return None, "Malformed input request: required key [inputText] not found or empty"
        if request.get("dimensions") not in DIMENSIONS:
            return None, f"Malformed input request: dimensions {request.get('dimensions')!r} is not one of 256, 512, 1024"
        if request.get("normalize") is not True:
            return None, "this stub expects normalize: true"
        return text, request["dimensions"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stub = None

    def log_message(self, *args):
        pass

    def reply(self, status, payload, headers=()):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message, extra=()):
        self.reply(status, {"message": message},
                   [("x-amzn-ErrorType", f"{code}:http://internal.amazon.com/coral/com.amazon.bedrock/")] + list(extra))

    def do_GET(self):
        stub = self.stub
        if self.path != "/_stub/seen":
            return self.reply(404, {"message": "not found"})
        with stub.lock:
            self.reply(200, {"requests": stub.seen, "mostInFlight": stub.most_in_flight})

    def do_POST(self):
        stub = self.stub
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with stub.lock:
            stub.in_flight += 1
            stub.most_in_flight = max(stub.most_in_flight, stub.in_flight)
            record = {"path": self.path, "arrival": time.monotonic() - stub.started, "text": None}
            stub.seen.append(record)
            # Decided at arrival, under the lock: the script's answers go to the first requests in `seen`'s order.
            record["status"], answer = self.answer(body, record)
        try:
            if stub.options.delay_ms:
                time.sleep(stub.options.delay_ms / 1000)
            answer()
        finally:
            with stub.lock:
                stub.in_flight -= 1

    def answer(self, body, record):
        """The status to answer and a function sending it; called holding the stub's lock."""
        stub = self.stub
        prefix, _, rest = self.path.partition("/model/")
        model_segment, _, tail = rest.partition("/")
        model = urllib.parse.unquote(model_segment)
        if prefix or tail != "invoke" or model not in MODELS:
            return 404, lambda: self.error(404, "ResourceNotFoundException", f"Model {model} not found ({self.path})")
        if model_segment != urllib.parse.quote(model, safe=""):
            return 400, lambda: self.error(400, "ValidationException", f"the model id in {self.path} is not percent-encoded")
        refusal = stub.check_signature(self, body)
        if refusal:
            status, code, message = refusal
            return status, lambda: self.error(status, code, message)
        scripted = stub.script.pop(0) if stub.script else None
        if scripted:
            headers = [("Retry-After", scripted["retryAfter"])] if "retryAfter" in scripted else []
            status = scripted["status"]
            return status, lambda: self.error(status, scripted.get("code", "InternalServerException"),
                                              scripted.get("message", "scripted failure"), headers)
        text, dimension = Stub.check_body(body)
        if text is None:
            return 400, lambda: self.error(400, "ValidationException", dimension)
        record["text"] = text
        vector = unit_vector(text, dimension)
        return 200, lambda: self.reply(200, {"embedding": vector, "inputTextTokenCount": len(text.split())})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--access-key-id", default="AKIDBEDROCKSTUB")
    parser.add_argument("--secret-access-key", default="bedrock-stub-secret")
    parser.add_argument("--session-token", default=None)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--script", default="[]")
    parser.add_argument("--delay-ms", type=int, default=0)
    options = parser.parse_args()
    Handler.stub = Stub(options)
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    print(f"bedrock stub on http://127.0.0.1:{options.port} (region {options.region})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
