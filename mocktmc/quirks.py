"""Quirks: where the TMC service, as clients and production teams observe it, differs from Talend's published
documents. The observed service wins by default (`--fidelity observed`); `--fidelity documented` switches every
quirk at once to the letter of the documents. Each quirk names its evidence, so this knowledge stays checkable,
and the contract kit has a check per quirk that tells which way a target behaves (`mocktmc quirks` lists them).

Plain data, no Flask: the rules (domain/) and the HTTP layer (api/) ask `world.quirks` or the server's
settings whether a quirk is in effect.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

FIDELITIES = ("observed", "documented")


@dataclass(frozen=True)
class Evidence:
    source: str  # where it is public: a repository and file, a page, a standard
    quote: str  # a short quote that says it


@dataclass(frozen=True)
class Quirk:
    name: str
    title: str
    documented: str  # what the published documents say
    observed: str  # what the service does
    evidence: tuple[Evidence, ...]
    mock_observed: str  # what mocktmc does with --fidelity observed (the default)
    mock_documented: str  # ... and with --fidelity documented

    @property
    def check(self) -> str:
        """The contract kit's check for this quirk."""
        return f"quirk_{self.name}"

    def as_json(self) -> dict:
        return {**asdict(self), "evidence": [asdict(e) for e in self.evidence], "check": self.check}


_NEW_RELIC = "newrelic/talend-observability, src/main.py (a Talend-to-New Relic collector)"

