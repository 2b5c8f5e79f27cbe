/**
 * Where the tab panel starts on the page, kept as `--panel-top` on the app element: the lists and an opened flow,
 * node or finding size themselves to the window below it (styles.css), whatever stands above (the import panel's
 * help wraps to more lines in a narrow window; an import summary or the edit bar comes and goes).
 */
import { useLayoutEffect, type RefObject } from 'react';

export function usePanelTop(app: RefObject<HTMLElement | null>, panel: RefObject<HTMLElement | null>): void {
  // After every render of the app: what stands above the panel may have changed with it.
  useLayoutEffect(() => {
    const root = app.current;
    const section = panel.current;
    if (root === null || section === null) return undefined;
    const measure = (): void => {
      root.style.setProperty('--panel-top', `${Math.round(section.getBoundingClientRect().top + window.scrollY)}px`);
    };
    measure();
    // Elements above that change size by themselves (the import panel asking for a node name).
    const observer = new ResizeObserver(measure);
    for (let above = section.previousElementSibling; above !== null; above = above.previousElementSibling) observer.observe(above);
    window.addEventListener('resize', measure);
    return () => {
      observer.disconnect();
      window.removeEventListener('resize', measure);
    };
  });
}
