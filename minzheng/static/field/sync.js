// Sync of the queue (ADR 0039): each record is sent with its UUID, then each photo with its own; the server
// answers a replay with the first result, so sending again after a lost answer or a closed page never makes a
// duplicate. A record leaves the queue only when the server has it and all its photos.
import * as store from "./store.js";

export class LoginNeeded extends Error {}
class Offline extends Error {}

const ENDPOINTS = { eldercare_visit: "visits", home_visit: "home-visits" };

function csrfToken() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  return found ? decodeURIComponent(found.slice("csrftoken=".length)) : "";
}

async function send(url, body, json) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: json ? { "Content-Type": "application/json", "X-CSRFToken": csrfToken() } : { "X-CSRFToken": csrfToken() },
      body: json ? JSON.stringify(body) : body,
    });
  } catch {
    throw new Offline();
  }
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401) throw new LoginNeeded();
  if (response.status >= 500 || response.status === 429) throw new Offline(); // try again later
  return { status: response.status, answer };
}

function recordBody(record) {
  const id = record.kind === "home_visit" ? { application_id: record.subjectId } : { older_person_id: record.subjectId };
  return { uuid: record.uuid, saved_at: record.savedAt, base_at: record.baseAt || null, photos: record.photos.length, ...id, ...record.data };
}

async function sendRecord(db, api, record) {
  const { status, answer } = await send(`${api}/${ENDPOINTS[record.kind]}`, recordBody(record), true);
  if (status === 200 || status === 201) {
    Object.assign(record, { state: "sent", result: answer, message: answer.reason || "" });
  } else {
    Object.assign(record, { state: "refused", message: answer.message || `HTTP ${status}` });
  }
  await store.put(db, "records", record);
}

async function sendPhotos(db, api, record) {
  for (const id of record.photos) {
    const photo = await store.get(db, "photos", id);
    if (!photo || photo.state === "sent") continue;
    const form = new FormData();
    form.append("uuid", photo.uuid);
    form.append("file", photo.blob, photo.name);
    const { status, answer } = await send(`${api}/submissions/${record.uuid}/photos`, form, false);
    if (status !== 200 && status !== 201) {
      Object.assign(record, { state: "refused", message: answer.message || `HTTP ${status}` });
      await store.put(db, "records", record);
      return;
    }
    // the server has it: the blob is dropped from the phone at once
    await store.put(db, "photos", { uuid: photo.uuid, record: record.uuid, name: photo.name, size: photo.size, state: "sent" });
  }
  record.state = record.result && record.result.outcome === "rejected" ? "rejected" : "synced";
  await store.put(db, "records", record);
}

async function syncOnce(db, api, owner) {
  const queue = (await store.byIndex(db, "records", "owner", owner)).filter((r) => r.state === "pending" || r.state === "sent");
  queue.sort((a, b) => (a.savedAt < b.savedAt ? -1 : 1));
  for (const record of queue) {
    if (record.state === "pending") await sendRecord(db, api, record);
    if (record.state === "sent") await sendPhotos(db, api, record);
  }
}

// One sync at a time across the pages of this phone (Web Locks where available); returns "done", "offline"
// or "login".
export async function syncAll(db, api, owner) {
  if (!navigator.onLine) return "offline";
  const work = async () => {
    try {
      await syncOnce(db, api, owner);
      return "done";
    } catch (error) {
      if (error instanceof LoginNeeded) return "login";
      if (error instanceof Offline) return "offline";
      throw error;
    }
  };
  return navigator.locks ? navigator.locks.request("minzheng-field-sync", work) : work();
}
