"""The one table of what each operation needs: roles (any of them), a workspace permission, and where the
workspace is found; with the evidence for each row.

Keys are the operationIds of the 2021-03 families (contracts/orchestration|processing|monitoring|security.yaml);
a legacy /tmc/ operation is served by a 2021-03 handler (api/legacy/routes.py pairs them) and needs what that
operation needs. Role names are the TMC_* names Talend publishes (service-accounts.json); the published texts
that drop the prefix ("ENVIRONMENT_MANAGEMENT role", "OPERATOR role") mean the same ones. Workspace permissions
are the published Permission types; "EXECUTOR Permission" and "READ on the workspace" are EXECUTE and VIEW.

Evidence: a quote of the published description (O21 orchestration.json, P21 processing.json, D21
dynamic-engine.json, SA21 service-accounts.json, AL21 audit-logs.json), a TMC-API-NOTES section, or "by analogy
with <row>" where nothing public says it.
A list operation needs its roles only: what it shows is cut down to what the caller may see (api/visibility.py).
"""
from __future__ import annotations

from dataclasses import dataclass

ANALOGY = "by analogy with"


@dataclass(frozen=True)
class Locate:
    """Where a request names the object whose workspace (or environment) the permission is checked on."""
    source: str  # "path" (a path parameter), "body" (a field of the JSON body) or "form" (a field of the JSON
    #              object a multipart part holds)
    name: str  # the parameter's or field's name in the 2021-03 contract
    kind: str  # what the id names: task, plan, executable, workspace, environment, schedule, execution,
    #            plan_execution, artifact, connection, resource (access.scope_of)
    part: str = ""  # "form": the multipart part that holds the JSON object


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...]  # any one of them will do; () needs none
    permission: str | None  # the workspace permission type needed, where `locate` finds the workspace
    locate: Locate | None
    evidence: str
    # Where an object moves to, which needs the same permission as where it is (the move operations).
    target: Locate | None = None

    @property
    def published(self) -> bool:
        return not self.evidence.startswith(ANALOGY)


OPERATOR = ("TMC_OPERATOR",)
RUNNER = ("TMC_OPERATOR", "TMC_ENGINE_USE")  # who may run tasks (TMC-API-NOTES §6.1)
ENVIRONMENTS = ("TMC_ENVIRONMENT_MANAGEMENT",)
SEES_ENVIRONMENTS = ("TMC_CLUSTER_MANAGEMENT", "TMC_ENVIRONMENT_MANAGEMENT", "TMC_OPERATOR")
ENGINES = ("TMC_CLUSTER_MANAGEMENT",)
SEES_ENGINES = ("TMC_CLUSTER_MANAGEMENT", "TMC_ENGINE_USE", "TMC_OPERATOR")
PROFILES = ("TMC_CLUSTER_MANAGEMENT", "TMC_RUN_PROFILE_MANAGEMENT", "TMC_ENVIRONMENT_MANAGEMENT")
PROMOTES = ("TMC_PROMOTION_EXECUTION",)
SEES_PROMOTIONS = ("TMC_PROMOTION_EXECUTION", "TMC_ENVIRONMENT_MANAGEMENT")
SEES_PROJECTS = ("TMC_OPERATOR", "TMC_ENVIRONMENT_MANAGEMENT")


def _path(name: str, kind: str) -> Locate:
    return Locate("path", name, kind)


def _body(name: str, kind: str) -> Locate:
    return Locate("body", name, kind)


TASK, PLAN = _path("taskId", "task"), _path("planId", "plan")
SCHEDULE = _path("scheduleId", "schedule")
ARTIFACT, CONNECTION, RESOURCE = _path("artifactId", "artifact"), _path("connectionId", "connection"), \
    _path("resourceId", "resource")
RUN, LOG_RUN = _path("executionId", "execution"), _path("id", "execution")
PLAN_RUN = _path("planExecutionId", "plan_execution")
MOVED_TO = _path("targetWorkspaceId", "workspace")
BODY_WORKSPACE, BODY_ENVIRONMENT = _body("workspaceId", "workspace"), _body("environmentId", "environment")

