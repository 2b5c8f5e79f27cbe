import { describe, expect, it } from 'vitest';
import { createWebApi } from './web-api';

// The page outlives its server (natlens serve stopped with Ctrl-C): what the browser's fetch says is not enough.
describe('web Api client with its server gone', () => {
  const gone: typeof fetch = () => Promise.reject(new TypeError('Failed to fetch'));

  it('says natlens serve did not answer, where, and what to do, instead of "Failed to fetch"', async () => {
    const api = createWebApi({ token: 't', base: 'http://127.0.0.1:40573', fetch: gone });
    await expect(api.listNodes({})).rejects.toMatchObject({
      code: 'internal',
      message: 'natlens serve did not answer at http://127.0.0.1:40573: was it stopped? Start it again and open the URL it prints (each run has a new token)',
    });
    await expect(api.downloadReport?.({ format: 'html' })).rejects.toMatchObject({ message: expect.stringMatching(/^natlens serve did not answer at /) });
  });

  it('passes a cancelled request on as the cancellation it is', async () => {
    const aborted: typeof fetch = () => Promise.reject(new DOMException('The operation was aborted.', 'AbortError'));
    const api = createWebApi({ token: 't', base: 'http://127.0.0.1:40573', fetch: aborted });
    await expect(api.downloadReport?.({ format: 'pdf' })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
