import type * as Core from '@zxcvbn-ts/core';
import type * as Common from '@zxcvbn-ts/language-common';
import type * as En from '@zxcvbn-ts/language-en';

let factory: Core.ZxcvbnFactory | undefined;

/**
 * zxcvbn-ts with the common and English dictionaries, loaded on the first password checked: the
 * dictionaries hold ~23 MiB of heap (~60 MiB of RSS) that a replica serving reads never needs.
 * A plain require() keeps the check synchronous; the first one pays about half a second.
 */
export function passwordStrength(): Core.ZxcvbnFactory {
  if (!factory) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const core = require('@zxcvbn-ts/core') as typeof Core;
    const common = require('@zxcvbn-ts/language-common') as typeof Common;
    const en = require('@zxcvbn-ts/language-en') as typeof En;
    /* eslint-enable @typescript-eslint/no-require-imports */
    factory = new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
  }
  return factory;
}
