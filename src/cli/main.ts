/**
 * `mot`: the workbench from a terminal. Every command validates its input before it touches the
 * data dir, prints errors as one line on stderr, and exits non-zero on failure.
 */
import { UsageError } from './args';
import { guardOutput, write } from './output';
import { attachCommand } from './commands/attach';
import { benchCommand } from './commands/bench';
import { datasetsCommand } from './commands/datasets';
import { evalCommand } from './commands/evaluate';
import { exportCommand } from './commands/export';
import { generateCommand } from './commands/generate';
import { layerEvalCommand } from './commands/layer-eval';
import { backendsCommand, presetsCommand } from './commands/info';
import { reportCommand } from './commands/report';
import { runsCommand } from './commands/runs';
import { serveCommand } from './commands/serve';
import { studyCommand } from './commands/study';
import { resumeCommand, trainCommand } from './commands/train';
import { transitionCommand } from './commands/transition';

const COMMANDS: Record<string, { run(argv: string[]): Promise<void>; usage: string }> = {
  train: {
    run: trainCommand,
    usage:
      'train --preset NAME | --config FILE [--steps N] [--backend B] [--processes N] [--workers N|auto] [--name NAME] [--data-dir DIR]',
  },
  resume: { run: resumeCommand, usage: 'resume --run ID [--data-dir DIR]' },
  runs: { run: runsCommand, usage: 'runs [--json] [--data-dir DIR]' },
  generate: {
    run: generateCommand,
    usage:
      'generate --run ID --prompt TEXT [--prompt TEXT ...] [--max-tokens N] [--temperature T] [--top-k K] [--seed S] [--step N] [--discrete] [--json] [--data-dir DIR]',
  },
  transition: {
    run: transitionCommand,
    usage:
      'transition --run ID [--step N] [--steps EXTRA] [--capacity-factor C] [--load-balance W] [--data-dir DIR]',
  },
  study: {
    run: studyCommand,
    usage:
      'study --name NAME [--preset P] [--config FILE] --grid \'{"model.ffn":["dense","mot"],"train.steps":[100,200]}\' | --grid crossover [--budgets 100,200,400] [--group-sizes 4,8] [--placements all,second-half] [--json] [--data-dir DIR]; study --resume ID | --show ID [--json | --markdown]',
  },
  eval: {
    run: evalCommand,
    usage: 'eval --run ID [--step N] [--backend B] [--json] [--data-dir DIR]',
  },
  report: {
    run: reportCommand,
    usage: 'report --runs A,B,... [--baseline ID] [--json] [--data-dir DIR]',
  },
  'layer-eval': {
    run: layerEvalCommand,
    usage: 'layer-eval --in CASE.json --out RESULT.json [--backend B]',
  },
  bench: {
    run: benchCommand,
    usage:
      'bench [--backend B ...] [--kind dense|mot|moe ...] [--steps N] [--native on|off|both] [--workers 1,2] [--profile]  (B: wasm, cpu, tensorflow, torch, ...)',
  },
  export: {
    run: exportCommand,
    usage:
      'export --run ID | --preset NAME | --config FILE [--preset NAME] --out DIR [--data-dir DIR]',
  },
  attach: { run: attachCommand, usage: 'attach PATH [--data-dir DIR]' },
  serve: { run: serveCommand, usage: 'serve [--port P] [--host 127.0.0.1] [--data-dir DIR]' },
  datasets: {
    run: datasetsCommand,
    usage: 'datasets [list] [--json] | datasets import FILE [--name NAME]  [--data-dir DIR]',
  },
  presets: { run: presetsCommand, usage: 'presets [--json]' },
  backends: { run: backendsCommand, usage: 'backends [--data-dir DIR]' },
};

function help(): string {
  return [
    'usage: mot <command> [options]',
    '',
    ...Object.values(COMMANDS).map((c) => `  mot ${c.usage}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; run \`mot --help\``);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: mot ${command.usage}\n`);
    return 0;
  }
  await command.run(rest);
  return 0;
}

guardOutput();
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  write(process.stderr, `mot: ${message.split('\n')[0]}\n`);
  if (process.env.MOT_DEBUG && error instanceof Error) write(process.stderr, `${error.stack}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
