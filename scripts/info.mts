/** `npm run info -- --stage NAME`: see scripts/stage.mts. */
import { runStageCommand } from './stage.mjs';

await runStageCommand('info');