# Evidence quoted once and named by the rows it covers.
_WORKSPACES_TEXT = ('O21 getAvailableWorkspaces: "If the user is entitled with CLUSTER_MANAGEMENT or '
                    'ENVIRONMENT_MANAGEMENT role, all workspaces matching query will be returned ... If the user is '
                    'entitled with OPERATOR role, workspaces matching query and the workspace permissions will be '
                    'returned"')
_ENVIRONMENTS_TEXT = ('O21 getAvailableEnvironments: "If the user is entitled with CLUSTER_MANAGEMENT or '
                      'ENVIRONMENT_MANAGEMENT role, all environments ... If the user is entitled with OPERATOR role, '
                      'environments matching query and the user workspace permissions will be returned"')
_MANAGE_ENV = 'O21 {op}: "Make sure the user is entitled with ENVIRONMENT_MANAGEMENT role"'
_TASK_VIEW = ('O21 getTaskSchedule: "User should be TMC_OPERATOR and have VIEW Permission on the workspace this '
              'task belongs to"')
_TASK_EXEC = ('O21 linkTaskSchedule: "User should be TMC_OPERATOR and have EXECUTOR Permission on the workspace this '
              'task belongs to"')
_PAUSE = 'TMC-API-NOTES §6.4 (help page): pausing a task needs "TMC_OPERATOR plus AUTHOR"; plans "behave the same way"'
_EXECUTE = 'TMC-API-NOTES §6.1 (help page): "TMC_ENGINE_USE or TMC_OPERATOR, plus Execute permission on the workspace"'
_AUTHOR = f"{ANALOGY} changeTaskStatus (TMC_OPERATOR plus AUTHOR): changing a definition is authoring; no public text"
_VIEW = f"{ANALOGY} getTask: reading what a workspace holds needs VIEW on it; no public text"
_RUN_VIEW = (f"{ANALOGY} getTaskSchedule and execute: a run is read by who may run, with VIEW on its workspace; "
             "no public text")
_LIST = (f"{ANALOGY} getAvailableWorkspaces: the list shows what the caller's workspace permissions reach; "
         "no public text")
_ENGINE_READ = (f"{ANALOGY} D21 (dynamic engines) \"Required entitlement TMC_CLUSTER_MANAGEMENT or DYN_ENGINE_READ\"; "
                "operators and engine users read engines to choose a runtime; no public text for remote engines")
_ENGINE_WRITE = f'{ANALOGY} D21 (dynamic engines) "Required entitlement TMC_CLUSTER_MANAGEMENT"; no public text'
_PROFILE_WRITE = (f'{ANALOGY} D21 "Required entitlement TMC_CLUSTER_MANAGEMENT or TMC_RUN_PROFILE_MANAGEMENT or '
                  'TMC_ENVIRONMENT_MANAGEMENT" (dynamic engine run profiles); no public text')
_PROMOTION = (f"{ANALOGY} executePromotion: TMC_PROMOTION_EXECUTION (service-accounts.json's vocabulary); "
              "promotions join environments, whose managers define them; no public text")
_PROJECT = (f"{ANALOGY} createEnvironment: projects are account-wide definitions; reads as the workspace list; "
            "no public text")
_SCHEDULE_CHANGE = (f'{ANALOGY} createSchedule ("User should be TMC_OPERATOR and have EXECUTOR Permission at least '
                    'for one workspace in the environment"); no public text')
_SCHEDULE_VIEW = ('O21 getSchedule: "user would need VIEW permission on the workspace when the schedule is in action '
                  'on some task or plan ... When not in action, User should have VIEW permission at least on one '
                  'workspace within the environment"')
_HISTORY = (f"{ANALOGY} getScheduledExecutions (TMC_OPERATOR plus READ within the environment); the records are "
            "those of the workspaces the caller may VIEW (api/visibility.py); no public text")
_PLAN_RUNS = ('P21 listAvailablePlansExecutions: "List all plan executions the user is granted visibility on": the '
              'runs of the workspaces the caller may VIEW; a workspace it may not VIEW, named, gives an empty page; '
              'the roles as execute')
