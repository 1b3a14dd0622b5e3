#!/usr/bin/env python3
"""A local stand-in for where alerts go: a Slack-compatible webhook, an SNS-compatible Publish endpoint and an
SMTP server, in one process, printing one line per delivery. The Compose stack routes Alertmanager's receivers
here so `docker compose up` shows alerts arriving (`docker compose logs -f alert-sink`); Tests/deploy/
check-alertmanager delivers through a real Alertmanager to it.

  alert-sink.py [--http-port 9099] [--smtp-port 1025] [--host 0.0.0.0]

HTTP: POST /slack (Slack's incoming-webhook JSON), POST /sns or / (SNS's Publish action, form-encoded, answered
with a PublishResponse), GET /deliveries (every delivery so far, as JSON: channel, title, text), GET /healthz.
SMTP: enough of RFC 5321 for Alertmanager's email receiver (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT).
Standard library only.
"""
import argparse
import email
import email.policy
import json
import socketserver
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

deliveries = []
lock = threading.Lock()


def record(channel, title, text, **extra):
    entry = {"channel": channel, "title": title, "text": text, **extra}
    with lock:
        deliveries.append(entry)
    first_line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    print(f"alert-sink: {channel}: {title} | {first_line}", flush=True)


class HTTPHandler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # one line per delivery is enough
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/healthz":
            return self.answer(200, '{"ok":true}')
        if self.path == "/deliveries":
            with lock:
                return self.answer(200, json.dumps(deliveries))
        self.answer(404, '{"error":"not found"}')

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        if self.path == "/slack":
            try:
                message = json.loads(body)
            except json.JSONDecodeError:
                return self.answer(400, '{"error":"not JSON"}')
            for attachment in message.get("attachments") or [message]:
                record("slack", attachment.get("title", ""), attachment.get("text", ""),
                       target=message.get("channel", ""))
            return self.answer(200, "ok", "text/plain")
        if self.path.startswith("/sns") or "Action=Publish" in body:  # AWS SDKs post to the endpoint's root
            form = {key: values[0] for key, values in parse_qs(body).items()}
            if form.get("Action") != "Publish":
                return self.answer(400, "<Error><Code>InvalidAction</Code></Error>", "text/xml")
            signed = self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 ")
            record("sns", form.get("Subject", ""), form.get("Message", ""), target=form.get("TopicArn", ""),
                   signed=signed)
            message_id = uuid.uuid4()
            return self.answer(200, f'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
                                    f"<PublishResult><MessageId>{message_id}</MessageId></PublishResult>"
                                    f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
                                    f"</PublishResponse>", "text/xml")
        self.answer(404, '{"error":"not found"}')


class SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.reply("220 alert-sink ESMTP")
        recipients = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-alert-sink")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 alert-sink")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[-1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if not line or line in (b".\r\n", b".\n"):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                part = message.get_body(preferencelist=("plain", "html"))
                record("email", str(message.get("Subject", "")), part.get_content() if part else "",
                       target=", ".join(recipients))
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 command not implemented")


class ThreadingSMTPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--http-port", type=int, default=9099)
    parser.add_argument("--smtp-port", type=int, default=1025)
    args = parser.parse_args()
    http = ThreadingHTTPServer((args.host, args.http_port), HTTPHandler)
    smtp = ThreadingSMTPServer((args.host, args.smtp_port), SMTPHandler)
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    print(f"alert-sink: HTTP on {args.host}:{http.server_address[1]} (/slack, /sns, /deliveries), "
          f"SMTP on {args.host}:{smtp.server_address[1]}", flush=True)
    try:
        http.serve_forever()
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
