// The field app (ADR 0039, docs/field.md): worklist and forms that work without a connection. Every change in a
// form is written to IndexedDB at once (a closed page loses nothing); a saved record waits in the queue until
// the sync sends it and its photos; the status line says where the queue stands.
import * as store from "./store.js";
import { compress } from "./photos.js";
import { syncAll } from "./sync.js";

const body = document.body;
const API = body.dataset.api;
const MAX_PHOTOS = Number(body.dataset.maxPhotos);
const $ = (selector, root = document) => root.querySelector(selector);
const TEXTS = Object.fromEntries([...$("#texts").content.querySelectorAll("[data-key]")].map((e) => [e.dataset.key, e.textContent]));
const text = (key, values = {}) => TEXTS[key].replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
const FORMS = { eldercare_visit: $("#visit-form"), home_visit: $("#home-visit-form") };

let db;
let owner = null; // the signed-in user's id: only their records are shown and sent
let worklist = null;
let syncing = false;
let loginNeeded = false;
let editing = null; // the record whose form is open

function newId() {
  return crypto.randomUUID ? crypto.randomUUID() : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) => (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
}

// The phone's calendar day (toISOString alone would give the UTC day: yesterday before 08:00 in China).
function localToday() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes).forEach(([k, v]) => (k.startsWith("data-") || k === "type" ? node.setAttribute(k, v) : (node[k] = v)));
  node.append(...children);
  return node;
}

// --- the worklist --------------------------------------------------------------------------------------------

async function worklistLoad() {
  if (navigator.onLine) {
    try {
      const response = await fetch(`${API}/worklist`, { credentials: "same-origin" });
      if (response.status === 401) loginNeeded = true;
      if (response.ok) {
        worklist = await response.json();
        loginNeeded = false;
        await store.put(db, "meta", worklist, "worklist");
        await store.put(db, "meta", worklist.user_id, "owner");
      }
    } catch {
      /* no network after all: the stored list is used */
    }
  }
  worklist = worklist || (await store.get(db, "meta", "worklist")) || null;
  owner = worklist ? worklist.user_id : await store.get(db, "meta", "owner");
}

// Another user's data on a shared phone: what they have not sent is kept for them (hidden); the rest goes.
async function othersClear() {
  for (const record of await store.all(db, "records")) {
    if (record.owner === owner || record.state === "pending" || record.state === "sent") continue;
    for (const id of record.photos) await store.remove(db, "photos", id);
    await store.remove(db, "records", record.uuid);
  }
}

function listsRender() {
  $("#field-user").textContent = worklist ? worklist.user_name : "";
  $("#visit-section").hidden = !(worklist && worklist.can_visit);
  $("#investigation-section").hidden = !(worklist && worklist.can_home_visit);
  if (!worklist) return;
  $("#worklist-time").textContent = text("list-time", { t: new Date(worklist.taken_at).toLocaleString() });
  $("#visit-list").replaceChildren(
    ...worklist.visits.map((v) =>
      element("li", { "data-older": v.older_person_id },
        element("span", { className: "field-name" }, v.name),
        element("span", { className: "text-secondary" }, ` ${v.village} · ${v.categories} `),
        element("span", { className: v.overdue ? "text-danger" : "text-secondary" }, v.overdue ? text("overdue") : `${text("due")} ${v.next_due_on || ""}`),
        element("button", { type: "button", className: "btn btn-sm btn-primary", onclick: () => formOpen("eldercare_visit", v.older_person_id, v.name) }, text("record")),
      ),
    ),
  );
  $("#investigation-list").replaceChildren(
    ...worklist.investigations.map((a) =>
      element("li", { "data-application": a.application_id },
        element("span", { className: "field-name" }, `${a.applicant}`),
        element("span", { className: "text-secondary" }, ` ${a.number} · ${a.workflow} · ${a.village} · ${text("visits-done", { n: a.home_visits })} `),
        element("button", { type: "button", className: "btn btn-sm btn-primary", onclick: () => formOpen("home_visit", a.application_id, `${a.applicant} ${a.number}`) }, text("record")),
      ),
    ),
  );
}

// --- the queue and its status --------------------------------------------------------------------------------

