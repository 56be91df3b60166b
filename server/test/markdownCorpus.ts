/**
 * The Markdown round-trip corpus: what the editor supports, written as its export writes it.
 * Importing each (`POST /api/docs`) and exporting it again (`GET …/export?format=md`) gives the
 * same text once normalised ({@link normalizeMarkdown}). docs/import-export.md lists these and
 * the known differences below; keep the three in step.
 */

/** Markdown that survives import then export unchanged (after {@link normalizeMarkdown}). */
export const roundTrips: readonly { name: string; markdown: string }[] = [
  {
    name: 'headings (a leading level-1 heading is the title)',
    markdown: '# Release notes\n\n## What changed\n\nText under it.\n\n### Details\n\nMore text.',
  },
  { name: 'a level-1 heading later on', markdown: 'Intro.\n\n# Part one\n\nBody.' },
  {
    name: 'bold, italic, strike, inline code',
    markdown: 'Some **bold**, *italic*, ~~struck~~ and `inline code`, and ***bold italic***.',
  },
  { name: 'marks in a heading', markdown: '## A **bold** and *italic* heading' },
  {
    name: 'links',
    markdown:
      'See [the site](https://example.com/path?q=1#frag), [with a title](https://example.com "Example"), [**a bold link**](https://example.org) and [mail](mailto:someone@example.com).',
  },
  {
    name: 'bullet list, nested',
    markdown: '- one\n- two\n  - two point one\n    - deeper still\n  - two point two\n- three',
  },
  {
    name: 'ordered list, nested',
    markdown: '1. first\n2. second\n   1. sub a\n   2. sub b\n3. third',
  },
  { name: 'ordered list starting elsewhere', markdown: '3. three\n4. four' },
  {
    name: 'task list, nested',
    markdown: '- [ ] to do\n- [x] done\n  - [ ] nested to do\n  - [x] nested done',
  },
  {
    name: 'lists nested in each other',
    markdown: '- bullet\n  1. ordered inside\n  2. again\n     - [ ] a task inside that',
  },
  { name: 'task with a bullet list inside', markdown: '- [ ] parent task\n  - child bullet' },
  {
    name: 'list item with two paragraphs',
    markdown: '- item one\n\n  its second paragraph\n- item two',
  },
  { name: 'blockquote', markdown: '> quoted **text**\n>\n> second paragraph' },
  {
    name: 'blockquote with nested quote and list',
    markdown: '> outer\n>\n> > inner\n>\n> - list in a quote',
  },
  {
    name: 'code block with a language',
    markdown: '```ts\nconst x: number = 1\n\nconsole.log(`x is ${x}`) // <not html>\n```',
  },
  { name: 'code block without a language', markdown: '```\nplain *not italic*\n```' },
  { name: 'horizontal rule', markdown: 'before\n\n---\n\nafter' },
  { name: 'hard breaks', markdown: 'line one  \nline two  \nline three' },
  { name: 'empty paragraphs between blocks', markdown: 'a\n\n\n\nb' },
  {
    name: 'escaped Markdown characters',
    markdown: 'Not \\*italic\\*, a\\_b\\_c, \\[not a link\\](x)',
  },
  { name: 'HTML-like text', markdown: 'a &lt;b&gt;tag&lt;/b&gt; stays text &amp; so does this' },
  { name: 'non-ASCII text', markdown: 'Grüße — 日本語 — emoji 😀' },
  {
    name: 'everything in one document',
    markdown: [
      '# Project plan',
      '',
      'The **goal** is to *ship* by ~~May~~ June; see [the board](https://example.com/board).',
      '',
      '## Tasks',
      '',
      '- [x] write the spec',
      '- [ ] build it',
      '  - [ ] server',
      '  - [ ] web',
      '',
      '## Notes',
      '',
      '> Keep it simple.',
      '',
      '1. design',
      '2. build',
      '   - carefully',
      '',
      '```sh',
      'pnpm build && pnpm test',
      '```',
      '',
      '---',
      '',
      'Signed,  ',
      'the team',
    ].join('\n'),
  },
]

/**
 * Markdown that imports fine but exports differently: each with what comes back and why. None
 * loses text; most are the same document written the export's way.
 */
