"""Push a STIX bundle to a TAXII 2.1 collection (`score --taxii URL --collection ID`), with the
OASIS `taxii2-client` (the optional extra `hypscore[exchange]`).

Every failure is a UsageError of one line (the command's exit 2), within TIMEOUT seconds for an
unreachable server; the password is never part of a message (requests' errors quote the URL,
so a URL with credentials in it is refused before any request)."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from hypotheses.settings import UsageError

# Seconds to connect, and to wait for each answer: an unreachable server fails well within 10 s.
TIMEOUT = 4.0
# Where the password comes from when --password-file is not given (never a command-line value).
PASSWORD_VARIABLE = "HYPSCORE_TAXII_PASSWORD"


@dataclass(frozen=True)
class PushResult:
    """What the server said: objects added, and those it did not add (already there at this
    version, or refused), by id."""

    collection: str
    added: int
    not_added: tuple[str, ...]

    @property
    def line(self) -> str:
        objects = f"{self.added} STIX object{'s' * (self.added != 1)}"
        said = f"pushed {objects} to TAXII collection {self.collection}"
        if self.not_added:
            said += (
                f"; {len(self.not_added)} not added (already in the collection at this version, "
                "or refused by the server)"
            )
        return said


def collection_url(url: str, collection: str) -> str:
    """The collection's address under an API root: URL/collections/ID/."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--taxii {url!r} is not an http(s) address of a TAXII 2.1 API root")
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            "--taxii: give the user with --user and the password with --password-file (or "
            f"{PASSWORD_VARIABLE}), never inside the address"
        )
    if not collection or "/" in collection or "?" in collection or "#" in collection:
        raise UsageError(f"--collection {collection!r} is not a collection id")
    return f"{url.rstrip('/')}/collections/{collection}/"


def read_password(password_file: Path | None) -> str | None:
    """The password from its file (first line, without its newline), else the environment."""
    if password_file is not None:
        try:
            text = password_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = type(exc).__name__
            raise UsageError(f"--password-file {password_file}: cannot read it ({why})") from None
        lines = text.splitlines()
        return lines[0] if lines else ""
    return os.environ.get(PASSWORD_VARIABLE)


def push_taxii(
    bundle: str | dict,
    url: str,
    collection: str,
    user: str | None = None,
    password: str | None = None,
) -> PushResult:
    """Add a bundle's objects to a TAXII 2.1 collection; UsageError (one line) when the server
    cannot be reached, refuses the login, or has no such writable collection."""
    import requests
    from taxii2client.common import _HTTPConnection
    from taxii2client.exceptions import TAXIIServiceException
    from taxii2client.v21 import Collection

    address = collection_url(url, collection)
    if password is not None and user is None:
        raise UsageError("a TAXII password needs a user: give --user")
    envelope = bundle if isinstance(bundle, str) else json.dumps(bundle)
    conn = _HTTPConnection(user, password, verify=True, version="2.1")
    # taxii2-client sets no timeout of its own: every request gets ours.
    conn.session.request = functools.partial(conn.session.request, timeout=TIMEOUT)  # type: ignore[method-assign]
    host = urlsplit(url).netloc
    try:
        target = Collection(address, conn=conn)
        status = target.add_objects(envelope, wait_for_completion=True, poll_interval=0.2, timeout=TIMEOUT)
    except requests.exceptions.HTTPError as exc:
        code = exc.response.status_code if exc.response is not None else None
        if code in (401, 403):
            raise UsageError(f"the TAXII server at {host} refused the login (HTTP {code})") from None
        if code == 404:
            missing = f"has no collection {collection!r} under {url}"
            raise UsageError(f"the TAXII server at {host} {missing}") from None
        raise UsageError(f"the TAXII server at {host} answered HTTP {code}") from None
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout):
        raise UsageError(f"cannot reach the TAXII server at {host} (within {TIMEOUT:g} s)") from None
    except TAXIIServiceException as exc:
        raise UsageError(f"TAXII collection {collection!r} at {host}: {_first_line(exc)}") from None
    except (ValueError, requests.exceptions.RequestException) as exc:
        raise UsageError(f"the TAXII server at {host} gave no usable answer ({type(exc).__name__})") from None
    finally:
        conn.close()
    failures = tuple(str(f.get("id", "")) for f in (status.failures or []))
    return PushResult(collection, int(status.success_count or 0), failures)


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
