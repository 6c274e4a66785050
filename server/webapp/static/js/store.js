// IndexedDB on the phone: the outbox's items, photo Blobs, drafts (autosaved forms) and a small cache of reads.
import { openDB } from '../vendor/idb/idb.js';

let dbPromise = null;
export function db() {
  if (!dbPromise) {
    dbPromise = openDB('gridpatrol', 1, {
      upgrade(d) {
        const items = d.createObjectStore('items', { keyPath: 'id' });
        items.createIndex('owner', 'owner');
        d.createObjectStore('blobs', { keyPath: 'id' });
        d.createObjectStore('drafts', { keyPath: 'key' });
        d.createObjectStore('cache', { keyPath: 'key' });
      },
    });
  }
  return dbPromise;
}

export async function putItem(item) { return (await db()).put('items', item); }
export async function getItem(id) { return (await db()).get('items', id); }
export async function deleteItem(id) { return (await db()).delete('items', id); }
export async function allItems() { return (await db()).getAll('items'); }

export async function putBlob(id, blob, name) { return (await db()).put('blobs', { id: id, blob: blob, name: name || 'photo.jpg' }); }
export async function getBlob(id) { return (await db()).get('blobs', id); }
export async function deleteBlob(id) { return (await db()).delete('blobs', id); }

export async function putDraft(key, value) { return (await db()).put('drafts', { key: key, value: value, savedAt: Date.now() }); }
export async function getDraft(key) { const r = await (await db()).get('drafts', key); return r ? r.value : null; }
export async function deleteDraft(key) { return (await db()).delete('drafts', key); }

export async function putCache(key, value) { return (await db()).put('cache', { key: key, value: value, savedAt: Date.now() }); }
export async function getCache(key) { return (await db()).get('cache', key); }

// Photos and records waiting here must survive storage pressure: ask the browser to keep them.
export async function persist() {
  try {
    if (navigator.storage && navigator.storage.persist) return await navigator.storage.persist();
  } catch (e) { /* not offered here */ }
  return false;
}