async function mine() {
  return owner === null || owner === undefined ? [] : store.byIndex(db, "records", "owner", owner);
}

async function outboxRender() {
  const records = (await mine()).sort((a, b) => (a.savedAt < b.savedAt ? 1 : -1));
  $("#outbox-list").replaceChildren(
    ...records.map((r) => {
      const item = element("li", { "data-record": r.uuid, "data-state": r.state },
        element("span", { className: "field-name" }, `${text(`kind-${r.kind}`)}：${r.subjectName}`),
        element("span", { className: "badge", "data-state-label": "" }, r.state === "draft" ? text("draft") : text(`state-${r.state}`)),
        element("span", { className: "text-secondary" }, ` ${text("photos", { n: r.photos.length })}`),
      );
      if (r.message) item.append(element("p", { className: "small mb-0", "data-message": "" }, r.message));
      if (r.state === "draft") item.append(element("button", { type: "button", className: "btn btn-sm btn-outline-primary", onclick: () => formOpen(r.kind, r.subjectId, r.subjectName, r) }, text("continue")));
      if (["synced", "rejected", "refused"].includes(r.state)) item.append(element("button", { type: "button", className: "btn btn-sm btn-link", onclick: () => recordDrop(r) }, text("dismiss")));
      return item;
    }),
  );
  const pending = records.filter((r) => r.state === "pending" || r.state === "sent").length;
  const conflicts = records.filter((r) => r.state === "rejected" || r.state === "refused").length;
  const status = $("#sync-status");
  if (syncing) status.textContent = text("syncing");
  else if (pending && loginNeeded) status.textContent = `${text("pending", { n: pending })} · ${text("login")}`;
  else if (pending) status.textContent = text("pending", { n: pending });
  else if (conflicts) status.textContent = text("conflict", { n: conflicts });
  else status.textContent = text("synced");
  status.dataset.pending = String(pending);
  $("#login-needed").hidden = !loginNeeded;
  $("#offline-note").hidden = navigator.onLine;
}

async function recordDrop(record) {
  for (const id of record.photos) await store.remove(db, "photos", id);
  await store.remove(db, "records", record.uuid);
  await outboxRender();
}

async function sync() {
  if (syncing || owner === null || owner === undefined) return;
  syncing = true;
  await outboxRender();
  try {
    const result = await syncAll(db, API, owner);
    loginNeeded = result === "login";
  } finally {
    syncing = false;
    await outboxRender();
  }
}

// --- the forms -----------------------------------------------------------------------------------------------

function formData(form) {
  const data = Object.fromEntries([...form.elements].filter((e) => e.name && e.name !== "photos").map((e) => [e.name, e.type === "checkbox" ? e.checked : e.value]));
  if (form.dataset.kind === "home_visit") data.investigators = data.investigators.split(/[、,，;；\s]+/).filter(Boolean);
  return data;
}

function formFill(form, data) {
  for (const e of form.elements) {
    if (!e.name || e.name === "photos" || !(e.name in data)) continue;
    if (e.type === "checkbox") e.checked = Boolean(data[e.name]);
    else e.value = Array.isArray(data[e.name]) ? data[e.name].join("、") : data[e.name];
  }
}

function formProblems(kind, data) {
  const problems = [];
  if (!data.visited_on) problems.push(text("need-date"));
  if (kind === "eldercare_visit") {
    if (!data.findings.trim()) problems.push(text("need-findings"));
    if (data.risk_found && !data.safety_risks.trim()) problems.push(text("need-risks"));
  } else {
    if (new Set(data.investigators).size < 2) problems.push(text("need-investigators"));
    if (!data.members_present.trim() || !data.findings.trim()) problems.push(text("need-members"));
  }
  return problems;
}

function formOpen(kind, subjectId, subjectName, draft = null) {
  Object.values(FORMS).forEach((f) => (f.hidden = true));
  const form = FORMS[kind];
  form.reset();
  editing = draft || { uuid: newId(), owner, kind, subjectId, subjectName, data: {}, photos: [], state: "draft", baseAt: worklist ? worklist.taken_at : null, savedAt: new Date().toISOString(), stored: false };
  form.elements.visited_on.value = localToday();
  formFill(form, editing.data);
  $("[data-subject]", form).textContent = subjectName;
  $("[data-photos]", form).textContent = text("photos", { n: editing.photos.length });
  $("[data-error]", form).textContent = "";
  form.hidden = false;
  $("#lists").hidden = true;
  form.scrollIntoView();
}

