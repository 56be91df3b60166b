/**
 * The REST contract of version history (see api.ts for the rest of it and the error codes):
 * every route's request and response shape, as TypeBox schemas that give the TypeScript types too.
 */
import { Type, type Static } from 'typebox'
import { Instant, LinkId } from './api.js'

// ---------------------------------------------------------------------------------------------
// Version history: /api/docs/:id/versions… Only edit links may use these routes (history can hold
// text that was removed on purpose): a view link gets 403 `forbidden`, an unknown version 404
// `not-found`, an unknown or malformed link as in the routes above.

/**
 * How a version came to be: `auto` (saved by the server when the log is compacted, when the
 * document unloads after edits, and at least every 10 minutes while people edit; thinned by the
 * server's retention setting), `named` (an editor named the state; kept forever) or `restore`
 * (the state just before someone restored another version; kept forever, so a restore can be
 * undone by restoring it).
 */
export const VersionKind = {
  auto: 'auto',
  named: 'named',
  restore: 'restore',
} as const
export type VersionKind = (typeof VersionKind)[keyof typeof VersionKind]

/** Longest version name, in characters (code points) after trimming; the shortest is 1. */
export const MAX_VERSION_NAME_LENGTH = 100

/**
 * The name `raw` as stored (trimmed), or undefined if it is not 1–{@link MAX_VERSION_NAME_LENGTH}
 * characters after trimming (the server answers 400 `bad-request` then).
 */
export function versionName(raw: string): string | undefined {
  const name = raw.trim()
  const length = Array.from(name).length
  return length >= 1 && length <= MAX_VERSION_NAME_LENGTH ? name : undefined
}

/** A version id: opaque and URL-safe (today 22 characters). */
export const VersionId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })
export type VersionId = Static<typeof VersionId>

/**
 * A person as the server recorded them from their connection's presence (awareness `user.name`
 * and `user.color`, cleaned as `displayUser` in presence.ts does): a name of 1–40 characters
 * (`Anonymous` when the connection had none) and a `#rrggbb` colour (derived from the Yjs client
 * id when it had none). Render the name as text only.
 */
export const VersionAuthor = Type.Object({
  name: Type.String(),
  color: Type.String(),
})
export type VersionAuthor = Static<typeof VersionAuthor>

/** One version, as listed. */
export const Version = Type.Object({
  id: VersionId,
  /** The name an editor gave it; null unless `kind` is `named`. */
  name: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Enum(VersionKind),
  /** When the state was taken. */
  createdAt: Instant,
  /**
   * The people who changed the document since the previous version, each once (by name and
   * colour), in no particular order; empty when the server knows of nobody (e.g. the first
   * version of a document written before history existed).
   */
  authors: Type.Array(VersionAuthor),
})
export type Version = Static<typeof Version>

/** Path parameters of the routes of one version. */
export const VersionParams = Type.Object({ id: LinkId, versionId: VersionId })
export type VersionParams = Static<typeof VersionParams>

/** `200` from `GET /api/docs/:id/versions`: every version kept, newest first. */
export const VersionList = Type.Object({ versions: Type.Array(Version) })
export type VersionList = Static<typeof VersionList>

/**
 * Body of `POST /api/docs/:id/versions`: saves the current state as a named version (`201` with
 * it). The name must be 1–{@link MAX_VERSION_NAME_LENGTH} characters after trimming (see
 * {@link versionName}), otherwise `400`.
 */
export const CreateVersionBody = Type.Object({ name: Type.String() })
export type CreateVersionBody = Static<typeof CreateVersionBody>

/**
 * `200` from `GET /api/docs/:id/versions/:versionId`: the version's fields, the whole document at
 * that version, and who wrote it.
 *
 * - `update`: the document as it was, a base64 Yjs V1 update: apply it to a fresh `Y.Doc` (the
 *   rich text is the XmlFragment `default`, the title the Text `title`). For y-tiptap's snapshot
 *   rendering, which takes two V2 updates, convert it with `Y.convertUpdateFormatV1ToV2`.
 * - `clients`: every Yjs client id (as a decimal string) whose content this version holds, with
 *   its author. To colour the changes between an older version A and this version B: render B
 *   against A (y-tiptap applies A, takes `Y.snapshot`, applies B, takes `Y.snapshot`); an insertion
 *   between them is an item whose client id is in B's `clients` (every item of B is), so B's map
 *   alone colours the changes since any older version. y-tiptap asks its `permanentUserData` for
 *   the user of each change and its `colorMapping` for that user's colour, so give it a stand-in,
 *   `{ dss: new Map(), getUserByClientId: (c) => String(c), getUserByDeletedId: () => null }`,
 *   and a `colorMapping` filled from this map (key: the client id string; `null` for deletions).
 *   Deletions have no author: a Yjs item records who created it, not who deleted it, so strike
 *   them through in one neutral colour (the version's `authors` does name who deleted). Content
 *   a restore brought back belongs to a client named `Restored version`. The map is the server's
 *   current knowledge (someone who renamed themselves shows under the new name); `authors` is
 *   fixed when the version is saved.
 */
export const VersionDetail = Type.Object({
  ...Version.properties,
  update: Type.String({ contentEncoding: 'base64' }),
  clients: Type.Record(Type.String({ pattern: '^[0-9]+$' }), VersionAuthor),
})
export type VersionDetail = Static<typeof VersionDetail>

/**
 * `200` from `POST /api/docs/:id/versions/:versionId/restore`. The live document (title included)
 * now holds the restored version's content, by one ordinary edit that everyone connected receives;
 * nothing was rewound, so edits made offline before the restore merge on top when their authors
 * reconnect. `before` is the `restore` version saved just before (restore it to undo), `restored`
 * the version that was restored.
 */
export const RestoredVersion = Type.Object({ before: Version, restored: Version })
export type RestoredVersion = Static<typeof RestoredVersion>
