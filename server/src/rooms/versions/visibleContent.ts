import * as Y from 'yjs'

/**
 * What a document shows, as one JSON string: for every root type with anything visible (by name,
 * sorted), its visible items in order — text, embeds, values, formatting marks, nested elements
 * with their names and attributes — and its visible map entries. Deleted items and how items are
 * split play no part, so two documents that show the same content give the same string, whatever
 * their histories. Reads Yjs's item lists directly, so root types need not have been typed
 * (the server never calls `getText`/`getXmlFragment` on a room's document).
 */
export function visibleContent(doc: Y.Doc): string {
  const roots: [string, unknown][] = []
  for (const [name, type] of [...doc.share.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const content = typeContent(type)
    if (content.list.length > 0 || Object.keys(content.map).length > 0) roots.push([name, content])
  }
  return JSON.stringify(roots)
}

interface TypeContent {
  name?: string
  list: unknown[]
  map: Record<string, unknown>
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any type of any document
function typeContent(type: Y.AbstractType<Y.YEvent<any>>): TypeContent {
  const list: unknown[] = []
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted) continue
    const content = item.content
    if (content instanceof Y.ContentString) {
      // Text is split into items by its history: join neighbouring runs.
      const last = list.length - 1
      if (typeof list[last] === 'string') list[last] += content.str
      else list.push(content.str)
    } else if (content instanceof Y.ContentType || content instanceof Y.ContentFormat) {
      list.push(itemContent(item))
    } else {
      // One value per entry: how values are grouped into items is history too.
      for (const value of content.getContent()) list.push({ value })
    }
  }
  const map: Record<string, unknown> = {}
  for (const key of [...type._map.keys()].sort()) {
    const item = type._map.get(key)
    if (item && !item.deleted) map[key] = itemContent(item)
  }
  const content: TypeContent = { list, map }
  if (type instanceof Y.XmlElement) content.name = type.nodeName
  return content
}

function itemContent(item: Y.Item): unknown {
  const content = item.content
  if (content instanceof Y.ContentType) return typeContent(content.type)
  if (content instanceof Y.ContentFormat) return { format: content.key, value: content.value }
  if (content instanceof Y.ContentString) return content.str
  return content.getContent().at(-1)
}
