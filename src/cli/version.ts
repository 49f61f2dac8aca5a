import { createRequire } from 'node:module';

const packageJson = createRequire(import.meta.url)('../../package.json') as { name: string; version: string };

/** The package version, read from package.json (two levels up from both src/cli and dist/cli). */
export const TOOL_VERSION: string = packageJson.version;

/** The npm name: not the command's name, which the registry gives to an unrelated package. */
export const PACKAGE_NAME: string = packageJson.name;
