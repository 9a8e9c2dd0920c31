// The mocktmc dashboard: a client of the control plane (/_mocktmc/...) and of the public TMC API, nothing else.
// Its reads carry the dashboard header, so they are neither journaled nor faulted (control/caller.py); what it
// changes (the clock, a pause, a fault rule, a behaviour) is sent like any client's request, and journaled.
"use strict";

const READ_HEADER = document.body.dataset.dashboardHeader;
const REFRESH_MS = 2000;
const PAGE = 50;
const TIMELINE_PAGES = 4; // at most 4 x 500 runs drawn
const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem("mocktmc.token") || "",
  health: null, accounts: [], account: null, ownClock: false, now: null,
  tmcTokens: {}, environments: [], tasks: new Map(), plans: new Map(),
  tab: "runs", runsOffset: 0, runsTotal: 0, selectedRun: null,
  journal: [], journalSince: 0, windowItems: [], busy: false, refreshes: 0,
  runsShown: null, journalShown: false, faultsShown: null, // what each table last showed (redrawn on a change)
  reportShown: null,
  highlight: null, // the journal entries a client-report finding named: {seqs, focus, rule, scrolled}
};

class Problem extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

// --- requests ------------------------------------------------------------------------------------------
async function send(method, url, { body, read = false, auth = null } = {}) {
  const headers = {};
  if (read) headers[READ_HEADER] = "read";
  if (auth) headers.Authorization = `Bearer ${auth}`;
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(url, { method, headers, body: payload, cache: "no-store" });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
  if (!response.ok) {
    const detail = data && typeof data === "object" ? (data.detail || data.message || text) : text;
    throw new Problem(response.status, `${method} ${url.split("?")[0]}: ${response.status} ${detail}`);
  }
  return data;
}

function query(params) {
  const kept = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return kept.length ? "?" + new URLSearchParams(kept).toString() : "";
}

// The control plane, for the picked account when `scoped`.
function control(method, path, { params = {}, scoped = true, ...rest } = {}) {
  const all = scoped && state.account ? { account: state.account, ...params } : params;
  return send(method, `/_mocktmc${path}${query(all)}`, { auth: state.token || null, ...rest });
}

// The public TMC API, with a token of the picked account (a personal token the control plane issues).
async function api(method, path, { params = {}, ...rest } = {}) {
  let token = state.tmcTokens[state.account];
  if (!token) {
    token = (await control("POST", "/tokens", { body: {}, read: true })).token;
    state.tmcTokens[state.account] = token;
    sessionStorage.setItem("mocktmc.tmcTokens", JSON.stringify(state.tmcTokens));
  }
  return send(method, `${path}${query(params)}`, { auth: token, ...rest });
}

// --- small helpers ---------------------------------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

function when(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "—"; }
function isoToInput(ms) { return new Date(ms).toISOString().slice(0, 19); }
function inputToMs(value) { return Date.parse(value.length === 16 ? `${value}:00Z` : `${value}Z`); }

function problem(error) {
  const box = $("problem");
  if (!error) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  box.textContent = error.status === 401
    ? "This server's control plane needs its control token: give it in the Token field above."
    : String(error.message || error);
}

async function guarded(action) {
  try { await action(); problem(null); } catch (error) { problem(error); }
}

function fill(select, options, keep = true) {
  const before = select.value;
  select.replaceChildren(...options.map(([value, label]) => el("option", { value }, label)));
  if (keep && options.some(([value]) => value === before)) select.value = before;
}

