import { DocumentFields, Limits } from '@tandem/shared'
import * as Y from 'yjs'

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** The bytes of standard base64 `text` (with padding); throws on anything else. */
export function fromBase64(text: string): Uint8Array {
  if (!BASE64.test(text)) throw new Error('The version is not valid base64.')
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** A version's content, ready to show: what the snapshot renderer takes, and the title. */
export interface DecodedVersion {
  /** The whole document at this version as a Yjs V2 update (y-tiptap's snapshots take V2). */
  updateV2: Uint8Array
  /** The document's title at this version. */
  title: string
}

/**
 * Decodes a version's `update` (base64 Yjs V1, the whole document): its V2 form for the
 * snapshot renderer, and its title, read from a throwaway document. Throws when the update is
 * not valid base64 or not a Yjs update.
 */
export function decodeVersion(base64: string): DecodedVersion {
  const update = fromBase64(base64)
  const doc = new Y.Doc()
  try {
    Y.applyUpdate(doc, update)
    return {
      updateV2: Y.convertUpdateFormatV1ToV2(update),
      title: doc.getText(DocumentFields.title).toString(),
    }
  } finally {
    doc.destroy()
  }
}

/** The state of `doc` (the live one, say) as a version to show, without touching it. */
export function currentVersion(doc: Y.Doc): DecodedVersion {
  return {
    updateV2: Y.encodeStateAsUpdateV2(doc),
    title: doc.getText(DocumentFields.title).toString(),
  }
}

/** A V2 update of a document with nothing in it: the "before" of a document's first version. */
export const EMPTY_UPDATE_V2: Uint8Array = Y.encodeStateAsUpdateV2(new Y.Doc())

/** The title a copy of a document titled `title` gets: "Copy of …", within the title limit. */
export function copyTitle(title: string): string {
  const trimmed = title.trim()
  return Array.from(trimmed ? `Copy of ${trimmed}` : '')
    .slice(0, Limits.maxTitleLength)
    .join('')
}

/**
 * A new document (as a Yjs V1 update) with the content of the document in V2 update
 * `updateV2`: the same text and formatting under {@link copyTitle}, written afresh by a new
 * client, so none of the original's history (deleted text, its authors' client ids) comes along.
 */
export function copyOf(updateV2: Uint8Array): Uint8Array {
  const source = new Y.Doc()
  const copy = new Y.Doc()
  try {
    Y.applyUpdateV2(source, updateV2)
    const content = source.getXmlFragment(DocumentFields.content)
    const title = copyTitle(source.getText(DocumentFields.title).toString())
    copy.transact(() => {
      copy.getXmlFragment(DocumentFields.content).insert(
        0,
        // The editor writes elements and text only; y-prosemirror has no hooks.
        content.toArray().flatMap((node) => (node instanceof Y.XmlHook ? [] : [node.clone()])),
      )
      if (title) copy.getText(DocumentFields.title).insert(0, title)
    })
    return Y.encodeStateAsUpdate(copy)
  } finally {
    source.destroy()
    copy.destroy()
  }
}
