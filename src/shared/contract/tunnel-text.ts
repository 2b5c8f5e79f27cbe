/** The tunnel wording the renderer shares with `natlens flows` and the reports (core/views/tunnel-text.ts). */
export { tunnelBeside, tunnelLabel, tunnelSentence } from '../../core/views/tunnel-text';