// --- accounts and the account's definitions -------------------------------------------------------------
async function loadAccounts() {
  state.health = await send("GET", "/_mocktmc/health", { read: true });
  $("auth").textContent = state.health.auth;
  $("fidelity").textContent = state.health.fidelity;
  $("version").textContent = state.health.version;
  try {
    state.accounts = await control("GET", "/accounts", { scoped: false, read: true });
  } catch (error) {
    if (error.status !== 403 || !state.token) throw error;
    // A TMC bearer token in auth mode isolated: its own account only.
    state.accounts = [await control("POST", "/accounts", { scoped: false, body: { token: state.token }, read: true })];
  }
  const remembered = sessionStorage.getItem("mocktmc.account");
  fill($("account"), state.accounts.map((a) => [a.id, `${a.name} (${a.id.slice(0, 8)})`]), false);
  const known = state.accounts.some((a) => a.id === remembered);
  state.account = known ? remembered : state.accounts[0]?.id;
  $("account").value = state.account;
}

async function pages(fetchPage) {
  const items = [];
  for (let offset = 0; offset < 10000; offset += 100) {
    const page = await fetchPage(offset);
    items.push(...page.items);
    if (page.items.length < 100 || items.length >= page.total) break;
  }
  return items;
}

async function loadDefinitions() {
  state.environments = await api("GET", "/orchestration/environments", { read: true });
  const tasks = await pages((offset) => api("GET", "/orchestration/executables/tasks",
    { params: { limit: 100, offset }, read: true }));
  const plans = await pages((offset) => api("GET", "/orchestration/executables/plans",
    { params: { limit: 100, offset }, read: true }));
  state.tasks = new Map(tasks.map((t) => [t.id || t.executable, t]));
  state.plans = new Map(plans.map((p) => [p.executable || p.id, p]));
  const environments = state.environments.map((e) => [e.id, e.name]);
  fill($("runs-environment"), [["", "all"], ...environments]);
  fill($("schedules-environment"), environments);
  fill($("behavior-task"), [...state.tasks.values()].map((t) => [t.id, t.name]));
}

function executableName(id, type) {
  const found = (type === "PLAN" ? state.plans : state.tasks).get(id) || state.tasks.get(id) || state.plans.get(id);
  return found ? found.name : id;
}

// --- time ------------------------------------------------------------------------------------------------
async function refreshClock() {
  const clock = await control("GET", "/clock", { read: true });
  state.now = clock.nowMs;
  state.ownClock = clock.own;
  $("clock-now").textContent = when(clock.now).replace("Z", " UTC");
  const badge = $("clock-state");
  badge.textContent = clock.frozen ? "frozen" : `running ×${clock.rate}`;
  badge.className = clock.frozen ? "pill frozen" : "pill";
  $("clock-which").textContent = clock.own ? "this account's own clock"
    : "the server clock (every account that follows it moves with it)";
}

// An account with a clock of its own moves it; one that follows the server clock moves the server clock.
function clockCall(method, path, body) {
  return control(method, path, { scoped: state.ownClock, body });
}

async function afterClockMove(result) {
  $("clock-result").textContent = `Moved: ${result.eventsApplied} events applied, ${result.runsStarted} runs ` +
    `started, ${result.misfires} misfired.`;
  await refreshAll();
}

function wireTime() {
  document.querySelectorAll("[data-advance]").forEach((button) => button.addEventListener("click",
    () => guarded(async () => afterClockMove(await clockCall("POST", "/clock/advance",
      { seconds: Number(button.dataset.advance) })))));
  $("advance-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => afterClockMove(await clockCall("POST", "/clock/advance",
      { seconds: Number($("advance-amount").value) * Number($("advance-unit").value) })));
  });
  $("advance-to-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const to = inputToMs($("advance-to").value);
    if (Number.isNaN(to)) { problem(new Error("Pick a date and time to advance to")); return; }
    guarded(async () => afterClockMove(await clockCall("POST", "/clock/advance", { to })));
  });
  $("freeze").addEventListener("click", () => guarded(async () => afterClockMove(await clockCall("POST", "/clock/freeze"))));
  $("resume").addEventListener("click", () => guarded(async () => afterClockMove(await clockCall("POST", "/clock/resume"))));
}

