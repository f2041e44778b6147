// Quiets tfjs's console advice (install tfjs-node) in test output; it changes no computation.
import * as tf from '@tensorflow/tfjs';

tf.env().set('IS_TEST', true);
