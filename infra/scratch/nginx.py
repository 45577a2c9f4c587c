"""nginx in front of several Rasa servers and the web app (Debian's nginx, run by the
project in a scratch folder, in the foreground).

Sticky routing, so that a conversation stays on one Rasa server while that server lives:
- socket.io by a route cookie: nginx gives each browser a random `tt_route` cookie
  (the chat page sets it, or the first socket.io request) and hashes on it, so every
  request of one engine.io session reaches the same server;
- Rasa's REST channel by the conversation: the `sender` in the JSON body;
- Rasa's HTTP API (the web app's pushes) by the conversation id in the path.
Consistent hashing: when a server is down its conversations move to the others, and
they come back when it is back. What one server says reaches a socket on another
through Redis (channels/socket_bus.py); the shared lock store keeps a moving
conversation's messages one at a time (channels/lock_store.py).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from infra.scratch.programs import find_program, owned_folder

ROUTE_COOKIE = "tt_route"
FORWARDED = (
    "Host $http_host",
    "X-Forwarded-For $remote_addr",
    "X-Forwarded-Proto $scheme",
)
# A request body up to this size is kept in memory, where the REST channel's sender is
# read from it; a larger one is refused at the edge anyway (bot/input_check.py).
BODY_IN_MEMORY = "1m"


@dataclass(frozen=True)
class Upstreams:
    """Where nginx sends what: the Rasa servers' and the web app's loopback ports."""

    listen_port: int
    rasa_ports: tuple[int, ...]
    web_port: int


def _servers(ports: tuple[int, ...]) -> str:
    # After one failed connection a server is left alone for 5 s, then tried again.
    return "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports
    )


def nginx_config(
    upstreams: Upstreams, folder: Path, *, as_root: bool, temp_folder: Path | None = None
) -> str:
    """The whole nginx.conf for the cluster, with every file in `folder` (the workers'
    buffers in `temp_folder`, by default there too)."""
    temp_folder = temp_folder or folder
    rasa = _servers(upstreams.rasa_ports)
    forwarded = "\n".join(f"    proxy_set_header {header};" for header in FORWARDED)
    forwarded_in_location = "\n".join(f"    {line}" for line in forwarded.splitlines())
    temp = "\n".join(
        f"    {kind}_temp_path {temp_folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Started by root (CI), the master reads the configuration and opens the logs; the
    # workers, which read what clients send, run as nobody, with their buffers in a
    # folder of nobody's own.
    user = f"user {WORKER_USER};\n" if as_root else ""
    return f"""{user}worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;

events {{
    worker_connections 1024;
}}

http {{
    # Which server answered, and how: no address, path or conversation in it.
    log_format routed '$msec $status $upstream_addr';
    access_log {folder / "access.log"} routed;
{temp}
    client_max_body_size {BODY_IN_MEMORY};
    client_body_buffer_size {BODY_IN_MEMORY};

    map $cookie_{ROUTE_COOKIE} $route {{
        "" $request_id;
        default $cookie_{ROUTE_COOKIE};
    }}
    map $cookie_{ROUTE_COOKIE} $route_cookie {{
        "" "{ROUTE_COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}
    map $request_body $rest_conversation {{
        "~\\"sender\\"\\s*:\\s*\\"(?<sender>[^\\"]{{1,256}})\\"" $sender;
        default $route;
    }}
    map $uri $api_conversation {{
        "~^/conversations/(?<conversation>[^/]+)/" $conversation;
        default $route;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}

    upstream rasa_socket {{
        hash $route consistent;
{rasa}
    }}
    upstream rasa_rest {{
        hash $rest_conversation consistent;
{rasa}
    }}
    upstream rasa_api {{
        hash $api_conversation consistent;
{rasa}
    }}
    upstream web {{
        server 127.0.0.1:{upstreams.web_port};
    }}

    proxy_http_version 1.1;
{forwarded}
    proxy_read_timeout 120s;

    server {{
        listen 127.0.0.1:{upstreams.listen_port};

        location = /nginx-healthz {{
            return 200 "ok\\n";
        }}
        location /socket.io/ {{
            proxy_pass http://rasa_socket;
            # A location with headers of its own inherits none from above: the client's
            # address must reach Rasa here too (the koppelcode proof and limits).
{forwarded_in_location}
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            add_header Set-Cookie $route_cookie;
        }}
        location /webhooks/ {{
            proxy_pass http://rasa_rest;
        }}
        location /conversations/ {{
            proxy_pass http://rasa_api;
        }}
        location / {{
            proxy_pass http://web;
            add_header Set-Cookie $route_cookie;
        }}
    }}
}}
"""


def nginx_argv(folder: Path) -> list[str]:
    return [
        find_program("nginx", "nginx", also_in=("/usr/sbin",)),
        "-p",
        str(folder),
        "-c",
        str(folder / "nginx.conf"),
        "-e",
        str(folder / "error.log"),
    ]


WORKER_USER = "nobody nogroup"


def _worker_temp_folder(folder: Path) -> Path:
    """As root: a folder of nobody's own under /var/tmp, named after the scratch folder,
    where the workers keep large request bodies and answers."""
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]
    return owned_folder(Path("/var/tmp") / f"toptraject-nginx-{digest}", *WORKER_USER.split())


def write_config(upstreams: Upstreams, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    as_root = os.geteuid() == 0
    temp_folder = _worker_temp_folder(folder) if as_root else folder
    path = folder / "nginx.conf"
    path.write_text(
        nginx_config(upstreams, folder, as_root=as_root, temp_folder=temp_folder),
        encoding="utf-8",
    )
    return path