// --- runs ------------------------------------------------------------------------------------------------
async function refreshRuns() {
  const page = await control("GET", "/runs", { read: true, params: {
    kind: $("runs-kind").value, outcome: $("runs-outcome").value, environmentId: $("runs-environment").value,
    offset: state.runsOffset, limit: PAGE } });
  state.runsTotal = page.total;
  // The table is rebuilt only when what it shows changed: a row being clicked is not swapped under the pointer.
  const shown = JSON.stringify([page.items, page.total, state.runsOffset, state.selectedRun?.id]);
  if (shown === state.runsShown) return followSelected(page);
  state.runsShown = shown;
  const rows = page.items.map((run) => {
    const row = el("tr", { "data-run": run.id, "data-kind": run.kind },
      el("td", {}, run.kind), el("td", {}, run.name),
      el("td", {}, el("span", { class: `outcome ${run.outcome}`, title: run.outcome }, run.status)),
      el("td", {}, run.trigger), el("td", {}, when(run.triggered)), el("td", {}, when(run.started)),
      el("td", {}, when(run.finished)));
    if (state.selectedRun && state.selectedRun.id === run.id) row.classList.add("selected");
    row.addEventListener("click", () => guarded(() => openRun(run)));
    return row;
  });
  $("runs-table").tBodies[0].replaceChildren(...rows);
  const last = Math.min(state.runsOffset + page.items.length, page.total);
  $("runs-range").textContent = page.total ? `${state.runsOffset + 1}–${last} of ${page.total}` : "no runs";
  $("runs-prev").disabled = state.runsOffset === 0;
  $("runs-next").disabled = last >= page.total;
  await followSelected(page);
}

// The open run's details follow it while it is going.
async function followSelected(page) {
  if (state.selectedRun && state.selectedRun.outcome === "running") {
    const fresh = page.items.find((run) => run.id === state.selectedRun.id);
    await openRun(fresh || state.selectedRun);
  }
}

const DETAIL_PATHS = { task: "/processing/executions/", plan: "/processing/executions/plans/",
                       promotion: "/processing/executions/promotions/" };

