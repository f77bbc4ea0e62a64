import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';

import scaffolderModuleScaffold, { SCAFFOLD_NEW_ACTION_ID } from '../src';

describe('the backend module', () => {
  it('registers scaffold:new with the scaffolder', async () => {
    const addActions = jest.fn();
    await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [
        scaffolderModuleScaffold,
        mockServices.rootConfig.factory({ data: { scaffold: { binary: '/opt/scaffold/bin/scaffold' } } }),
      ],
    });
    expect(addActions).toHaveBeenCalledTimes(1);
    const ids = addActions.mock.calls[0].map((a: { id: string }) => a.id);
    expect(ids).toEqual([SCAFFOLD_NEW_ACTION_ID]);
  });
});
