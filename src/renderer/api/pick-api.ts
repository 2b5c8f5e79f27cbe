/** The desktop preload exposes window.natlens; in a browser the page builds the HTTP client from ?token=. */
import type { Api } from '../../shared/contract/api';
import { createWebApi } from './web-api';

declare global {
  interface Window {
    natlens?: Api;
  }
}

export type ApiChoice = { kind: 'ready'; api: Api } | { kind: 'no-token' };

export function pickApi(win: Window): ApiChoice {
  if (win.natlens !== undefined) return { kind: 'ready', api: win.natlens };
  const token = new URLSearchParams(win.location.search).get('token');
  if (token === null || token === '') return { kind: 'no-token' };
  return { kind: 'ready', api: createWebApi({ token }) };
}
