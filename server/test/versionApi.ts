/** Helpers of the version history tests: the API's routes, and documents as people see them. */
import * as Y from 'yjs'
import { expect } from 'vitest'
import {
  DocumentFields,
  type CreatedDocument,
  type RestoredVersion,
  type Version,
  type VersionDetail,
  type VersionList,
} from '@tandem/shared'
import { connect, metric, synced, waitFor, type Client, type TestServer } from './helpers.js'

/** Settings for servers of these tests: clients may send as fast as they like. */
export const VERSION_TEST_ENV = { RATE_MESSAGES_PER_SEC: '100000', RATE_BURST_MESSAGES: '100000' }

/** Two people's presence, as the web app sends it. */
export const ALICE = { name: 'Alice', color: '#d94f4f' }
export const BOB = { name: 'Bob', color: '#3b82c4' }

/** Creates a document; its edit and view links. */
export async function create(s: TestServer): Promise<CreatedDocument> {
  const res = await fetch(`${s.http}/api/docs`, { method: 'POST' })
  return (await res.json()) as CreatedDocument
}

/** A JSON request to the API: the status and the parsed body. */
export async function api<T>(
  s: TestServer,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${s.http}${path}`, {
    method: init.method ?? 'GET',
    ...(init.body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(init.body),
    }),
  })
  return { status: res.status, body: (await res.json()) as T }
}

/** The versions listed for edit link `id`. */
export const versions = async (s: TestServer, id: string) =>
  (await api<VersionList>(s, `/api/docs/${id}/versions`)).body.versions

/** Names the current state; expects 201. */
export async function name(s: TestServer, id: string, versionName: string): Promise<Version> {
  const res = await api<Version>(s, `/api/docs/${id}/versions`, {
    method: 'POST',
    body: { name: versionName },
  })
  expect(res.status).toBe(201)
  return res.body
}

/** One version with its content; expects 200. */
export async function detail(s: TestServer, id: string, versionId: string): Promise<VersionDetail> {
  const res = await api<VersionDetail>(s, `/api/docs/${id}/versions/${versionId}`)
  expect(res.status).toBe(200)
  return res.body
}

/** Restores a version; expects 200. */
export async function restore(
  s: TestServer,
  id: string,
  versionId: string,
): Promise<RestoredVersion> {
  const res = await api<RestoredVersion>(s, `/api/docs/${id}/versions/${versionId}/restore`, {
    method: 'POST',
  })
  expect(res.status).toBe(200)
  return res.body
}

/** What a document shows: its title, its rich text, and the plain text field the tests type in. */
export function shown(doc: Y.Doc): { title: string; body: string; text: string } {
  return {
    title: doc.getText(DocumentFields.title).toString(),
    body: doc.getXmlFragment(DocumentFields.content).toString(),
    text: doc.getText('t').toString(),
  }
}

/** The document of a version, applied to a fresh Y.Doc from its base64 update. */
export function versionDoc(version: VersionDetail): Y.Doc {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, new Uint8Array(Buffer.from(version.update, 'base64')))
  return doc
}

/** Writes a title and a paragraph as the web editor would. */
export function writeRich(client: Client, title: string, paragraph: string): void {
  client.doc.transact(() => {
    const t = client.doc.getText(DocumentFields.title)
    t.delete(0, t.length)
    t.insert(0, title)
    const fragment = client.doc.getXmlFragment(DocumentFields.content)
    const p = new Y.XmlElement('paragraph')
    const text = new Y.XmlText()
    text.insert(0, paragraph)
    p.insert(0, [text])
    fragment.insert(fragment.length, [p])
  })
}

/** A connected, synced client whose presence is `user`. */
export async function person(s: TestServer, id: string, user?: { name: string; color: string }) {
  const client = connect(s.ws, id, { params: { ack: '1' } })
  if (user) client.provider.awareness.setLocalStateField('user', user)
  await synced(client)
  return client
}

/**
 * Resolves once the document's room has unloaded and everything its unload did (the final
 * compaction and version) is done: a new join waits for that before loading the document.
 */
export async function unloaded(s: TestServer, id: string): Promise<void> {
  await waitFor(() => s.app.tandem.rooms.size === 0, { what: 'the room to unload' })
  const probe = connect(s.ws, id)
  await synced(probe)
  probe.destroy()
}

/** Resolves once the server has committed `count` client updates in all. */
export const committed = (s: TestServer, count: number) =>
  waitFor(async () => (await metric(s, 'tandem_updates_in_total')) >= count, {
    what: `${count} updates committed`,
  })
