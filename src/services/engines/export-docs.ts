/** The README and SLURM script an exported folder carries (see export.ts). */
import { ffnSummary, type RunConfig } from '../../core/config';
import type { PreparedManifest } from './torch-prepare';

export function exportReadme(
  config: RunConfig,
  manifest: PreparedManifest,
  fromStep: number,
): string {
  const t = config.train;
  return `# ${config.name}: a MoT Workbench run, exported for PyTorch

${ffnSummary(config.model)}; d ${config.model.dModel}, ${config.model.layers} block${config.model.layers === 1 ? '' : 's'}, context ${config.model.contextLength};
batch ${t.batchSize}, ${t.steps} steps, ${manifest.vocabSize} tokens in the vocabulary,
${manifest.trainTokens} training and ${manifest.validationTokens} validation tokens.
${fromStep > 0 ? `Continues from the checkpoint at step ${fromStep}.` : "A new run, from the workbench's initial weights for its seed."}

Needs Python 3.10+ and PyTorch 1.13+ (and numpy, which PyTorch brings), nothing else.

## Train
    python3 train.py                                  # one process: CUDA, else MPS, else CPU
    torchrun --standalone --nproc_per_node 8 train.py # 8 GPUs on one machine
    torchrun --nnodes 2 --nproc_per_node 8 --rdzv_backend c10d --rdzv_endpoint HOST:29500 train.py
    sbatch slurm.sbatch                               # SLURM; edit the resource lines first

Where torchrun works, plain torchrun is the command. Where it stops before starting a rank
(torch 1.13 on Python 3.11 or later, e.g. Debian 12's python3-torch:
\`'NoneType' object has no attribute 'get'\`), \`python3 launch.py\` takes the same arguments and
runs torch's own launcher (torch.distributed.run) with that one bug fixed:

    python3 launch.py --standalone --nproc_per_node 8 train.py

The options are spelled with underscores, which torch 1.13 and 2.x both accept. The ranks can
also be started by hand with MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE and LOCAL_RANK set. The
global batch (${t.batchSize}) is split across the ranks and must divide evenly${config.model.ffn === 'mot' ? `, each share a multiple of the MoT group size (${config.model.mot.groupSize})` : ''}.
Rank 0 writes \`run/\`: metrics.jsonl, snapshots/, checkpoints/ (every ${t.checkpointEvery} steps) and log.txt.
Stop with Ctrl-C (or SIGTERM): a final checkpoint is written; run again to continue from it.
\`train.precision\` in run/config.json: fp32 (default), tf32, or bf16 (autocast on CUDA).

## Watch it in the workbench
    mot attach run/        # also while it trains, e.g. with the folder synced from the cluster

## Files
- train.py, model.py, sampler.py, checkpoint.py, run_folder.py, snapshot.py, link.py: the engine
- launch.py: torchrun for the torch builds whose torchrun fails on Python 3.11+
- run/config.json: the run's config; run/prepared/: token streams (int32), tokenizer.json
  (Hugging Face format), initial weights
`;
}

export function slurmScript(name: string): string {
  const job = name.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40) || 'mot';
  return `#!/bin/bash
#SBATCH --job-name=${job}
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=8
#SBATCH --cpus-per-task=32
#SBATCH --time=24:00:00
#SBATCH --output=%x-%j.out
# One launcher per node; it starts one rank per GPU. Rendezvous on the first node of the job.
# The launcher is torchrun; set LAUNCHER="python3 launch.py" where torchrun fails on Python 3.11+
# (torch 1.13): the same launcher with that bug fixed (see README.md).
set -euo pipefail
cd "$(dirname "$0")"
head_node=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
srun \${LAUNCHER:-torchrun} \\
  --nnodes "$SLURM_JOB_NUM_NODES" \\
  --nproc_per_node "\${SLURM_GPUS_ON_NODE:-8}" \\
  --rdzv_backend c10d --rdzv_endpoint "$head_node:29500" --rdzv_id "$SLURM_JOB_ID" \\
  train.py --run run
`;
}
