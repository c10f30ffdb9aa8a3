// IndexedDB of the field app (ADR 0039): "meta" (owner, worklist), "records" (drafts and the queue, one row per
// offline record keyed by its UUID) and "photos" (compressed JPEG blobs keyed by their UUID). Everything here is
// the signed-in user's own; signing out from the field app deletes the whole database.
const NAME = "minzheng-field";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function open() {
  const req = indexedDB.open(NAME, 1);
  req.onupgradeneeded = () => {
    const db = req.result;
    db.createObjectStore("meta");
    db.createObjectStore("records", { keyPath: "uuid" }).createIndex("owner", "owner");
    db.createObjectStore("photos", { keyPath: "uuid" }).createIndex("record", "record");
  };
  return request(req);
}

// One transaction per call: it commits before the promise resolves, so a closed page keeps every write.
async function run(db, store, mode, action) {
  const tx = db.transaction(store, mode);
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  const result = request(action(tx.objectStore(store)));
  await done;
  return result;
}

export const get = (db, store, key) => run(db, store, "readonly", (s) => s.get(key));
export const put = (db, store, value, key) => run(db, store, "readwrite", (s) => (key === undefined ? s.put(value) : s.put(value, key)));
export const remove = (db, store, key) => run(db, store, "readwrite", (s) => s.delete(key));
export const byIndex = (db, store, index, value) => run(db, store, "readonly", (s) => s.index(index).getAll(value));
export const all = (db, store) => run(db, store, "readonly", (s) => s.getAll());

export function destroy(db) {
  db.close();
  return request(indexedDB.deleteDatabase(NAME));
}
