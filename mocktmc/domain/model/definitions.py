"""What a workspace holds and who works in it, as plain data."""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime

# What a snapshot taken without its secrets holds in place of each (GET /_mocktmc/state; control/redaction.py
# writes it). A credential restored as this placeholder never matches: the secret was left out, not set to it.
REDACTED = "[redacted]"


@dataclass
class ArtifactVersion:
    version: str
    published: datetime | None = None
    publisher: str = ""
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class Artifact:
    id: str
    name: str
    workspace_id: str
    type: str = "standard"
    description: str = ""
    versions: list[ArtifactVersion] = field(default_factory=list)

    def version(self, version: str) -> ArtifactVersion | None:
        return next((v for v in self.versions if v.version == version), None)

    @property
    def latest(self) -> ArtifactVersion:
        return self.versions[-1]


@dataclass
class ConnectionParameter:
    name: str
    value: str | None = None
    encrypted: bool = False


@dataclass
class Connection:
    id: str
    name: str
    app: str
    workspace_id: str
    parameters: list[ConnectionParameter] = field(default_factory=list)
    created: datetime | None = None
    updated: datetime | None = None


@dataclass
class User:
    id: str
    login: str
    first_name: str = ""
    last_name: str = ""
    # What the user may do account-wide (TMC_OPERATOR, TMC_ENVIRONMENT_MANAGEMENT, ...: domain/access.py); an
    # administrator holds every role and every permission on every workspace, including workspaces made later.
    roles: list[str] = field(default_factory=list)
    administrator: bool = False

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.login


@dataclass
class ServiceAccount:
    id: str  # also the OAuth client id
    name: str
    secret: str
    description: str = ""
    roles: list[str] = field(default_factory=list)  # as a user's
    administrator: bool = False
    created: datetime | None = None
    updated: datetime | None = None

    def secret_matches(self, candidate: str) -> bool:
        if self.secret == REDACTED:
            return False
        return hmac.compare_digest(self.secret.encode(), candidate.encode())


@dataclass
class Subscription:
    """The account's license, as the fixture declares it (`subscription`) or, where it says nothing, as the
    fixture loader makes it: a year from the world's start. What it consumes is counted from the world when
    asked (domain/subscription.py), so it is not kept here."""
    start_date: str  # YYYY-MM-DD, as the published example writes it
    end_date: str
    license_type: str = "ENTERPRISE"
    support_level: str = "PLATINUM"
    applications: list[str] = field(default_factory=lambda: [
        "Management Console", "Studio", "Pipeline Designer", "Data Preparation", "Data Stewardship",
        "Data Inventory", "API Designer / API Tester", "Dictionary service"])
    tokens: int = 100
    # application -> how many users it may have
    seats: dict[str, int] = field(default_factory=lambda: {"Management Console": 50, "Studio": 20,
                                                          "Service Accounts": 25})


@dataclass(frozen=True)
class AuditEntry:
    """One change made through the API, as the audit log (GET /security/audit/logs) tells it: who (the
    principal's id, and its login or name then), what (the operation and its method), on which object (the
    request's path, which names it, and the id a creation answered), when (mock time), and how it ended."""
    log_id: str
    timestamp: datetime
    principal_id: str
    principal_type: str  # HUMAN | SERVICE
    username: str
    operation_id: str
    family: str  # the API family (orchestration, processing, security, account, tmc...)
    method: str
    url: str
    status: int
    created_id: str = ""  # the id a creation answered, if any
    client_ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class Principal:
    """The caller a token stands for, as runs record it (userId, userType)."""
    user_id: str
    user_type: str  # HUMAN | SERVICE


@dataclass
class Environment:
    id: str
    name: str
    description: str = ""
    default: bool = False
    max_cloud_containers: int = 0
    created: datetime | None = None


@dataclass
class Workspace:
    id: str
    name: str
    environment_id: str
    type: str = "custom"
    description: str = ""
    owner: str = ""
    protected_artifact_update: bool = False
    created: datetime | None = None
    updated: datetime | None = None
    # principal id (a user's or a service account's) -> the permission types it holds here (VIEW, EXECUTE, ...):
    # kept on the workspace because TMC removes them with it ("Remove the Workspace and all its subparts").
    permissions: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Project:
    id: str
    name: str
    technical_label: str
    url: str
    owner: str
    author: str
    description: str = ""
    project_type: str = "DI"
    created: datetime | None = None
    updated: datetime | None = None
    user_ids: list[str] = field(default_factory=list)
    group_ids: list[str] = field(default_factory=list)

    @property
    def repo_type(self) -> str:
        lowered = self.url.lower()
        return "GIT" if "git" in lowered else "SVN" if "svn" in lowered else "NONE"


@dataclass
class Resource:
    id: str
    name: str
    workspace_id: str
    content: bytes = b""
    description: str = ""
    created: datetime | None = None
