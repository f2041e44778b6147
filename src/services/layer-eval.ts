/**
 * Evaluates one FFN layer on given inputs and weights (CASE.json -> RESULT.json), so the math can
 * be checked against other implementations (e.g. the authors' PyTorch code).
 *   mot:   {"kind":"mot","x":[B][T][d],"groupSize":g,"temperature":tau,"discrete"?:bool,
 *           "params":{"C":[d][E],"W1":[E][d][f],"W2":[E][f][d]}} -> {"y","weights":[T][B/g][g][E]}
 *   dense: {"kind":"dense","x":...,"params":{"W1":[d][h],"W2":[h][d]}} -> {"y"}
 *   moe:   {"kind":"moe","router":"token-choice"|"expert-choice","topK":k,"capacityFactor":c,
 *           "x":...,"params":{"router":[d][E],"W1":[E][d][f],"W2":[E][f][d]}}
 *           -> {"y","taken":[B][T][E]}   (expert choice ignores topK: at each position each
 *           expert takes floor(c * B / E) of the B tokens there; its output then goes through
 *           the layer's LayerNorm at its initial gain 1 and bias 0)
 */
import * as tf from '@tensorflow/tfjs';
import * as v from 'valibot';
import { DenseFfn } from '../core/model/dense-ffn';
import type { FfnLayer } from '../core/model/ffn';
import { MoeFfn } from '../core/model/moe';
import { MotFfn } from '../core/model/mot';
import { withTensorScope } from '../core/model/ops';
import { Params } from '../core/model/params';
import { Rng } from '../core/rng';

const Nested = v.array(v.unknown());
const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

const CaseSchema = v.variant('kind', [
  v.object({
    kind: v.literal('mot'),
    x: Nested,
    groupSize: positiveInt,
    temperature: v.optional(v.pipe(v.number(), v.gtValue(0)), 1),
    discrete: v.optional(v.boolean(), false),
    params: v.object({ C: Nested, W1: Nested, W2: Nested }),
  }),
  v.object({ kind: v.literal('dense'), x: Nested, params: v.object({ W1: Nested, W2: Nested }) }),
  v.object({
    kind: v.literal('moe'),
    router: v.picklist(['token-choice', 'expert-choice']),
    topK: v.optional(positiveInt, 1),
    capacityFactor: v.optional(v.pipe(v.number(), v.gtValue(0)), 1.25),
    x: Nested,
    params: v.object({ router: Nested, W1: Nested, W2: Nested }),
  }),
]);

export type LayerCase = v.InferOutput<typeof CaseSchema>;
export interface LayerResult {
  y: number[][][];
  weights?: number[][][][];
  taken?: number[][][];
}

/** Checks the case and runs it; every problem is an Error whose message names the field. */
export function evaluateLayerCase(input: unknown): LayerResult {
  const parsed = v.safeParse(CaseSchema, input);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new Error(`${v.getDotPath(issue) ?? 'case'}: ${issue.message}`);
  }
  const c = parsed.output;
  const [B, T, d] = shapeOf(c.x, 'x', 3);
  const params = new Params(new Rng(0));
  try {
    return withTensorScope(() => {
      const x = tf.tensor3d(c.x as number[][][], [B, T, d]);
      if (c.kind === 'dense') {
        const [, h] = expectShape(c.params.W1, 'params.W1', [d, null]);
        expectShape(c.params.W2, 'params.W2', [h, d]);
        const layer = new DenseFfn(params, 'dense', d, h, 1);
        assign(layer.w1, c.params.W1);
        assign(layer.w2, c.params.W2);
        return { y: run(layer, x).y };
      }
      if (c.kind === 'mot') {
        if (B % c.groupSize !== 0)
          throw new Error(`x has batch ${B}, which is not a multiple of groupSize ${c.groupSize}`);
        const [, E] = expectShape(c.params.C, 'params.C', [d, null]);
        const [, , f] = expectShape(c.params.W1, 'params.W1', [E, d, null]);
        expectShape(c.params.W2, 'params.W2', [E, f, d]);
        const layer = new MotFfn(params, 'mot', d, f, {
          groupSize: c.groupSize,
          experts: E,
          temperature: c.temperature,
          initScale: 1,
        });
        assign(layer.controller, c.params.C);
        assignExperts(layer.w1, layer.w2, c.params.W1, c.params.W2);
        const out = layer.apply(x, { capture: true, discrete: c.discrete });
        // [K, T, g, E] -> [T, K, g, E], the order the case format documents.
        return {
          y: out.y.arraySync(),
          weights: out.mixWeights!.transpose([1, 0, 2, 3]).arraySync() as number[][][][],
        };
      }
      const [, E] = expectShape(c.params.router, 'params.router', [d, null]);
      if (c.router === 'token-choice' && c.topK > E)
        throw new Error(`topK ${c.topK} exceeds the ${E} experts`);
      const [, , f] = expectShape(c.params.W1, 'params.W1', [E, d, null]);
      expectShape(c.params.W2, 'params.W2', [E, f, d]);
      const layer = new MoeFfn(params, 'moe', d, f, {
        router: c.router,
        experts: E,
        topK: c.topK,
        capacityFactor: c.capacityFactor,
        loadBalanceWeight: 0,
        routerZLossWeight: 0,
        initScale: 1,
      });
      assign(layer.router, c.params.router);
      assignExperts(layer.w1, layer.w2, c.params.W1, c.params.W2);
      const out = layer.apply(x, { capture: true });
      return { y: out.y.arraySync(), taken: out.taken };
    });
  } finally {
    params.dispose();
  }
}

function run(layer: FfnLayer, x: tf.Tensor3D): { y: number[][][] } {
  return { y: layer.apply(x).y.arraySync() };
}

function assign(variable: tf.Variable, values: unknown[]): void {
  variable.assign(tf.tensor(values as number[][], variable.shape));
}

function assignExperts(w1: tf.Variable[], w2: tf.Variable[], W1: unknown[], W2: unknown[]): void {
  w1.forEach((w, e) => assign(w, W1[e] as unknown[]));
  w2.forEach((w, e) => assign(w, W2[e] as unknown[]));
}

/** The shape of a rectangular nested array of finite numbers with `rank` levels. */
function shapeOf(value: unknown, name: string, rank: number): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  for (let r = 0; r < rank; r++) {
    if (!Array.isArray(level) || level.length === 0)
      throw new Error(`${name} must be a non-empty array of rank ${rank}`);
    shape.push(level.length);
    level = level[0];
  }
  const check = (node: unknown, depth: number, path: string): void => {
    if (depth === rank) {
      if (typeof node !== 'number' || !Number.isFinite(node))
        throw new Error(`${name}${path} must be a finite number`);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new Error(
        `${name}${path} must have length ${shape[depth]} (the array is not rectangular, shape [${shape}])`,
      );
    }
    node.forEach((child, i) => check(child, depth + 1, `${path}[${i}]`));
  };
  check(value, 0, '');
  return shape;
}

/** Checks a nested array against an expected shape (null = any size); returns the actual shape. */
function expectShape(value: unknown[], name: string, expected: (number | null)[]): number[] {
  const shape = shapeOf(value, name, expected.length);
  expected.forEach((size, i) => {
    if (size !== null && shape[i] !== size) {
      throw new Error(
        `${name} has shape [${shape}], expected [${expected.map((s) => s ?? '*')}] (dimension ${i} must be ${size})`,
      );
    }
  });
  return shape;
}
