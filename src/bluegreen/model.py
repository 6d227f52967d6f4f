"""Plain data the controller reasons about: colours, weights, releases and platform snapshots.

Everything here is immutable and free of I/O, so decisions built on it are plain functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Color = Literal["blue", "green"]
COLORS: tuple[Color, Color] = ("blue", "green")


def other(color: Color) -> Color:
    """The colour that is not `color`."""
    return "green" if color == "blue" else "blue"


def parse_color(value: str) -> Color:
    """`value` as a Color, or ValueError naming the allowed values."""
    if value not in COLORS:
        raise ValueError(f"{value!r} is not a colour (blue or green)")
    return value


def image_tag(image: str) -> str | None:
    """`repo/app:2.0.0` -> `2.0.0`; digests and untagged images have none (a registry
    port, `host:5000/app`, is not a tag: only the last path segment is read)."""
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


@dataclass(frozen=True)
class Weights:
    """Traffic weights in percent; they always add up to 100."""

    blue: int
    green: int

    def __post_init__(self) -> None:
        if self.blue < 0 or self.green < 0 or self.blue + self.green != 100:
            raise ValueError(
                f"weights must be >= 0 and add up to 100, got {self.blue}/{self.green}"
            )

    @classmethod
    def all_on(cls, color: Color) -> Weights:
        """Every request to `color`."""
        return cls.split(color, 100)

    @classmethod
    def split(cls, color: Color, percent: int) -> Weights:
        """`percent` of the traffic to `color`, the rest to the other colour."""
        return (
            cls(blue=percent, green=100 - percent)
            if color == "blue"
            else cls(100 - percent, percent)
        )

    def of(self, color: Color) -> int:
        """The weight of `color`."""
        return self.blue if color == "blue" else self.green

    @property
    def live(self) -> Color | None:
        """The colour that takes all traffic, or None while traffic is split."""
        if self.blue == 100:
            return "blue"
        if self.green == 100:
            return "green"
        return None

    def as_dict(self) -> dict[str, int]:
        """JSON form: {"blue": b, "green": g}."""
        return {"blue": self.blue, "green": self.green}


@dataclass(frozen=True)
class Release:
    """What a colour runs: a version plus a command and environment (local) or an image (AWS)."""

    version: str
    command: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    image: str | None = None
    migrate_command: tuple[str, ...] = ()
    workdir: str | None = None
    source: str | None = None  # where it came from: "default", a git sha, an image digest

    def __post_init__(self) -> None:
        object.__setattr__(self, "env", MappingProxyType(dict(self.env)))

    def to_dict(self) -> dict[str, Any]:
        """JSON form, for state files, history and DynamoDB."""
        return {
            "version": self.version,
            "command": list(self.command),
            "env": dict(self.env),
            "image": self.image,
            "migrate_command": list(self.migrate_command),
            "workdir": self.workdir,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Release:
        """Inverse of `to_dict`."""
        return cls(
            version=str(data["version"]),
            command=tuple(data.get("command") or ()),
            env=dict(data.get("env") or {}),
            image=data.get("image"),
            migrate_command=tuple(data.get("migrate_command") or ()),
            workdir=data.get("workdir"),
            source=data.get("source"),
        )


@dataclass(frozen=True)
class Health:
    """How far a colour's tasks are: desired, running, passing the load balancer's check."""

    desired: int
    running: int
    healthy: int
    problems: tuple[str, ...] = ()  # fatal, e.g. "task green-1 exited with code 3"
    check: str | None = None  # what the load balancer checks, e.g. "GET /health" (for messages)
    settled: bool = True  # the platform's own rollout is done (AWS: rolloutState COMPLETED)
    # Desired tasks the platform does not judge yet and that are not healthy: not registered
    # with the load balancer yet, in its initial checks, or younger than the service's health
    # check grace period (AWS). Neither healthy nor failed (a scale-out during a canary).
    pending: int = 0

    @property
    def failing(self) -> int:
        """Desired tasks past their grace that do not pass the health check."""
        return max(self.desired - self.healthy - self.pending, 0)

    @property
    def ready(self) -> bool:
        """All desired tasks run and pass the health check, and the rollout is complete."""
        return (
            self.desired > 0
            and self.healthy >= self.desired
            and self.running >= self.desired
            and self.settled
        )


@dataclass(frozen=True)
class Scaling:
    """Which of a colour's autoscaling activities are suspended (AWS: the scalable target's
    SuspendedState); the procedure holds scale-in during a deployment and puts these back."""

    color: Color
    dynamic_in: bool = False
    dynamic_out: bool = False
    scheduled: bool = False

    def holding_scale_in(self) -> Scaling:
        """The same with dynamic scale-in suspended (scale-out and scheduled as they were)."""
        return Scaling(self.color, True, self.dynamic_out, self.scheduled)

    def to_dict(self) -> dict[str, Any]:
        """The journal's form."""
        return {
            "color": self.color,
            "dynamic_in": self.dynamic_in,
            "dynamic_out": self.dynamic_out,
            "scheduled": self.scheduled,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scaling:
        """Read the journal's form back."""
        return cls(
            parse_color(str(data["color"])),
            bool(data.get("dynamic_in")),
            bool(data.get("dynamic_out")),
            bool(data.get("scheduled")),
        )


@dataclass(frozen=True)
class ColorState:
    """One colour as the platform reports it."""

    release: Release | None
    health: Health
    in_flight: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The `status --json` form of one colour."""
        return {
            "version": self.release.version if self.release else None,
            "tasks": self.health.running,
            "desired": self.health.desired,
            "healthy": self.health.healthy,
            "in_flight": self.in_flight,
        }


@dataclass(frozen=True)
class Snapshot:
    """The platform as it is now."""

    target: str
    url: str
    weights: Weights
    colors: Mapping[Color, ColorState]
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def live(self) -> Color | None:
        """The colour that takes all traffic, or None while split or before the first deploy."""
        live = self.weights.live
        if live is None or self.colors[live].release is None:
            return None
        return live


@dataclass(frozen=True)
class TrafficCounters:
    """Cumulative counters of one colour at one moment; analysis works on differences."""

    at: float
    requests: int
    errors_5xx: int
    p99_ms: float | None = None
