"""Who calls: users with personal access tokens, and service accounts with client credentials."""
from __future__ import annotations


