"""The names of the mock's deliberate defects and what each breaks (mocktmc/defects.py applies them).

Kept apart from the hooks, which need Flask: the command line lists these names at start-up.
"""
from __future__ import annotations

DEFECTS: dict[str, str] = {
    "wrong_type": "paged list bodies of /orchestration, /processing and /monitoring give their integer "
                  "'total' as a string",
    "missing_required_field": "GET /orchestration/environments lists environments without their required 'id' "
                              "(the contract has no GET of one environment)",
    "wrong_status": "successful creations (POST) in /orchestration, /processing and /monitoring answer 200 "
                    "instead of 201 where the contract declares no 200",
    "use_after_free": "a resource deleted under /orchestration stays readable: GET of its path answers 200 with "
                      "the body it had before the DELETE, instead of 404 (lists omit it)",
    "never_finishes": "a run that reaches EXECUTING never ends on its own (no natural end, no timeout); "
                      "terminating it still works",
    "endless_log_pages": "GET /monitoring/executions/{id}/logs always answers a nextIndex (startIndex + count), "
                         "even on the last page or an empty one",
    "pause_ignored": "scheduled (and webhook) runs of a paused task or plan start as if it were not paused; "
                     "pausing still answers as usual and GET still shows it paused",
    "server_error_on_bad_body": "a request body that is malformed or breaks the contract answers 500 instead "
                                "of the 400/415 the request checks give",
    "quirks_reversed": "every quirk (`mocktmc quirks`) behaves the other way from the fidelity the server says it "
                       "has: an observed server answers as the documents say, and the other way round",
    "permissions_ignored": "a request the permissions table refuses (README \"Roles and permissions\") "
                           "goes ahead instead of answering 403; lists are still cut down to what "
                           "the caller may see",
}
# The defects World.defects carries: the domain (or, for permissions_ignored, api/authorization.py, which reads
# the world's) applies them, no response hook is needed. quirks_reversed needs neither: app.py gives the accounts
# the quirks the fidelity does not have.
DOMAIN_DEFECTS = frozenset({"never_finishes", "pause_ignored", "quirks_reversed", "permissions_ignored"})

__all__ = ["DEFECTS", "DOMAIN_DEFECTS"]
