"""Who calls: users with personal access tokens, and service accounts with client credentials."""
from __future__ import annotations

import hmac
from dataclasses import dataclass


@dataclass
class User:
    id: str
    login: str
    first_name: str = ""
    last_name: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.login


@dataclass
class ServiceAccount:
    id: str  # also the OAuth client id
    name: str
    secret: str
    description: str = ""

    def secret_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(self.secret.encode(), candidate.encode())


@dataclass(frozen=True)
class Principal:
    """The caller a token stands for, as runs record it (userId, userType)."""
    user_id: str
    user_type: str  # HUMAN | SERVICE
