import { getSchema } from '@tiptap/core'
import { describe, expect, test } from 'vitest'
import { createSchemaExtensions, oneLineTitle, withTitleHeading } from './schema.js'

describe('the editor schema', () => {
  test('holds what the editor offers, and task items nest', () => {
    const schema = getSchema(createSchemaExtensions())
    expect(Object.keys(schema.nodes).sort()).toEqual(
      [
        'blockquote',
        'bulletList',
        'codeBlock',
        'doc',
        'hardBreak',
        'heading',
        'horizontalRule',
        'listItem',
        'orderedList',
        'paragraph',
        'taskItem',
        'taskList',
        'text',
      ].sort(),
    )
    expect(Object.keys(schema.marks).sort()).toEqual(
      ['bold', 'code', 'italic', 'link', 'strike', 'underline'].sort(),
    )
    expect(schema.nodes.taskItem?.spec.content).toBe('paragraph block*')
  })

  test('each call gives fresh extension instances', () => {
    expect(createSchemaExtensions()[0]).not.toBe(createSchemaExtensions()[0])
  })
})

describe('titles', () => {
  test('oneLineTitle collapses whitespace and control characters', () => {
    expect(oneLineTitle('  Two\nlines\t\u0000here  ')).toBe('Two lines here')
    expect(oneLineTitle('\n \t')).toBe('')
  })

  test('withTitleHeading puts the title first as a level-1 heading, unless it is blank', () => {
    const doc = { type: 'doc', content: [{ type: 'paragraph' }] }
    expect(withTitleHeading(doc, ' Plan ')).toEqual({
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Plan' }] },
        { type: 'paragraph' },
      ],
    })
    expect(withTitleHeading(doc, '  ')).toBe(doc)
  })
})
