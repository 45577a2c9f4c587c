"""Several Rasa servers and action servers behind nginx, with one web app: the
processes of `python -m bot cluster` (docs/deployment.md).

Rasa server i talks to action server i. All of them share PostgreSQL (the domain and
Rasa's tracker store) and Redis (conversation locks, and the bot's socket.io messages
between Rasa servers). nginx routes each conversation to one Rasa server
(infra/scratch/nginx.py). The web app reaches Rasa through nginx too, so a push finds
a live server; the chat page's socket connects to nginx.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings
from infra.scratch.nginx import Upstreams, nginx_argv, write_config
from infra.scratch.ports import free_port
from infra.services import Service, action_server, child_env, rasa_server, web_app, write_endpoints


@dataclass(frozen=True)
class Instance:
    number: int
    rasa_port: int
    action_port: int


@dataclass(frozen=True)
class ClusterPlan:
    """Which process listens where: nginx on the settings' web port, the rest on free
    loopback ports behind it."""

    public_port: int
    web_port: int
    instances: tuple[Instance, ...]

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    def write(self, path: Path) -> Path:
        """Where everything listens, for an operator or a drill (no secrets in it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dataclasses.asdict(self), indent=2), encoding="utf-8")
        return path

    @property
    def upstreams(self) -> Upstreams:
        return Upstreams(
            listen_port=self.public_port,
            rasa_ports=tuple(instance.rasa_port for instance in self.instances),
            web_port=self.web_port,
        )


def plan_cluster(settings: Settings, instances: int) -> ClusterPlan:
    if instances < 1:
        raise ValueError("a cluster needs at least one instance")
    return ClusterPlan(
        public_port=settings.web_port,
        web_port=free_port(),
        instances=tuple(
            Instance(number, rasa_port=free_port(), action_port=free_port())
            for number in range(1, instances + 1)
        ),
    )


def _behind_nginx(plan: ClusterPlan) -> dict[str, str]:
    """What every process is told about the proxy in front."""
    return {
        # The client's address comes from nginx's X-Forwarded-For (login limits).
        "TRUSTED_PROXIES": "127.0.0.1",
        # Browsers reach socket.io, and coordinators the inbox, through nginx.
        "CHAT_SOCKET_URL": plan.public_url,
        "PUBLIC_WEB_URL": plan.public_url,
    }


def cluster_services(
    settings: Settings, plan: ClusterPlan, model: Path, runtime_dir: Path
) -> list[Service]:
    """The services in start order: action servers, Rasa servers, the web app, nginx."""
    if not settings.redis_url:
        raise ValueError("a cluster needs REDIS_URL (the shared locks and socket.io messages)")
    proxy = _behind_nginx(plan)

    def named(service: Service, name: str) -> Service:
        return dataclasses.replace(service, name=name, env={**service.env, **proxy})

    own = {
        instance.number: dataclasses.replace(
            settings, rasa_port=instance.rasa_port, action_port=instance.action_port
        )
        for instance in plan.instances
    }
    services = [named(action_server(own[n]), f"actions-{n}") for n in own]
    for n in own:
        endpoints = write_endpoints(own[n], runtime_dir / f"endpoints-{n}.yml")
        services.append(named(rasa_server(own[n], model, endpoints), f"rasa-{n}"))
    # The web app's pushes go through nginx (rasa_url), which finds a live Rasa server.
    web_settings = dataclasses.replace(settings, web_port=plan.web_port, rasa_port=plan.public_port)
    services.append(named(web_app(web_settings), "web"))
    folder = runtime_dir / "nginx"
    write_config(plan.upstreams, folder)
    services.append(
        Service(
            name="nginx",
            argv=nginx_argv(folder),
            health_url=f"{plan.public_url}/nginx-healthz",
            env=child_env(settings),
        )
    )
    return services
