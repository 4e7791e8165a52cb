/** `npm run remove -- --stage NAME`: see scripts/stage.mts. */
import { runStageCommand } from './stage.mjs';

await runStageCommand('remove');