_TASK_RUNS = (f"{ANALOGY} listAvailablePlansExecutions (\"the user is granted visibility on\"): the runs of the "
              "workspaces the caller may VIEW, an empty page for one it may not; no public text")
_PROMOTIONS_LIST = (f"{ANALOGY} getAvailableEnvironments: a promotion names two environments and shows when the "
                    "caller sees both (every one for environment managers); the roles as the promotion rows; "
                    "no public text")
_PROJECTS_LIST = (f"{ANALOGY} getAvailableWorkspaces: environment or cluster managers see every project, others "
                  "those shared with them (authorized user, owner, author); no public text")


WORKSPACE_PATH = _path("workspaceId", "workspace")
SERVICE_ACCOUNTS, SUBSCRIPTION = ("TMC_SERVICE_ACCOUNT_MANAGEMENT",), ("TMC_SUBSCRIPTION_MANAGEMENT",)
_COUNT_TEXT = ('SA21 getAccountServiceAccountsCount: "Permissions: * TMC_SERVICE_ACCOUNT_MANAGEMENT * '
               'TMC_SUBSCRIPTION_MANAGEMENT" (either will do)')
_SERVICE_ACCOUNTS = (f"{ANALOGY} getAccountServiceAccountsCount: managing service accounts is "
                     "TMC_SERVICE_ACCOUNT_MANAGEMENT; no public text for the other operations")
_MANAGE_PERMISSIONS = (f"{ANALOGY} the Permission type MANAGE (workspace-permissions.json's enum): who manages a "
                       "workspace manages who may act in it; an administrator holds MANAGE everywhere; the "
                       "published descriptions name no role")
_MANAGED_PERMISSIONS = (f"{ANALOGY} getAvailableWorkspaces, as a list: no role; each workspace a list shows or a "
                        "batch or delete touches needs MANAGE on it (a 207 item or a 403 naming it); no public text")


