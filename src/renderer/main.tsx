import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/app';
import { NoToken } from './components/no-token';
import { pickApi } from './api/pick-api';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
// A file dropped outside the drop zone would replace the page with the file; only the zone takes drops.
for (const type of ['dragover', 'drop'] as const) window.addEventListener(type, (e) => e.preventDefault());

const choice = pickApi(window);
createRoot(root).render(<StrictMode>{choice.kind === 'ready' ? <App api={choice.api} /> : <NoToken />}</StrictMode>);
