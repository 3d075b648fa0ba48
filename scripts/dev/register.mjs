/**
 * `node --import ./scripts/dev/register.mjs file.ts`: TypeScript through tsx, plus the ?raw /
 * ?inline asset imports (asset-loader.mjs). Registered after tsx, so its hooks run first.
 */
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./asset-loader.mjs', import.meta.url);