QUIRKS: dict[str, Quirk] = {q.name: q for q in (
    Quirk(
        name="history_window_by_trigger",
        title="Run lists select the period by trigger time",
        documented="from/to list the runs active in the period: started, ended or running within it.",
        observed="from/to select runs by triggerTimestamp only; a run triggered before `from` that ends inside "
                 "the period is not listed.",
        evidence=(Evidence(_NEW_RELIC, "The API's from/to filter on triggerTimestamp only (not start/finish, "
                                       "despite the Talend docs)"),),
        mock_observed="Task and plan run lists (GET and the task-run search) keep the runs whose trigger time "
                      "lies within [from, to].",
        mock_documented="They keep the runs that were active at some instant of [from, to]."),
    Quirk(
        name="last_days_overrides_period",
        title="lastDays wins over from/to",
        documented="lastDays is the period when from/to are not given.",
        observed="When lastDays is sent together with from/to, lastDays decides the period.",
        evidence=(Evidence(_NEW_RELIC, "list every execution triggered within the lookback (lastDays overrides "
                                       "from/to)"),),
        mock_observed="A run list that gets lastDays covers the last lastDays days up to now, whatever from/to say.",
        mock_documented="from/to decide the period; lastDays applies only when they are absent."),
    Quirk(
        name="misfire_never_started",
        title="Runs that never started have no finish time, logs or metrics",
        documented="A run in a final status has a finishTimestamp; every run has logs and component metrics.",
        observed="A run that never started (a misfire: parallel execution forbidden, paused, engine unavailable) "
                 "ends in its final status with no finishTimestamp, and its logs and component metrics answer 404.",
        evidence=(Evidence(_NEW_RELIC, "Other states without a finish time (e.g. rejected before start) use the "
                                       "trigger time as their final time"),
                  Evidence(_NEW_RELIC, "Component stats/logs may not exist for an execution (e.g. rejected before "
                                       "it started): treat as no data")),
        mock_observed="A misfired task run has no finishTimestamp; GET .../logs and the component metrics of it "
                      "answer 404.",
        mock_documented="A misfired task run finishes at its trigger time and its log holds the misfire line; its "
                        "component metrics answer 404 either way (the published record requires a start time)."),
    Quirk(
        name="terminate_text_plain",
        title="Terminating a run produces text/plain",
        documented="DELETE /processing/executions/{id} answers 204 with no content type to negotiate.",
        observed="The operation produces text/plain: a request whose Accept allows only application/json gets 406.",
        evidence=(Evidence("Field notes of a team running TMC in production (EU region), reported in mocktmc issue 16",
                           "Terminating a run answers text/plain ... Accept ... only application/json gets 406"),
                  Evidence("Talend TMC v2.6 API document, DELETE /executions/{id}", "produces: text/plain")),
        mock_observed="DELETE /processing/executions/{id} (and /tmc/v2.x) answers 406 when Accept excludes text/plain.",
        mock_documented="It ignores Accept."),
    Quirk(
        name="task_name_prefix",
        title="The task name filter is a prefix",
        documented="`name` is a \"task name filter\" (the mock read it as: contained in the name).",
        observed="The name filter matches names that start with it (case-insensitively), not names that contain it.",
        evidence=(Evidence("Field notes of a team running TMC in production (EU region), reported in mocktmc issue 16",
                           "Task name filter is a prefix match, not a substring"),),
        mock_observed="GET /orchestration/executables/tasks?name= and the task searches keep names starting with it.",
        mock_documented="They keep names containing it."),
    Quirk(
        name="task_put_replaces",
        title="Updating a task replaces it whole",
        documented="PUT /orchestration/executables/tasks/{taskId} updates the task.",
        observed="A task PUT replaces the whole task: fields left out become empty (parameters are not refilled "
                 "from the artifact's defaults).",
        evidence=(Evidence("Talend Cloud help, \"Updating a task with a new artifact version\" (help.talend.com, "
                           "use-api-to-update-artifact-in-tasks)",
                           "any field values that your tasks have but which are not included are replaced with null"),),
        mock_observed="Fields a PUT leaves out become empty; parameters are those the body sends.",
        mock_documented="Parameters the body leaves out are refilled from the artifact version's defaults."),
    Quirk(
        name="log_export_keeps_last",
        title="A log download past 100,000 lines keeps the last ones",
        documented="POST .../logs answers 206 above 100,000 entries (a partial file).",
        observed="The file keeps the last 100,000 entries, and X-Log-Next-Request-End-Time says where the earlier "
                 "ones end, for the next request.",
        evidence=(Evidence("Talend developer portal, \"Fetching run logs periodically for analysis\" "
                           "(talend.qlik.dev/use-cases/monitoring-tasks)",
                           "only the last 100,000 records are returned. The response includes the "
                           "X-Log-Next-Request-End-Time header"),),
        mock_observed="Past 100,000 entries the export keeps the newest 100,000 (206) and sends "
                      "X-Log-Next-Request-End-Time (epoch ms of the newest entry left out).",
        mock_documented="It keeps the oldest 100,000 (206) and sends no such header."),
    Quirk(
        name="throttle_without_retry_after",
        title="Throttling: about 10 requests a second per endpoint, 429 without Retry-After",
        documented="Only component metrics publish a limit (5 queries a minute); 429 is declared on two operations.",
        observed="The service answers 429 above roughly 10 requests a second per endpoint, with no Retry-After.",
        evidence=(Evidence(_NEW_RELIC, "Spaces requests evenly to stay under Talend's rate limit (~10 req/s per "
                                       "endpoint)"),
                  Evidence(_NEW_RELIC, "Talend's 429s currently carry no Retry-After and clear within ~1s")),
        mock_observed="With --throttle N/s (off by default), the N+1st request within one second of mock time, per "
                      "account and endpoint, answers 429 with no Retry-After.",
        mock_documented="--throttle's 429 carries Retry-After (seconds until the endpoint accepts again)."),
    Quirk(
        name="legacy_v1_bare_arrays",
        title="/tmc/v1.x lists are bare arrays, and /tmc/v1.3 exists",
        documented="No v1.x document is published; mocktmc's reconstruction put v1.2 on the v2.x page layout.",
        observed="GET /tmc/v1.x/executables (and .../plans, .../promotions) answer a bare JSON array, and /tmc/v1.3 "
                 "serves the same API as /tmc/v1.2.",
        evidence=(Evidence("Talend/tmc_rest_api (Talend's Java client) at 8835879, ExecutableService.java, with "
                           "base URL /tmc/v1.3/", "mapper.readValue(payload, Executable[].class)"),
                  Evidence("Talend/tmc_rest_api d567f8e, once on /tmc/v2.2",
                           "updated to handle altered executables/task response")),
        mock_observed="The v1.x lists answer arrays; /tmc/v1.3 is served beside /tmc/v1.2.",
        mock_documented="They answer {items, limit, offset, total} pages; only /tmc/v1.2 is served."),
    Quirk(
        name="expires_in_number",
        title="The OAuth token's expires_in is a number",
        documented="The token response types expires_in as a string.",
        observed="expires_in is a JSON number of seconds, as OAuth 2 specifies; clients compute time() + expires_in.",
        evidence=(Evidence("RFC 6749, section 5.1", "expires_in RECOMMENDED. The lifetime in seconds of the "
                                                    "access token."),),
        mock_observed="expires_in is 1800 (a number).",
        mock_documented="expires_in is \"1800\" (a string)."),
)}


def in_effect(fidelity: str) -> frozenset[str]:
    """The quirks a server of this fidelity has."""
    if fidelity not in FIDELITIES:
        raise ValueError(f"fidelity must be one of {', '.join(FIDELITIES)}, got {fidelity!r}")
    return frozenset(QUIRKS) if fidelity == "observed" else frozenset()