function formClose() {
  Object.values(FORMS).forEach((f) => (f.hidden = true));
  $("#lists").hidden = false;
  editing = null;
}

// Written on every keystroke: the draft survives the page, the browser or the phone being closed.
async function draftSave(form) {
  if (!editing) return;
  editing.data = formData(form);
  editing.savedAt = new Date().toISOString();
  editing.stored = true;
  await store.put(db, "records", editing);
}

async function photosAdd(form, input) {
  const record = editing;
  const files = [...input.files].slice(0, Math.max(0, MAX_PHOTOS - record.photos.length));
  if (input.files.length > files.length) $("[data-error]", form).textContent = text("too-many", { n: MAX_PHOTOS });
  for (const file of files) {
    const blob = await compress(file);
    const id = newId();
    const name = `${file.name.replace(/\.[^.]*$/, "")}.jpg`;
    await store.put(db, "photos", { uuid: id, record: record.uuid, blob, name, size: blob.size, state: "pending" });
    record.photos.push(id);
    await draftSave(form);
  }
  input.value = "";
  $("[data-photos]", form).textContent = text("photos", { n: record.photos.length });
  body.dataset.photosReady = String(record.photos.length);
}

async function formSubmit(form, event) {
  event.preventDefault();
  const data = formData(form);
  const problems = formProblems(form.dataset.kind, data);
  if (problems.length) {
    $("[data-error]", form).textContent = problems.join("；");
    return;
  }
  Object.assign(editing, { data, state: "pending", savedAt: new Date().toISOString() });
  await store.put(db, "records", editing);
  formClose();
  await outboxRender();
  const registration = await navigator.serviceWorker?.getRegistration(body.dataset.scope);
  registration?.sync?.register("field-sync").catch(() => undefined);
  sync();
}

for (const form of Object.values(FORMS)) {
  form.addEventListener("input", (event) => event.target.name !== "photos" && draftSave(form));
  form.addEventListener("change", (event) => (event.target.name === "photos" ? photosAdd(form, event.target) : draftSave(form)));
  form.addEventListener("submit", (event) => formSubmit(form, event));
  $("[data-close]", form).addEventListener("click", async () => {
    formClose();
    await outboxRender();
  });
}

// --- signing out: nothing of this user stays on the phone ------------------------------------------------------

$("#logout-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const pending = (await mine()).filter((r) => r.state === "pending" || r.state === "sent").length;
  if (pending && !window.confirm(text("discard", { n: pending }))) return;
  await store.destroy(db);
  for (const key of await caches.keys()) if (key.startsWith("minzheng-field-")) await caches.delete(key);
  const registration = await navigator.serviceWorker?.getRegistration(body.dataset.scope);
  await registration?.unregister();
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  if (cookie) event.target.elements.csrfmiddlewaretoken.value = decodeURIComponent(cookie.slice(10));
  event.target.submit();
});

// --- start ---------------------------------------------------------------------------------------------------

async function workerRegister() {
  if (!("serviceWorker" in navigator)) return;
  await navigator.serviceWorker.register(body.dataset.worker, { scope: body.dataset.scope });
  await navigator.serviceWorker.ready;
  navigator.serviceWorker.addEventListener("message", (event) => event.data === "sync" && sync());
  const keys = await caches.keys();
  for (const key of keys) if (key.startsWith("minzheng-field-") && (await (await caches.open(key)).match(body.dataset.scope))) body.dataset.offlineReady = "1";
}

async function start() {
  db = await store.open();
  await worklistLoad();
  await othersClear();
  listsRender();
  await outboxRender();
  body.dataset.started = "1";
  window.addEventListener("online", () => worklistLoad().then(listsRender).then(sync));
  window.addEventListener("offline", outboxRender);
  $("#sync-now").addEventListener("click", sync);
  workerRegister().catch(() => undefined);
  await sync();
}

start();
