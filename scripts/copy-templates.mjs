// Build step: the CloudFormation templates ship in dist/ next to the code that uses them (the package's
// `files` holds dist and policy only, no sources): dist/lambda/templates and dist/deploy.
import { cpSync } from 'node:fs';

cpSync('src/lambda/templates', 'dist/lambda/templates', { recursive: true });
cpSync('src/deploy', 'dist/deploy', { recursive: true });