def _rows() -> dict[str, Rule]:
    r = Rule
    rows = {
        # --- Orchestration: environments and workspaces (published) ---
        "getAvailableEnvironments": r(SEES_ENVIRONMENTS, None, None, _ENVIRONMENTS_TEXT),
        "createEnvironment": r(ENVIRONMENTS, None, None, (
            'O21 createEnvironment: "the user account issuing the request must be granted the ENVIRONMENT_MANAGEMENT '
            'permission"')),
        "updateEnvironment": r(ENVIRONMENTS, None, None, _MANAGE_ENV.format(op="updateEnvironment")),
        "deleteEnvironment": r(ENVIRONMENTS, None, None, _MANAGE_ENV.format(op="deleteEnvironment")),
        "getAvailableWorkspaces": r(SEES_ENVIRONMENTS, None, None, _WORKSPACES_TEXT),
        "createCustomWorkspace": r(ENVIRONMENTS, None, None, 'O21 createCustomWorkspace: "user must be granted '
                                                             'ENVIRONMENT_MANAGEMENT permission"'),
        "updateCustomWorkspace": r(ENVIRONMENTS, None, None, _MANAGE_ENV.format(op="updateCustomWorkspace")),
        "deleteWorkspace": r(ENVIRONMENTS, None, None, _MANAGE_ENV.format(op="deleteWorkspace")),
        # --- tasks ---
        "getAvailableTasks": r(OPERATOR, None, None, _LIST),
        "listAvailableTasks": r(OPERATOR, None, None, _LIST),
        "getAvailableTasksProcessingAlias": r(OPERATOR, None, None, _LIST),
        "createTask": r(OPERATOR, "AUTHOR", BODY_WORKSPACE, _AUTHOR),
        "getTask": r(OPERATOR, "VIEW", TASK, f"{ANALOGY} getTaskSchedule (TMC_OPERATOR and VIEW on the task's "
                                             "workspace); no public text"),
        "updateTask": r(OPERATOR, "AUTHOR", TASK, _AUTHOR),
        "patchTask": r(OPERATOR, "AUTHOR", TASK, _AUTHOR),
        "deleteTask": r(OPERATOR, "AUTHOR", TASK, _AUTHOR),
        "changeTaskStatus": r(OPERATOR, "AUTHOR", TASK, _PAUSE),
        "getTaskConfiguration": r(OPERATOR, "VIEW", TASK, _VIEW),
        "configureTaskExecution": r(OPERATOR, "EXECUTE", TASK, (
            'O21 configureTaskExecution: "User must be granted `TMC_OPERATOR` permission"; EXECUTE as '
            'linkTaskSchedule')),
        "stopSchedule": r(OPERATOR, "EXECUTE", TASK, f"{ANALOGY} unlinkTaskSchedule; no public text"),
        "getDETaskConfiguration": r(OPERATOR, "VIEW", TASK, _VIEW),
        "configureDETaskExecution": r(OPERATOR, "EXECUTE", TASK, 'O21 configureDETaskExecution: "Permission required: '
                                                                 '`TMC_OPERATOR`"; EXECUTE as linkTaskSchedule'),
        "stopDETaskSchedule": r(OPERATOR, "EXECUTE", TASK, f"{ANALOGY} unlinkTaskSchedule; no public text"),
        "getTaskScheduledEvents": r(OPERATOR, "VIEW", TASK, f"{ANALOGY} getTaskSchedule; no public text"),
        "getTaskSchedule": r(OPERATOR, "VIEW", TASK, _TASK_VIEW),
        "linkTaskSchedule": r(OPERATOR, "EXECUTE", TASK, _TASK_EXEC),
        "unlinkTaskSchedule": r(OPERATOR, "EXECUTE", TASK, (
            'O21 unlinkTaskSchedule: "User should be TMC_OPERATOR and have EXECUTOR Permission on the workspace this '
            'task belongs to"')),
        # --- plans ---
        "getAvailablePlans": r(OPERATOR, None, None, _LIST),
        "createPlan": r(OPERATOR, "AUTHOR", BODY_WORKSPACE, _AUTHOR),
        "getPlan": r(OPERATOR, "VIEW", PLAN, f"{ANALOGY} getPlanSchedule (TMC_OPERATOR and VIEW); no public text"),
        "updatePlan": r(OPERATOR, "AUTHOR", PLAN, _AUTHOR),
        "deletePlan": r(OPERATOR, "AUTHOR", PLAN, _AUTHOR),
        "pausePlanExecution": r(OPERATOR, "AUTHOR", PLAN, _PAUSE),
        "getPlanRunConfiguration": r(OPERATOR, "VIEW", PLAN, _VIEW),
        "configurePlanExecution": r(OPERATOR, "EXECUTE", PLAN, f"{ANALOGY} configureTaskExecution; no public text"),
        "stopScheduleForPlan": r(OPERATOR, "EXECUTE", PLAN, f"{ANALOGY} unlinkPlanSchedule; no public text"),
        "getPlanScheduledEvents": r(OPERATOR, "VIEW", PLAN, f"{ANALOGY} getPlanSchedule; no public text"),
        "getPlanSchedule": r(OPERATOR, "VIEW", PLAN, 'O21 getPlanSchedule: "User should be TMC_OPERATOR and have VIEW '
                                                     'Permission on the workspace this plan belongs to"'),
        "linkPlanSchedule": r(OPERATOR, "EXECUTE", PLAN, 'O21 linkPlanSchedule: "User should be TMC_OPERATOR and have '
                                                         'EXECUTOR Permission on the workspace this plan belongs to"'),
        "unlinkPlanSchedule": r(OPERATOR, "EXECUTE", PLAN, (
            'O21 unlinkPlanSchedule: "User should be TMC_OPERATOR and have EXECUTOR Permission on the workspace this '
            'plan belongs to"')),
        # --- schedules and scheduled events ---
        "getAvailableSchedules": r(OPERATOR, None, None, (
            'O21 getAvailableSchedules: "user would need VIEW permission on the workspace where the schedule is in '
            'action and at least on one workspace within the environment for unlinked schedules": the list shows '
            'those; TMC_OPERATOR as createSchedule')),
        "createSchedule": r(OPERATOR, "EXECUTE", BODY_ENVIRONMENT, (
            'O21 createSchedule: "User should be TMC_OPERATOR and have EXECUTOR Permission at least for one '
            'workspace in the environment"')),
        "getSchedule": r(OPERATOR, "VIEW", SCHEDULE, _SCHEDULE_VIEW),
        "simulateNextTriggeredEvents": r(OPERATOR, "VIEW", SCHEDULE, 'O21 simulateNextTriggeredEvents: "User should '
                                                                     'have VIEW permission on the workspace when the '
                                                                     'schedule is in action on some task or plan"'),
        "cloneSchedule": r(OPERATOR, "EXECUTE", SCHEDULE, _SCHEDULE_CHANGE),
        "deleteSchedule": r(OPERATOR, "EXECUTE", SCHEDULE, _SCHEDULE_CHANGE),
        "updateSchedule": r(OPERATOR, "EXECUTE", SCHEDULE, _SCHEDULE_CHANGE),
        "updateTrigger": r(OPERATOR, "EXECUTE", SCHEDULE, _SCHEDULE_CHANGE),
        "appendTrigger": r(OPERATOR, "EXECUTE", SCHEDULE, _SCHEDULE_CHANGE),
        "deleteTrigger": r(OPERATOR, "EXECUTE", SCHEDULE, _SCHEDULE_CHANGE),
        "getScheduledExecutions": r(OPERATOR, "VIEW", BODY_ENVIRONMENT, 'TMC-API-NOTES §6.4 (help page): "Required '
                                                                        'permission: TMC_OPERATOR plus READ on the '
                                                                        'workspace"'),
        # --- artifacts, connections, resources ---
        "getAvailableArtifacts": r(OPERATOR, None, None, _LIST),
        "getArtifact": r(OPERATOR, "VIEW", ARTIFACT, _VIEW),
        "getArtifactOfVersion": r(OPERATOR, "VIEW", ARTIFACT, _VIEW),
        "deleteArtifact": r(OPERATOR, "AUTHOR", ARTIFACT, _AUTHOR),
        "deleteArtifactOfVersion": r(OPERATOR, "AUTHOR", ARTIFACT, _AUTHOR),
        "getAvailableConnections": r(OPERATOR, None, None, _LIST),
        "createConnection": r(OPERATOR, "AUTHOR", BODY_WORKSPACE, _AUTHOR),
        "getConnectionDetails": r(OPERATOR, "VIEW", CONNECTION, _VIEW),
        "updateConnection": r(OPERATOR, "AUTHOR", CONNECTION, _AUTHOR),
        "deleteConnection": r(OPERATOR, "AUTHOR", CONNECTION, _AUTHOR),
        "moveConnection": r(OPERATOR, "AUTHOR", CONNECTION, _AUTHOR, target=MOVED_TO),
        "getAvailableResources": r(OPERATOR, None, None, _LIST),
        "createResource": r(OPERATOR, "AUTHOR", Locate("form", "workspaceId", "workspace", part="resource"), _AUTHOR),
        "getResource": r(OPERATOR, "VIEW", RESOURCE, _VIEW),
        "updateResource": r(OPERATOR, "AUTHOR", RESOURCE, _AUTHOR),
        "deleteResource": r(OPERATOR, "AUTHOR", RESOURCE, _AUTHOR),
        "updateResourceAttachment": r(OPERATOR, "AUTHOR", RESOURCE, _AUTHOR),
        "putOrchestrationResourcesResourceIdMoveTargetWorkspaceId": r(OPERATOR, "AUTHOR", RESOURCE, _AUTHOR,
                                                                      target=MOVED_TO),
        # --- projects ---
        "getAvailableProjects": r(SEES_PROJECTS, None, None, _PROJECTS_LIST),
        **{op: r(SEES_PROJECTS, None, None, _PROJECT) for op in (
            "getProject", "getGroupProjectAuthorizations", "getUserProjectAuthorizations")},
        **{op: r(ENVIRONMENTS, None, None, _PROJECT) for op in (
            "createProject", "updateProject", "deleteProject", "addGroupProjectAuthorization",
            "deleteGroupProjectAuthorizations", "addUserProjectAuthorization", "deleteUserProjectAuthorizations")},
        # --- promotions ---
        "getAvailablePromotions": r(SEES_PROMOTIONS, None, None, _PROMOTIONS_LIST),
        **{op: r(SEES_PROMOTIONS, None, None, _PROMOTION) for op in (
            "getPromotionDetailsById", "getPromotionUsers", "getPromotionExecutionStatus")},
        **{op: r(ENVIRONMENTS, None, None, _PROMOTION) for op in (
            "createPromotion", "deletePromotion", "updatePromotion", "addPromotionUser", "deletePromotionUser",
            "addPromotionServiceAccount", "deletePromotionServiceAccount")},
        "postOrchestrationExecutablesPromotionsPromotionId": r(PROMOTES, None, None, _PROMOTION),
        "executePromotion": r(PROMOTES, None, None, "service-accounts.json lists TMC_PROMOTION_EXECUTION among a "
                                                    "service account's permissions: the role that runs promotions"),
        # --- Processing: runs ---
        "execute": r(RUNNER, "EXECUTE", _body("executable", "task"), _EXECUTE),
        "executePlan": r(RUNNER, "EXECUTE", _body("executable", "plan"), f"{ANALOGY} execute; no public text"),
        "stopExecution": r(RUNNER, "EXECUTE", RUN, (
            f"{ANALOGY} execute: who may start a run may stop it; no public text")),
        "getTaskExecutionStatus": r(RUNNER, "VIEW", RUN, _RUN_VIEW),
        "listTaskExecutions": r(RUNNER, "VIEW", TASK, _RUN_VIEW),
        "listAvailableTasksExecutions": r(RUNNER, None, None, _TASK_RUNS),
        "listAvailableTasksExecutionsWithTags": r(RUNNER, None, None, _TASK_RUNS),
        "listAvailablePlansExecutions": r(RUNNER, None, None, _PLAN_RUNS),
        "listPlanExecutions": r(RUNNER, "VIEW", PLAN, _RUN_VIEW),
        "getPlanExecution": r(RUNNER, "VIEW", PLAN_RUN, _RUN_VIEW),
        "getAllStepExecutions": r(RUNNER, "VIEW", PLAN_RUN, _RUN_VIEW),
        "getStepExecution": r(RUNNER, "VIEW", PLAN_RUN, _RUN_VIEW),
        "getStepHandlerExecution": r(RUNNER, "VIEW", PLAN_RUN, _RUN_VIEW),
        # --- Processing: engines, clusters, run profiles ---
        **{op: r(SEES_ENGINES, None, None, _ENGINE_READ) for op in (
            "getRemoteEngines", "getRemoteEngine", "getEngineRunProfiles", "getEngineRunProfile",
            "getEngineClustersAvailable", "getRemoteEngineCluster", "getClusterRunProfiles", "getClusterRunProfile",
            "getPipelineEngines", "getPipelineEngine", "getRunProfileByEngineId", "getAdvancedRunProfileById",
            "getBigDataRunProfileById", "getDatabricksRunProfileById", "getStandardRunProfileById", "getDIRunProfile",
            "getProcessingRunProfilesId", "postProcessingRunProfilesSearch")},
        **{op: r(ENGINES, None, None, _ENGINE_WRITE) for op in (
            "createRemoteEngine", "deleteRemoteEngine", "unpairRemoteEngine",
            "putProcessingRuntimesRemoteEnginesRemoteEngineIdDebug", "createRemoteEngineCluster",
            "deleteRemoteEngineCluster", "addRemoteEngineToCluster", "removeRemoteEngineFromCluster",
            "createPipelineEngine", "deletePipelineEngine", "unpairPipelineEngine")},
        **{op: r(PROFILES, None, None, _PROFILE_WRITE) for op in (
            "createEngineRunProfile", "updateEngineRunProfile", "deleteEngineRunProfile", "createClusterRunProfile",
            "updateClusterRunProfile", "deleteClusterRunProfile", "createRunProfileAdvanced",
            "updateRunProfileAdvanced", "createRunProfileBigData", "updateRunProfileBigData",
            "createRunProfileDatabricks", "updateRunProfileDatabricks", "createRunProfileStandard",
            "updateRunProfileStandard", "createDIRunProfile", "updateDIRunProfile", "deletePipelineRunProfile",
            "postProcessingRunProfiles", "putProcessingRunProfilesId", "deleteProcessingRunProfilesId")},
        # --- Monitoring ---
        **{op: r(RUNNER, "VIEW", LOG_RUN, _RUN_VIEW) for op in (
            "getMonitoringExecutionsIdLogs", "postMonitoringExecutionsIdLogs", "deleteMonitoringExecutionsIdLogs",
            "postMonitoringExecutionsIdLogsStatus", "getExecutionLogsSingularAlias")},
        "getMonitoringObservabilityExecutionsExecutionIdComponent": r(RUNNER, "VIEW", RUN, _RUN_VIEW),
        **{op: r(RUNNER, "VIEW", BODY_ENVIRONMENT, _HISTORY) for op in (
            "postMonitoringObservabilityExecutionsSearch", "postMonitoringObservabilityExecutionsDownload",
            "postMonitoringObservabilityMetricsComponent")},
        # --- Security: workspace permissions (records on one workspace need MANAGE on it; lists and batches
        # act only on the workspaces the caller manages: api/security_permissions.py) ---
        **{op: r((), "MANAGE", WORKSPACE_PATH, _MANAGE_PERMISSIONS) for op in (
            "getWorkspacePermission", "createWorkspacePermissions", "updateWorkspacePermissions",
            "deleteWorkspacePermissions", "getWorkspacePermissionSA", "createWorkspacePermissionsSA",
            "updateWorkspacePermissionsSA", "deleteWorkspacePermissionsSA")},
        **{op: r((), None, None, _MANAGED_PERMISSIONS) for op in (
            "getPermissions", "createPermissions", "updatePermissions", "deletePermissions", "getPermissionsSA",
            "createPermissionsSA", "updatePermissionsSA", "deletePermissionsSA")},
        # --- Account: service accounts and the subscription; the audit log ---
        **{op: r(SERVICE_ACCOUNTS, None, None, _SERVICE_ACCOUNTS) for op in (
            "getAccountServiceAccounts", "postAccountServiceAccounts", "getAccountServiceAccountsId",
            "putAccountServiceAccountsId", "deleteAccountServiceAccountsId")},
        "getAccountServiceAccountsCount": r(SERVICE_ACCOUNTS + SUBSCRIPTION, None, None, _COUNT_TEXT),
        "getAccountServiceAccountsPermissions": r((), None, None, (
            "SA21 GET /account/service-accounts/permissions publishes 200 and 401 only: any authenticated caller "
            "reads the names")),
        "getAccountSubscription": r(SUBSCRIPTION, None, None, (
            f"{ANALOGY} getAccountServiceAccountsCount (TMC_SUBSCRIPTION_MANAGEMENT): the subscription is what "
            "that role manages; no public text")),
        "getAllAuditLogsUsingGET": r(("AUDIT_LOGS_VIEW",), None, None, (
            'AL21 getAllAuditLogsUsingGET 403: "User has insufficient permission (Security Administrator role is '
            'required)"; AUDIT_LOGS_VIEW is that right in service-accounts.json\'s list of permissions')),
        # --- Security ---
        # The client credentials are the check: no bearer token, so no principal, before the token exists.
        "postSecurityOauthToken": r((), None, None, 'A21 postSecurityOauthToken: HTTP Basic client credentials '
                                                    '(401 "The ClientId or Secret is missing or invalid")'),
    }
    return rows


PERMISSIONS: dict[str, Rule] = _rows()