export const knownDifferences: readonly {
  name: string
  markdown: string
  exported: string
  why: string
}[] = [
  {
    name: 'other list markers',
    markdown: '* one\n+ two',
    exported: '- one\n\n- two',
    why: 'bullets are written with `-`; a change of marker starts a new list in Markdown',
  },
  {
    name: 'other emphasis markers',
    markdown: '__bold__ and _italic_',
    exported: '**bold** and *italic*',
    why: 'bold and italic are written with `*`',
  },
  {
    name: 'setext headings',
    markdown: 'Title\n=====\n\nSection\n-------',
    exported: '# Title\n\n## Section',
    why: 'headings are written with `#`',
  },
  {
    name: 'headings below level 3',
    markdown: '#### Four\n\n###### Six',
    exported: '### Four\n\n### Six',
    why: 'the editor has three heading levels; deeper ones become level 3',
  },
  {
    name: 'other fences and indented code',
    markdown: '~~~py\nprint(1)\n~~~\n\n    indented',
    exported: '```py\nprint(1)\n```\n\n```\nindented\n```',
    why: 'code blocks are written fenced with backticks',
  },
  {
    name: 'other horizontal rules',
    markdown: 'a\n\n***\n\nb',
    exported: 'a\n\n---\n\nb',
    why: 'rules are written as `---`',
  },
  {
    name: 'backslash hard break',
    markdown: 'one\\\ntwo',
    exported: 'one  \ntwo',
    why: 'hard breaks are written as two trailing spaces',
  },
  {
    name: 'soft line breaks',
    markdown: 'one\ntwo',
    exported: 'one two',
    why: 'a single line break inside a paragraph is a space in Markdown; the editor keeps paragraphs as one line',
  },
  {
    name: 'loose lists',
    markdown: '- a\n\n- b',
    exported: '- a\n- b',
    why: 'lists are written tight',
  },
  {
    name: 'autolinks and bare URLs',
    markdown: '<https://a.example> and https://b.example',
    exported: '[https://a.example](https://a.example) and [https://b.example](https://b.example)',
    why: 'links are written inline',
  },
  {
    name: 'reference links',
    markdown: '[text][ref]\n\n[ref]: https://example.com',
    exported: '[text](https://example.com)',
    why: 'links are written inline',
  },
  {
    name: 'mark nesting order',
    markdown: '~~*struck italic*~~',
    exported: '*~~struck italic~~*',
    why: 'marks are written in the schema’s order',
  },
  {
    name: 'marks on inline code',
    markdown: '**bold `code`**',
    exported: '**bold** `code`',
    why: 'inline code takes no other marks in the editor (as in Google Docs-style editors and ProseMirror’s default schema)',
  },
  {
    name: 'images',
    markdown: '![a diagram](https://example.com/d.png)',
    exported: '[a diagram](https://example.com/d.png)',
    why: 'the editor has no images: an image becomes a link to it',
  },
  {
    name: 'tables',
    markdown: '| a | b |\n|---|---|\n| 1 | 2 |',
    exported: '| a | b |  \n|---|---|  \n| 1 | 2 |',
    why: 'the editor has no tables: a table is kept as its lines of text',
  },
  {
    name: 'raw HTML',
    markdown: 'a <b>bold</b> tag',
    exported: 'a &lt;b&gt;bold&lt;/b&gt; tag',
    why: 'HTML inside Markdown is kept as literal text (import HTML as `html` instead)',
  },
  {
    name: 'named character references',
    markdown: '&copy; 2025',
    exported: '&amp;copy; 2025',
    why: '@tiptap/markdown decodes only &amp; &lt; &gt; &quot;; others stay literal text',
  },
]

/**
 * Text that comes back looking the same but reads differently on a second import: the Markdown
 * serialiser does not escape characters that only mean something at the start of a line.
 */
export const notReimportable: readonly { name: string; markdown: string; exported: string }[] = [
  {
    name: 'a paragraph starting with "# "',
    markdown: '\\# not a heading',
    exported: '# not a heading',
  },
  { name: 'a paragraph starting with "- "', markdown: '\\- not a list', exported: '- not a list' },
  {
    name: 'a paragraph starting with "1. "',
    markdown: '1\\. not a list',
    exported: '1. not a list',
  },
  {
    name: 'inline code holding a backtick',
    markdown: '`` a`b ``',
    exported: '`a`b`',
  },
  {
    name: 'a code block holding a line of three backticks',
    markdown: '````\na\n```\nb\n````',
    exported: '```\na\n```\nb\n```',
  },
]

/** Line endings made `\n` and trailing line breaks at the end dropped: nothing else. */
export function normalizeMarkdown(markdown: string): string {
  return markdown.replace(/\r\n?/g, '\n').replace(/\n+$/, '')
}
