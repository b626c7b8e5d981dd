"""The security headers every response must carry (hn/securite.py, django-csp), shared by the
access matrix and the header tests."""


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_security_headers(response, *, authenticated: bool) -> None:
    where = f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}"
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"], where
    assert "'unsafe-inline'" not in directives["script-src"], where
    assert "'unsafe-inline'" not in directives["style-src"], where
    assert directives["object-src"] == ["'none'"], where
    assert directives["frame-ancestors"] == ["'none'"], where
    assert "camera=()" in response["Permissions-Policy"], where
    assert response["X-Content-Type-Options"] == "nosniff", where
    if authenticated:
        assert "no-store" in response.get("Cache-Control", ""), where
