/** `npm run deploy -- --stage NAME`: see scripts/stage.mts. */
import { runStageCommand } from './stage.mjs';

await runStageCommand('deploy');
