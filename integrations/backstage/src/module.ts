/**
 * The backend module: registers the `scaffold:new` action with the scaffolder.
 * Configuration (app-config.yaml, all optional):
 *
 *     scaffold:
 *       binary: /usr/local/bin/scaffold   # default: $SCAFFOLD_BIN, else `scaffold` on the PATH
 *       offline: true                     # git sources only from scaffold's cache
 */
import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';

import { createScaffoldNewAction } from './action';

export const scaffolderModuleScaffold = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'scaffold',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, config }) {
        scaffolder.addActions(
          createScaffoldNewAction({
            binary: config.getOptionalString('scaffold.binary'),
            offline: config.getOptionalBoolean('scaffold.offline'),
          }),
        );
      },
    });
  },
});
