"""A small OpenRosa client, written from getodk's specifications ("OpenRosa Form List
API", "Form Submission API", "HTTP Request API", "Authentication API") and not from
the server it tests. Standard library only.

    openrosa.py SERVER USER PASSWORD formlist
    openrosa.py SERVER USER PASSWORD download URL OUT
    openrosa.py SERVER USER PASSWORD head
    openrosa.py SERVER USER PASSWORD submit XML [MEDIA ...] [--split N]

SERVER is the OpenRosa base URL (…/openrosa). Every command prints one JSON object on
stdout: what the server answered (status, the OpenRosa headers, the message), so the
caller judges it. `submit --split N` sends the XML with the first N media files, marked
`*isIncomplete*` = yes, then the XML again with the rest (the spec's extended
transmission). As the spec recommends, credentials are sent only after the server asks
for them (a 401 with a Basic challenge): the first request of each kind goes bare.
"""
import base64
import email.utils
import json
import mimetypes
import os
import sys
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET

FORMLIST_NS = "{http://openrosa.org/xforms/xformsList}"
RESPONSE_NS = "{http://openrosa.org/http/response}"


class Client:
    def __init__(self, server, user, password):
        self.server = server.rstrip("/")
        self.user = user
        self.password = password
        self.authorization = None

    def request(self, method, url, body=None, content_type=None):
        """The spec's try/retry: bare first, with Basic credentials after a challenge."""
        status, headers, data = self._send(method, url, body, content_type)
        if status == 401 and self.authorization is None:
            challenge = headers.get("www-authenticate", "")
            if not challenge.lower().startswith("basic"):
                return status, headers, data
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            self.authorization = f"Basic {token}"
            status, headers, data = self._send(method, url, body, content_type)
        return status, headers, data

    def _send(self, method, url, body, content_type):
        req = urllib.request.Request(url, data=body, method=method)
        # The HTTP Request API's headers on every request.
        req.add_header("X-OpenRosa-Version", "1.0")
        req.add_header("Date", email.utils.formatdate(usegmt=True))
        if content_type:
            req.add_header("Content-Type", content_type)
        if self.authorization:
            req.add_header("Authorization", self.authorization)
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return res.status, {k.lower(): v for k, v in res.headers.items()}, res.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def formlist(self):
        status, headers, data = self.request("GET", self.server + "/formList")
        out = answer(status, headers, data)
        if status == 200:
            root = ET.fromstring(data)
            assert root.tag == FORMLIST_NS + "xforms", root.tag
            out["forms"] = [
                {child.tag.replace(FORMLIST_NS, ""): (child.text or "") for child in form}
                for form in root.findall(FORMLIST_NS + "xform")
            ]
        return out

    def download(self, url, path):
        status, headers, data = self.request("GET", url)
        out = answer(status, headers, data)
        if status == 200:
            with open(path, "wb") as f:
                f.write(data)
            import hashlib
            out["md5"] = "md5:" + hashlib.md5(data).hexdigest()
        return out

    def head(self):
        status, headers, data = self.request("HEAD", self.server + "/submission")
        return answer(status, headers, data)

    def submit(self, xml_path, media, split=None):
        groups = [media] if split is None else [media[:split], media[split:]]
        answers = []
        for i, group in enumerate(groups):
            last = i == len(groups) - 1
            body, content_type = multipart(xml_path, group, incomplete=not last)
            status, headers, data = self.request("POST", self.server + "/submission", body, content_type)
            answers.append(answer(status, headers, data))
            if status not in (201, 202):
                break
        return {"posts": answers}


def multipart(xml_path, media, incomplete):
    """The MIME envelope: exactly one XForm part, named xml_submission_file, then one part
    per media file named by its file name, then the *isIncomplete* marker if needed."""
    boundary = "----openrosa" + uuid.uuid4().hex
    chunks = []

    def part(name, filename, content_type, data):
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        chunks.append(
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n".encode()
        )
        chunks.append(data)
        chunks.append(b"\r\n")

    with open(xml_path, "rb") as f:
        part("xml_submission_file", os.path.basename(xml_path), "text/xml", f.read())
    for path in media:
        name = os.path.basename(path)
        with open(path, "rb") as f:
            part(name, name, mimetypes.guess_type(name)[0] or "application/octet-stream", f.read())
    if incomplete:
        part("*isIncomplete*", None, "text/plain", b"yes")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def answer(status, headers, data):
    out = {
        "status": status,
        "openrosa_version": headers.get("x-openrosa-version"),
        "accept_content_length": headers.get("x-openrosa-accept-content-length"),
        "www_authenticate": headers.get("www-authenticate"),
        "content_type": headers.get("content-type"),
    }
    if data and (headers.get("content-type") or "").startswith("text/xml"):
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            out["unparsable"] = True
        else:
            if root.tag == RESPONSE_NS + "OpenRosaResponse":
                message = root.find(RESPONSE_NS + "message")
                out["message"] = "" if message is None else (message.text or "")
    return out


def main(argv):
    server, user, password, command, *rest = argv
    client = Client(server, user, password)
    if command == "formlist":
        out = client.formlist()
    elif command == "download":
        out = client.download(rest[0], rest[1])
    elif command == "head":
        out = client.head()
    elif command == "submit":
        split = None
        if "--split" in rest:
            i = rest.index("--split")
            split = int(rest[i + 1])
            rest = rest[:i] + rest[i + 2:]
        out = client.submit(rest[0], rest[1:], split)
    else:
        raise SystemExit(f"unknown command {command}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
