/** `mot presets` and `mot backends`: what this install offers. */
import { ffnSummary } from '../../core/config';
import { PRESETS } from '../../core/presets';
import { probeBackends } from '../../services/backends';
import { parse } from '../args';
import { table } from '../output';

export async function presetsCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(PRESETS, null, 2)}\n`);
    return;
  }
  const rows = PRESETS.map((p) => [
    p.name,
    ffnSummary(p.config.model),
    String(p.config.train.steps),
    p.description,
  ]);
  process.stdout.write(`${table(['preset', 'ffn', 'steps', 'description'], rows)}\n`);
}

export async function backendsCommand(argv: string[]): Promise<void> {
  parse(argv, {});
  const rows = (await probeBackends()).map((p) => [p.name, p.available ? 'yes' : 'no', p.detail]);
  process.stdout.write(`${table(['backend', 'available', 'detail'], rows)}\n`);
}
