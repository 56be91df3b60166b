import { expect, test } from '../fixtures/test.js'

// On a phone the toolbar's buttons do not fit and scroll sideways; a faded arrow at each edge
// that hides buttons says so, and goes when there is nothing more that way.

test('the toolbar shows where more buttons are to scroll to on a phone, and nothing when all fit', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const page = alice.editor.page
  await page.setViewportSize({ width: 1280, height: 800 })
  await alice.editor.createDocument()
  const toolbar = alice.editor.toolbar
  const moreStart = page.getByTestId('toolbar-more-start')
  const moreEnd = page.getByTestId('toolbar-more-end')
  const firstButton = toolbar.getByRole('button', { name: 'Heading 1' })
  const lastButton = toolbar.getByRole('button', { name: 'Code block' })

  // A wide screen: every button fits, no hint at either edge.
  await expect(lastButton).toBeInViewport({ ratio: 1 })
  await expect(moreStart).toBeHidden()
  await expect(moreEnd).toBeHidden()

  // A phone: the last buttons are cut off, and the end edge says there is more.
  await page.setViewportSize({ width: 375, height: 740 })
  await expect(lastButton).not.toBeInViewport({ ratio: 1 })
  await expect(moreEnd).toBeVisible()
  await expect(moreStart).toBeHidden()

  // Scrolled to the end (a sideways swipe or wheel): the last button shows whole, the hint moves.
  await toolbar.hover()
  await page.mouse.wheel(2000, 0)
  await expect(lastButton).toBeInViewport({ ratio: 1 })
  await expect(moreEnd).toBeHidden()
  await expect(moreStart).toBeVisible()

  // With the keyboard too: Home goes back to the first button, End to the last.
  await firstButton.focus()
  await page.keyboard.press('Home')
  await expect(firstButton).toBeFocused()
  await expect(moreStart).toBeHidden()
  await expect(moreEnd).toBeVisible()
  await page.keyboard.press('End')
  await expect(lastButton).toBeFocused()
  await expect(lastButton).toBeInViewport({ ratio: 1 })
  await expect(moreEnd).toBeHidden()
  await expect(moreStart).toBeVisible()

  // Turned back to a wide screen, everything fits again.
  await page.setViewportSize({ width: 1280, height: 800 })
  await expect(moreStart).toBeHidden()
  await expect(moreEnd).toBeHidden()
})
