/**
 * The page's route lives in location.hash: read on load, followed on hashchange (back/forward, a
 * clicked `#/...` link, a pasted link), and written by navigate() as a new history entry.
 */
import { useCallback, useEffect, useState } from 'react';
import { formatRoute, parseRoute, type ParsedRoute, type Route } from '../view-model/route';

export interface RouteState extends ParsedRoute {
  navigate(route: Route): void;
}

export function useRoute(): RouteState {
  const [parsed, setParsed] = useState<ParsedRoute>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const follow = (): void => {
      const next = parseRoute(window.location.hash);
      // Same view, same object: effects keyed on the route do not run again.
      setParsed((prev) => (prev.problem === next.problem && formatRoute(prev.route) === formatRoute(next.route) ? prev : next));
    };
    window.addEventListener('hashchange', follow);
    // A change between the first render and this listener (a fast click, a test) is not missed.
    follow();
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  const navigate = useCallback((route: Route) => {
    const hash = formatRoute(route);
    if (window.location.hash !== hash) window.location.hash = hash;
  }, []);
  return { ...parsed, navigate };
}
