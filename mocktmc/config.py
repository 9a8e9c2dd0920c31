"""Settings: one dataclass, filled from CLI flags, MOCKTMC_* environment variables, or Python."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import ip_address
from typing import TypedDict
from urllib.parse import urlsplit

from .clock import parse_clock_mode
from .quirks import FIDELITIES

AUTH_MODES = ("open", "isolated", "strict")
# off: trust every request; requests: check requests against the contracts (400/415);
# all: also check the mock's own responses (a violation becomes a 500 naming it).
VALIDATE_MODES = ("off", "requests", "all")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    # A path to a fixture world, or the name of a bundled one ("default", "empty").
    fixtures: str = "default"
    # 'real' (1x wall time, still movable), 'frozen', or 'rate:N'.
    clock: str = "real"
    # Mock time at start-up (ISO-8601); None means the host's current time.
    start: datetime | None = None
    auth: str = "open"
    seed: int = 0
    threads: int = 8
    validate: str = "requests"
    # The largest resource file an upload may carry (bytes); larger ones answer 413.
    upload_limit: int = 10 * 1024 * 1024
    # The largest JSON request body (bytes); larger ones answer 413. Apart from the upload limit: a JSON body is
    # held as Python objects many times its size, where an upload is kept as the bytes it is.
    json_limit: int = 1024 * 1024
    # When set, the control plane (/_mocktmc/...) answers only requests bearing this token.
    control_token: str | None = None
    # Deliberate bugs to switch on (mocktmc/defects.py names them), for proving the contract kit catches them.
    # Any iterable of names is taken (Settings(defects=["wrong_type"])) and kept as a tuple.
    defects: tuple[str, ...] = ()
    # observed: the service as clients see it (every quirk of mocktmc/quirks.py); documented: the published letter.
    fidelity: str = "observed"
    # Opt-in throttling, requests per second of mock time per account and endpoint (0: off); see quirks.py.
    throttle: float = 0
    # Days ended runs are kept (the 60 days the history reaches by default); 0 keeps them for ever. Scheduled
    # occurrences the clock passes more than a day before the window are counted (runsSkipped), not built.
    retention: float = 60
    # A directory the server keeps its state in across restarts (control/state_dir.py); None: memory only.
    state_dir: str | None = None
    # Seconds of real time between two saves to the state dir (a clean stop saves too).
    state_interval: float = 2.0
    # The largest body PUT /_mocktmc/state takes (bytes); its own limit, not the upload's.
    state_limit: int = 512 * 1024 * 1024
    # A validating proxy (mocktmc/proxy/): the URL of the service the TMC API requests are forwarded to; None: the
    # mock answers them itself. `record`: a directory each session's cassette is written to (mocktmc/cassette.py).
    proxy: str | None = None
    record: str | None = None
    # Seconds the proxy waits for the service to connect, and then between two reads of its answer (504 past it).
    proxy_timeout: float = 30.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "defects", _defect_names(self.defects))
        parse_clock_mode(self.clock)
        if self.auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}, got {self.auth!r}")
        if self.validate not in VALIDATE_MODES:
            raise ValueError(f"validate must be one of {', '.join(VALIDATE_MODES)}, got {self.validate!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be in [0, 65535], got {self.port}")
        if self.upload_limit < 1:
            raise ValueError(f"upload_limit must be >= 1 byte, got {self.upload_limit}")
        if self.json_limit < 1:
            raise ValueError(f"json_limit must be >= 1 byte, got {self.json_limit}")
        if self.fidelity not in FIDELITIES:
            raise ValueError(f"fidelity must be one of {', '.join(FIDELITIES)}, got {self.fidelity!r}")
        if not 0 <= self.throttle <= 100_000:
            raise ValueError(f"throttle must be in [0, 100000] requests a second, got {self.throttle}")
        if not 0 <= self.retention <= 36_500:
            raise ValueError(f"retention must be in [0, 36500] days, got {self.retention}")
        if self.control_token is not None and not _sendable(self.control_token):
            raise ValueError("control_token must be printable ASCII (spaces inside are fine) with no space at either "
                             "end, as it travels in an HTTP header: 'Authorization: Bearer <control token>'")
        if not 0.05 <= self.state_interval <= 3600:
            raise ValueError(f"state_interval must be in [0.05, 3600] seconds, got {self.state_interval}")
        if self.state_limit < 1:
            raise ValueError(f"state_limit must be >= 1 byte, got {self.state_limit}")
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")
        _check_proxy(self)

    @property
    def retention_window(self) -> timedelta | None:
        return timedelta(days=self.retention) if self.retention else None

    @property
    def clock_rate(self) -> float:
        return parse_clock_mode(self.clock)


def _check_proxy(settings: Settings) -> None:
    if settings.proxy is not None:
        parts = urlsplit(settings.proxy)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"proxy must be an http:// or https:// URL of the service (no query), got "
                             f"{settings.proxy!r}")
        if settings.defects:
            raise ValueError("defects change the mock's own answers; a proxy passes on the service's: "
                             "--defect does not go with --proxy")
    if settings.record is not None and settings.proxy is None:
        raise ValueError("record needs proxy: a cassette records the exchanges with the service (--proxy URL)")
    if not 0.1 <= settings.proxy_timeout <= 3600:
        raise ValueError(f"proxy_timeout must be in [0.1, 3600] seconds, got {settings.proxy_timeout}")


def _defect_names(names: Iterable[str]) -> tuple[str, ...]:
    """The defects as a tuple without repeats; a lone string is one name, not its letters."""
    names = (names,) if isinstance(names, str) else tuple(dict.fromkeys(names))
    if not names:
        return ()
    from .defect_catalog import DEFECTS
    unknown = [name for name in names if name not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect {unknown[0]!r}; the defects are {', '.join(DEFECTS)}")
    return names


class WaitressLimits(TypedDict):
    connection_limit: int
    channel_timeout: int
    cleanup_interval: int


def waitress_limits(connection_limit: int, channel_timeout: int) -> WaitressLimits:
    """waitress create_server's options for `connection_limit` client connections (waitress counts its listening
    socket and its wake-up trigger too) and `channel_timeout`; idle connections are looked for every channel
    timeout (30 s at most), so one is closed between one and two timeouts after its last byte."""
    return WaitressLimits(connection_limit=connection_limit + 2, channel_timeout=channel_timeout,
                          cleanup_interval=min(channel_timeout, 30))


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: only this machine reaches it."""
    if host.lower() == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name, or an address of another interface


def _sendable(token: str) -> bool:
    """Whether every client can send the token in a header as it is: printable ASCII, no space at its ends."""
    return bool(token) and token == token.strip() and all(" " <= char <= "~" for char in token)
