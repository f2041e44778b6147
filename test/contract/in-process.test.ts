/** The contract suite against a Workbench in this process (training still runs in child processes). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workbench } from '../../src/services/workbench';
import { defineContractSuite, type ContractClient } from './contract-suite';
import { defineSettingsSuite } from './settings-suite';
import { defineStudySuite } from './study-suite';

async function inProcess(): Promise<ContractClient> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'mot-contract-')), 'data');
  const workbench = await Workbench.open(dataDir);
  return {
    dataDir: workbench.dataDir,
    call: (method, request) => workbench.handle(method, request),
    on: (event, listener) => workbench.on(event, listener),
    close: () => workbench.close(),
  };
}

defineContractSuite('in-process', inProcess);
defineStudySuite('in-process', inProcess);
defineSettingsSuite('in-process', inProcess);
