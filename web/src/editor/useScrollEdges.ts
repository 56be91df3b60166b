import { useLayoutEffect, useState, type RefObject } from 'react'

/** Whether a sideways-scrolling element has more content beyond its start and end edges. */
export interface ScrollEdges {
  start: boolean
  end: boolean
}

/** Less than this is rounding (zoom, fractional widths), not more to scroll to, in CSS pixels. */
const SLACK_PX = 1

/**
 * Which edges of the element in `ref` hide content (it scrolls sideways), kept current as it
 * scrolls and as it or its children change size (rotation, window resize, fonts loading). A new
 * object only when something changed, so scrolling re-renders only at the edges.
 */
export function useScrollEdges(ref: RefObject<HTMLElement | null>): ScrollEdges {
  const [edges, setEdges] = useState<ScrollEdges>({ start: false, end: false })
  useLayoutEffect(() => {
    const element = ref.current
    if (!element) return
    const update = (): void => {
      // scrollLeft is negative from the start in right-to-left layouts.
      const scrolled = Math.abs(element.scrollLeft)
      const hidden = element.scrollWidth - element.clientWidth
      const start = scrolled > SLACK_PX
      const end = hidden - scrolled > SLACK_PX
      setEdges((now) => (now.start === start && now.end === end ? now : { start, end }))
    }
    update()
    element.addEventListener('scroll', update, { passive: true })
    const observer = new ResizeObserver(update)
    observer.observe(element)
    for (const child of element.children) observer.observe(child)
    return () => {
      element.removeEventListener('scroll', update)
      observer.disconnect()
    }
  }, [ref])
  return edges
}
