import * as Y from 'yjs'
import { describe, expect, test } from 'vitest'
import { restoreEdit } from './restoreUpdate.js'
import { visibleContent } from './visibleContent.js'

function paragraph(fragment: Y.XmlFragment, text: string, attrs: Record<string, string> = {}) {
  const element = new Y.XmlElement('paragraph')
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, value)
  const content = new Y.XmlText()
  content.insert(0, text)
  element.insert(0, [content])
  fragment.insert(fragment.length, [element])
  return content
}

/** What the web app shows: the title, and the rich text with its marks and attributes. */
const shown = (doc: Y.Doc) => ({
  title: doc.getText('title').toString(),
  body: doc.getXmlFragment('default').toString(),
})

/** A room's document as the server holds it (garbage collection on), with a first version. */
function documentWithVersion() {
  const doc = new Y.Doc()
  const title = doc.getText('title')
  const fragment = doc.getXmlFragment('default')
  title.insert(0, 'Quarterly plan')
  const first = paragraph(fragment, 'Revenue grows.')
  paragraph(fragment, 'Costs shrink.', { level: '2' })
  first.format(0, 7, { bold: true })
  const version = Y.encodeStateAsUpdate(doc)
  return { doc, title, fragment, first, version, expected: shown(doc) }
}

describe('restoring a version as one forward edit', () => {
  test('text, title, marks, attributes and removed paragraphs all come back', () => {
    const { doc, title, fragment, first, version, expected } = documentWithVersion()
    title.delete(0, 9)
    title.insert(0, 'Vandalised')
    first.insert(0, 'NOT ')
    first.format(0, 20, { bold: null, italic: true })
    ;(fragment.get(1) as Y.XmlElement).setAttribute('level', '3')
    fragment.delete(1, 1)
    paragraph(fragment, 'spam')
    expect(shown(doc)).not.toEqual(expected)

    const edit = restoreEdit(doc, version)
    expect(edit).toBeDefined()
    const live = new Y.Doc()
    Y.applyUpdate(live, Y.encodeStateAsUpdate(doc))
    Y.applyUpdate(live, edit!.update)
    expect(shown(live)).toEqual(expected)
    // Restored content is written by the edit's own client id.
    expect(Y.decodeUpdate(edit!.update).structs.some((s) => s.id.client === edit!.clientId)).toBe(
      true,
    )
  })

  test('a document already showing the version needs no edit, even after a restore', () => {
    const { doc, title, version } = documentWithVersion()
    expect(restoreEdit(doc, version)).toBeUndefined()
    title.insert(0, 'New ')
    Y.applyUpdate(doc, restoreEdit(doc, version)!.update)
    expect(restoreEdit(doc, version)).toBeUndefined()
  })

  test('edits made elsewhere before the restore merge on top of it', () => {
    const { doc, fragment, title, version } = documentWithVersion()
    paragraph(fragment, 'added after the version')
    const offline = new Y.Doc()
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(doc))
    // Offline: into a paragraph the version has, and into one it does not.
    const kept = (offline.getXmlFragment('default').get(1) as Y.XmlElement).get(0) as Y.XmlText
    kept.insert(kept.length, ' Really.')
    title.insert(title.length, '!')

    Y.applyUpdate(doc, restoreEdit(doc, version)!.update)
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(offline))
    expect(shown(doc)).toEqual({
      title: 'Quarterly plan',
      body:
        '<paragraph><bold>Revenue</bold> grows.</paragraph>' +
        '<paragraph level="2">Costs shrink. Really.</paragraph>',
    })
  })

  test('every root type is restored, typed or not', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'abc')
    doc.getMap('m').set('k', 1)
    doc.getArray('a').insert(0, [1, 2, 3])
    const version = Y.encodeStateAsUpdate(doc)
    doc.getText('t').delete(0, 3)
    doc.getMap('m').set('k', 2)
    doc.getArray('a').delete(1, 1)
    doc.getText('new').insert(0, 'later')

    // The server's document never types its roots.
    const server = new Y.Doc()
    Y.applyUpdate(server, Y.encodeStateAsUpdate(doc))
    const restored = new Y.Doc()
    Y.applyUpdate(restored, Y.encodeStateAsUpdate(server))
    Y.applyUpdate(restored, restoreEdit(server, version)!.update)
    expect(restored.getText('t').toString()).toBe('abc')
    expect(restored.getMap('m').get('k')).toBe(1)
    expect(restored.getArray('a').toArray()).toEqual([1, 2, 3])
    expect(restored.getText('new').toString()).toBe('')
    const original = new Y.Doc()
    Y.applyUpdate(original, version)
    expect(visibleContent(restored)).toBe(visibleContent(original))
  })
})

test('a document missing part of the version (a record was quarantined) gets it back', () => {
  const a = new Y.Doc()
  a.getText('t').insert(0, 'kept')
  const b = new Y.Doc()
  b.getText('u').insert(0, 'lost')
  const version = Y.mergeUpdates([Y.encodeStateAsUpdate(a), Y.encodeStateAsUpdate(b)])
  // The room lost b's record, and a changed the text since.
  a.getText('t').insert(4, ' and changed')
  const live = new Y.Doc()
  Y.applyUpdate(live, Y.encodeStateAsUpdate(a))
  Y.applyUpdate(live, restoreEdit(live, version)!.update)
  expect(live.store.pendingStructs).toBeNull()
  expect(live.getText('t').toString()).toBe('kept')
  expect(live.getText('u').toString()).toBe('lost')
})

describe('visible content', () => {
  test('equal for equal content whatever the history, different for any visible change', () => {
    const a = new Y.Doc()
    a.getText('t').insert(0, 'hello world')
    const b = new Y.Doc()
    b.getText('t').insert(0, 'world')
    b.getText('t').insert(0, 'hello ')
    b.getText('gone').insert(0, 'x')
    b.getText('gone').delete(0, 1)
    expect(visibleContent(a)).toBe(visibleContent(b))
    b.getText('t').format(0, 5, { bold: true })
    expect(visibleContent(a)).not.toBe(visibleContent(b))
  })
})