async function openRun(run) {
  state.selectedRun = run;
  document.querySelectorAll("#runs-table tr.selected").forEach((row) => row.classList.remove("selected"));
  document.querySelector(`#runs-table tr[data-run="${CSS.escape(run.id)}"]`)?.classList.add("selected");
  const detail = await api("GET", DETAIL_PATHS[run.kind] + encodeURIComponent(run.id), { read: true });
  $("run-detail").hidden = false;
  $("run-detail-title").textContent = `${run.kind} run of ${run.name}`;
  const scalars = Object.entries(detail).filter(([, v]) => v === null || typeof v !== "object");
  $("run-detail-fields").replaceChildren(...scalars.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-field": k }, v)]));
  if (run.kind === "task") {
    const log = await api("GET", `/monitoring/executions/${encodeURIComponent(run.id)}/logs`,
      { params: { count: 200, order: "ASC" }, read: true });
    $("run-log").textContent = log.data.length
      ? log.data.map((e) => `${new Date(e.logTimestamp).toISOString()} ${e.severity.padEnd(5)} ${e.logMessage}`).join("\n")
      : "(no log lines yet)";
  } else {
    $("run-log").textContent = `(a ${run.kind} run has no log of its own; its details:)\n` +
      JSON.stringify(detail, null, 2);
  }
  state.selectedRun = { ...run, outcome: detailOutcome(run, detail) };
}

function detailOutcome(run, detail) {
  if (run.kind === "task") return ["dispatching", "executing"].includes(detail.status) ? "running" : "ended";
  return run.outcome;
}

function wireRuns() {
  $("runs-filters").addEventListener("change", () => { state.runsOffset = 0; guarded(refreshRuns); });
  $("runs-prev").addEventListener("click", () => { state.runsOffset = Math.max(0, state.runsOffset - PAGE); guarded(refreshRuns); });
  $("runs-next").addEventListener("click", () => { state.runsOffset += PAGE; guarded(refreshRuns); });
}

// --- timeline --------------------------------------------------------------------------------------------
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

async function refreshTimeline() {
  const span = Number($("timeline-span").value) * 1000;
  const end = state.now, start = end - span;
  const runs = [];
  let total = 0;
  for (let page = 0; page < TIMELINE_PAGES; page++) {
    const found = await control("GET", "/runs", { read: true, params: {
      from: new Date(start).toISOString(), to: new Date(end).toISOString(), offset: page * 500, limit: 500 } });
    runs.push(...found.items);
    total = found.total;
    if (runs.length >= total) break;
  }
  $("timeline-note").textContent = total > runs.length ? `${total} runs; the newest ${runs.length} are drawn`
    : `${total} runs`;
  const names = [...new Set(runs.map((r) => `${r.kind}: ${r.name}`))].sort();
  const left = 190, width = 1060, rowHeight = 20, top = 24;
  const height = top + Math.max(names.length, 1) * rowHeight + 8;
  const x = (ms) => left + ((Math.min(Math.max(ms, start), end) - start) / span) * (width - left - 10);
  const chart = svg("svg", { width, height, role: "img", "aria-label": `Runs from ${new Date(start).toISOString()}` });
  for (let i = 0; i <= 6; i++) {
    const at = start + (span * i) / 6;
    const label = span > 86400000 ? new Date(at).toISOString().slice(5, 16).replace("T", " ")
      : new Date(at).toISOString().slice(11, 16);
    chart.append(svg("line", { x1: x(at), x2: x(at), y1: top - 4, y2: height }),
      svg("text", { x: x(at), y: 14, "text-anchor": "middle" }, label));
  }
  names.forEach((name, i) => chart.append(svg("text", { x: 4, y: top + i * rowHeight + 14 }, name.slice(0, 30))));
  for (const run of runs) {
    const row = names.indexOf(`${run.kind}: ${run.name}`);
    const from = Date.parse(run.started || run.triggered), to = run.finished ? Date.parse(run.finished) : end;
    const bar = svg("rect", { x: x(from), y: top + row * rowHeight + 3, height: rowHeight - 6,
      width: Math.max(2, x(to) - x(from)), class: run.outcome, "data-run": run.id });
    bar.append(svg("title", {}, `${run.name} · ${run.status} · ${when(run.triggered)} → ${when(run.finished)}`));
    chart.append(bar);
  }
  $("timeline").replaceChildren(chart);
}

// --- schedules and the maintenance window ----------------------------------------------------------------
function triggerText(trigger) {
  if (!trigger) return "—";
  const parts = [trigger.type];
  if (trigger.interval) parts.push(`every ${trigger.interval}`);
  if (trigger.atDays?.days) parts.push(trigger.atDays.days.join(","));
  if (trigger.atTimes?.time) parts.push(`at ${trigger.atTimes.time}`);
  if (trigger.atTimes?.times) parts.push(`at ${trigger.atTimes.times.join(",")}`);
  if (trigger.cronExpression) parts.push(trigger.cronExpression);
  if (trigger.timeZone) parts.push(trigger.timeZone);
  return parts.join(" ");
}

async function scheduledEvents(environmentId, from, to) {
  return pages((offset) => api("POST", "/orchestration/executables/events/search",
    { body: { environmentId, from, to, limit: 100, offset }, read: true }));
}

async function refreshSchedules() {
  const environmentId = $("schedules-environment").value;
  if (!environmentId) return;
  const schedules = await pages((offset) => api("GET", "/orchestration/schedules",
    { params: { environmentId, limit: 100, offset }, read: true }));
  $("schedules-table").tBodies[0].replaceChildren(...schedules.map((s) => el("tr", {},
    el("td", {}, s.description || s.id), el("td", {}, s.executableId ? executableName(s.executableId, s.executableType) : "—"),
    el("td", {}, (s.triggers || []).map(triggerText).join("; ")))));
  const tasks = [...state.tasks.values()].filter((t) => t.workspace?.environment?.id === environmentId);
  const configs = await Promise.all(tasks.map((t) => api("GET",
    `/orchestration/executables/tasks/${encodeURIComponent(t.id)}/run-config`, { read: true }).catch(() => null)));
  $("triggers-table").tBodies[0].replaceChildren(...tasks.map((t, i) => el("tr", {},
    el("td", {}, t.name), el("td", {}, triggerText(configs[i]?.trigger)))));
  const dayMs = 86400000, first = Math.floor(state.now / dayMs) * dayMs;
  const events = await scheduledEvents(environmentId, state.now, first + 7 * dayMs - 1);
  const inside = new Set(state.windowItems.map((e) => `${e.id}@${e.date}`));
  const days = [...Array(7).keys()].map((i) => {
    const day = new Date(first + i * dayMs).toISOString().slice(0, 10);
    const today = events.filter((e) => e.date.slice(0, 10) === day);
    return el("div", { class: "day", "data-day": day }, el("h4", {}, day),
      ...today.map((e) => el("div", { class: inside.has(`${e.id}@${e.date}`) ? "event inside" : "event" },
        `${e.date.slice(11, 16)} ${executableName(e.id, e.type)}`)));
  });
  $("calendar").replaceChildren(...days);
}

async function findWindow() {
  const from = inputToMs($("window-from").value), to = inputToMs($("window-to").value);
  if (Number.isNaN(from) || Number.isNaN(to) || from > to) {
    throw new Error("Pick a window: a start and an end (UTC), the start first");
  }
  state.windowItems = await scheduledEvents($("schedules-environment").value, from, to);
  $("window-runs").tBodies[0].replaceChildren(...state.windowItems.map((e) => el("tr", { "data-executable": e.id },
    el("td", {}, when(e.date)), el("td", {}, executableName(e.id, e.type)), el("td", {}, e.type))));
  const none = state.windowItems.length === 0;
  $("window-pause").disabled = $("window-resume").disabled = none;
  $("window-result").textContent = none ? "No scheduled run falls inside this window." :
    `${state.windowItems.length} scheduled runs of ${windowExecutables().length} executables fall inside.`;
  await refreshSchedules();
}

function windowExecutables() {
  const seen = new Map();
  for (const e of state.windowItems) seen.set(e.id, e.type);
  return [...seen.entries()];
}

async function pauseWindow(pause) {
  const done = [];
  for (const [id, type] of windowExecutables()) {
    const kind = type === "PLAN" ? "plans" : "tasks";
    await api("PUT", `/orchestration/executables/${kind}/${encodeURIComponent(id)}/pause`,
      { body: { pause, pauseContext: "maintenance window" } });
    done.push(executableName(id, type));
  }
  $("window-result").textContent = `${pause ? "Paused" : "Resumed"}: ${done.join(", ")}`;
  await refreshSchedules();
}

function wireSchedules() {
  $("schedules-environment").addEventListener("change", () => guarded(refreshSchedules));
  $("window-form").addEventListener("submit", (event) => { event.preventDefault(); guarded(findWindow); });
  $("window-pause").addEventListener("click", () => guarded(() => pauseWindow(true)));
  $("window-resume").addEventListener("click", () => guarded(() => pauseWindow(false)));
}

// --- the request journal ---------------------------------------------------------------------------------
function journalFilters() {
  return { method: $("journal-method").value.trim(), path: $("journal-path").value.trim(),
           status: $("journal-status").value.trim() };
}

async function refreshJournal() {
  const own = state.health.auth === "isolated" ? { account: state.account } : {};
  const fresh = await control("GET", "/requests", { scoped: false, read: true,
    params: { ...journalFilters(), ...own, since: state.journalSince } });
  if (!fresh.length && state.journalShown) return; // nothing new: the rows stay as they are
  state.journalShown = true;
  if (fresh.length) {
    state.journalSince = fresh[fresh.length - 1].seq;
    state.journal = [...fresh.reverse(), ...state.journal].slice(0, 500);
  }
  $("journal-table").tBodies[0].replaceChildren(...state.journal.map((entry) => {
    const row = el("tr", { "data-seq": entry.seq, class: journalRowClass(entry) }, el("td", {}, entry.seq),
      el("td", {}, when(entry.time)),
      el("td", {}, entry.method), el("td", {}, entry.path),
      el("td", { class: entry.status >= 400 || entry.dropped ? "outcome failed" : "" },
        entry.dropped ? "dropped" : entry.status),
      el("td", {}, entry.fault || ""), el("td", {}, entry.account ? entry.account.slice(0, 8) : ""));
    row.addEventListener("click", () => {
      $("journal-body").hidden = false;
      $("journal-body").textContent = JSON.stringify(entry, null, 2);
    });
    return row;
  }));
  noteHighlight();
}

function journalRowClass(entry) {
  const highlight = state.highlight;
  if (!highlight || !highlight.seqs.has(entry.seq)) return "";
  return entry.seq === highlight.focus ? "highlight selected" : "highlight";
}

// Says which finding's requests are highlighted, and how many of them the table cannot show; the first time,
// scrolls to the one that was clicked.
function noteHighlight() {
  const highlight = state.highlight;
  $("journal-highlight").hidden = !highlight;
  if (!highlight) return;
  const shown = state.journal.filter((entry) => highlight.seqs.has(entry.seq)).length;
  const missing = highlight.seqs.size - shown;
  $("journal-highlight-text").textContent = `Highlighted: the ${highlight.seqs.size} requests of the finding ` +
    `${highlight.rule}` + (missing ? ` (${missing} of them not in the table: filtered out, or older than the ` +
    "newest 500)" : "") + ".";
  if (!highlight.scrolled) {
    document.querySelector(`#journal-table tr[data-seq="${highlight.focus}"]`)?.scrollIntoView({ block: "center" });
    highlight.scrolled = true;
  }
}

function resetJournal() {
  state.journal = []; state.journalSince = 0; state.journalShown = false;
}

function wireJournal() {
  $("journal-filters").addEventListener("change", () => { resetJournal(); guarded(refreshJournal); });
  $("journal-filters").addEventListener("submit", (event) => event.preventDefault());
  $("journal-highlight-clear").addEventListener("click", () => {
    state.highlight = null; state.journalShown = false; guarded(refreshJournal);
  });
}

// --- faults and behaviours -------------------------------------------------------------------------------
function effect(rule) {
  const parts = [];
  if (rule.status) parts.push(`answers ${rule.status}`);
  if (rule.latency) parts.push(`waits ${rule.latency} s`);
  if (rule.drop) parts.push("drops the connection");
  if (rule.probability < 1) parts.push(`p=${rule.probability}`);
  return parts.join(", ");
}

async function refreshFaults() {
  const rules = await control("GET", "/faults", { scoped: false, read: true });
  const shown = JSON.stringify(rules);
  if (shown === state.faultsShown) return;
  state.faultsShown = shown;
  $("faults-table").tBodies[0].replaceChildren(...rules.map((rule) => {
    const remove = el("button", { "data-remove": rule.id }, "Remove");
    remove.addEventListener("click", () => guarded(async () => {
      await control("DELETE", `/faults/${encodeURIComponent(rule.id)}`, { scoped: false });
      await refreshFaults();
    }));
    return el("tr", { "data-fault": rule.id }, el("td", {}, rule.id), el("td", {}, rule.method || "any"),
      el("td", {}, rule.path), el("td", {}, effect(rule)),
      el("td", {}, rule.remaining === null ? "always" : rule.remaining), el("td", {}, remove));
  }));
}

async function addFault() {
  const body = { path: $("fault-path").value.trim() };
  const number = (id) => ($(id).value === "" ? undefined : Number($(id).value));
  if ($("fault-method").value) body.method = $("fault-method").value;
  if (number("fault-status") !== undefined) body.status = number("fault-status");
  if (number("fault-latency") !== undefined) body.latency = number("fault-latency");
  if ($("fault-drop").checked) body.drop = true;
  if (number("fault-times") !== undefined) body.times = number("fault-times");
  if (state.health.auth === "isolated") body.account = state.account;
  await control("POST", "/faults", { scoped: false, body });
  await refreshFaults();
}

async function loadBehavior() {
  const taskId = $("behavior-task").value;
  if (!taskId) return;
  const behavior = await control("GET", `/behaviors/tasks/${encodeURIComponent(taskId)}`, { read: true });
  $("behavior").value = JSON.stringify(behavior, null, 2);
}

function wireFaults() {
  $("fault-form").addEventListener("submit", (event) => { event.preventDefault(); guarded(addFault); });
  $("behavior-task").addEventListener("change", () => guarded(loadBehavior));
  $("behavior-set").addEventListener("click", () => guarded(async () => {
    const taskId = $("behavior-task").value;
    const saved = await control("PUT", `/behaviors/tasks/${encodeURIComponent(taskId)}`, { body: $("behavior").value });
    $("behavior").value = JSON.stringify(saved, null, 2);
    $("behavior-result").textContent = `Set: the next runs of ${executableName(taskId)} do this.`;
  }));
  $("behavior-reset").addEventListener("click", () => guarded(async () => {
    const taskId = $("behavior-task").value;
    await control("DELETE", `/behaviors/tasks/${encodeURIComponent(taskId)}`);
    await loadBehavior();
    $("behavior-result").textContent = `Back to what the fixture world gives ${executableName(taskId)}.`;
  }));
}

// --- the client report ----------------------------------------------------------------------------------
// Severities in the order they are counted; one the report names beyond these is counted after them, so that a
// rule added to client_rules.py shows without a change here.
const SEVERITIES = ["error", "warning", "info"];
const SEQ_BUTTONS = 40; // seq buttons drawn per finding; the rest are reached through "all N"

async function refreshReport() {
  const report = await control("GET", "/report", { read: true });
  const { findings, rules } = report;
  $("report-summary").replaceChildren(findings.length
    ? `${findings.length} finding${findings.length === 1 ? "" : "s"} over `
    : `No findings: the client broke none of the ${rules.length} rules. `,
  el("span", { class: "muted" }, findings.length ? judged(report) : `(${judged(report)})`));
  // The tables are rebuilt only when the findings or the rules changed: a button is not swapped under the pointer.
  const shown = JSON.stringify([findings, rules]);
  if (shown === state.reportShown) return;
  state.reportShown = shown;
  const severities = [...new Set([...SEVERITIES, ...rules.map((r) => r.severity), ...findings.map((f) => f.severity)])];
  $("report-counts").replaceChildren(...severities.map((severity) => {
    const count = findings.filter((f) => f.severity === severity).length;
    return el("span", { class: `count severity ${severity}${count ? "" : " none"}`, "data-severity": severity },
      el("b", {}, count), ` ${severity}`);
  }));
  const byName = new Map(rules.map((rule) => [rule.name, rule]));
  $("report-findings").hidden = !findings.length;
  $("report-findings").tBodies[0].replaceChildren(...findings.map((finding) => el("tr", { "data-rule": finding.rule },
    el("td", {}, el("span", { class: `severity ${finding.severity}` }, finding.severity)),
    el("td", {}, el("code", { title: byName.get(finding.rule)?.detects || "" }, finding.rule)),
    el("td", { class: "message" }, finding.message),
    el("td", { class: "seqs" }, ...seqButtons(finding)))));
  $("report-rules-summary").textContent = `The ${rules.length} rules`;
  $("report-rules-table").tBodies[0].replaceChildren(...rules.map((rule) => el("tr", { "data-rule": rule.name },
    el("td", {}, el("code", {}, rule.name)), el("td", {}, el("span", { class: `severity ${rule.severity}` },
      rule.severity)),
    el("td", {}, rule.detects), el("td", {}, rule.why), el("td", {}, rule.evidence), el("td", {}, rule.fix))));
}

function judged(report) {
  const span = report.seqs ? `, #${report.seqs[0]}–#${report.seqs[1]}` : "";
  return `${report.entries} journaled request${report.entries === 1 ? "" : "s"} of this account${span}`;
}

function seqButtons(finding) {
  const buttons = finding.seqs.slice(0, SEQ_BUTTONS).map((seq) => {
    const button = el("button", { type: "button", class: "seq", "data-seq": seq, title: "show in the journal" },
      `#${seq}`);
    button.addEventListener("click", () => showInJournal(finding, seq));
    return button;
  });
  if (finding.seqs.length > SEQ_BUTTONS) {
    const all = el("button", { type: "button", class: "seq" }, `all ${finding.seqs.length}`);
    all.addEventListener("click", () => showInJournal(finding, finding.seqs[0]));
    buttons.push(all);
  }
  return buttons;
}

// The journal tab, unfiltered (a filter could hide the finding's requests), with the finding's requests marked.
function showInJournal(finding, seq) {
  state.highlight = { seqs: new Set(finding.seqs), focus: seq, rule: finding.rule, scrolled: false };
  for (const id of ["journal-method", "journal-path", "journal-status"]) $(id).value = "";
  resetJournal();
  showTab("journal");
}

// --- tabs, refresh, start --------------------------------------------------------------------------------
const REFRESH = { runs: refreshRuns, timeline: refreshTimeline, schedules: null, journal: refreshJournal,
                  faults: refreshFaults, report: refreshReport };

function showTab(name) {
  state.tab = name;
  document.querySelectorAll("[data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === name)));
  document.querySelectorAll("section.tab").forEach((s) => { s.hidden = s.id !== `tab-${name}`; });
  guarded(async () => {
    if (name === "schedules") await refreshSchedules();
    if (name === "faults") await loadBehavior();
    await refreshAll();
  });
}

async function refreshAll() {
  if (!state.account) return;
  await refreshClock();
  const refresh = REFRESH[state.tab];
  if (refresh) await refresh();
}

async function tick() {
  if (!state.busy && state.account && !document.hidden) {
    state.busy = true;
    try { await guarded(refreshAll); } finally { state.busy = false; }
    // Counted on the page for whoever watches it (the tests wait for a few refreshes, not for a time).
    document.body.dataset.refreshes = String(++state.refreshes);
  }
  setTimeout(tick, REFRESH_MS);
}

async function start() {
  state.tmcTokens = JSON.parse(sessionStorage.getItem("mocktmc.tmcTokens") || "{}");
  $("token").value = state.token;
  await loadAccounts();
  await loadDefinitions();
  await refreshClock();
  const hour = 3600000, next = Math.ceil(state.now / hour) * hour;
  $("advance-to").value = isoToInput(next + hour);
  $("window-from").value = isoToInput(next);
  $("window-to").value = isoToInput(next + 6 * hour);
  await refreshAll();
}

function wire() {
  document.querySelectorAll("[data-tab]").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("token").value.trim();
    sessionStorage.setItem("mocktmc.token", state.token);
    state.tmcTokens = {};
    sessionStorage.removeItem("mocktmc.tmcTokens");
    state.runsShown = state.faultsShown = state.reportShown = state.highlight = null; resetJournal();
    guarded(start);
  });
  $("account").addEventListener("change", () => {
    state.account = $("account").value;
    sessionStorage.setItem("mocktmc.account", state.account);
    state.runsOffset = 0; state.selectedRun = null; resetJournal();
    state.runsShown = state.reportShown = state.highlight = null;
    $("run-detail").hidden = true;
    guarded(async () => { await loadDefinitions(); await refreshAll(); });
  });
  $("timeline-span").addEventListener("change", () => guarded(refreshTimeline));
  wireTime(); wireRuns(); wireSchedules(); wireJournal(); wireFaults();
}

wire();
guarded(start).then(() => { document.body.dataset.ready = "true"; setTimeout(tick, REFRESH_MS); });
