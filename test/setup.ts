// Quiets tfjs's console advice (install tfjs-node) in test output; it changes no computation.
// PROD, not IS_TEST: IS_TEST also turns on tfjs's own per-kernel leak check, which fails custom
// gradients that keep intermediate tensors on purpose (test/core/ops.test.ts and others).
import * as tf from '@tensorflow/tfjs';

tf.env().set('PROD', true);
