/**
 * Backstage scaffolder backend module for scaffold: the `scaffold:new` action.
 *
 * In the backend: `backend.add(import('@scaffold/backstage-plugin-scaffolder-backend-module-scaffold'));`
 */
export { createScaffoldNewAction, SCAFFOLD_NEW_ACTION_ID } from './action';
export type { ScaffoldActionOptions } from './action';
export { scaffolderModuleScaffold as default } from './module';
