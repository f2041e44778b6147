/**
 * What chooseTokens reports beside the choice itself: each expert's count of the tokens whose most
 * likely expert it is (a diagnostic with expert choice), and ties to the lower row whatever order
 * an earlier position left the rows in.
 */
import { describe, expect, it } from 'vitest';
import { chooseTokens } from '../../src/core/model/expert-choice';

describe('chooseTokens', () => {
  it('choiceCount counts each token once, for its most likely expert (ties to the lower e)', () => {
    // B 2, T 3, E 3: rows (b*T + t) of p(e | token).
    const probs = Float32Array.from(
      [
        [0.1, 0.2, 0.7], // expert 2
        [0.1, 0.1, 0.8], // expert 2
        [0.2, 0.5, 0.3], // expert 1
        [0.6, 0.3, 0.1], // expert 0
        [0.4, 0.4, 0.2], // a tie: expert 0
        [0.3, 0.3, 0.4], // expert 2
      ].flat(),
    );
    expect(chooseTokens(probs, 2, 3, 3, 1).choiceCount).toEqual([2, 1, 3]);
  });

  it('breaks ties toward the lower row after a position that ranked the rows in reverse', () => {
    // B 3, T 2, E 1, capacity 1: at t = 0 row 2 wins; at t = 1 all tie, so row 0 wins.
    const probs = Float32Array.from([0.1, 0.5, 0.2, 0.5, 0.3, 0.5]);
    const plan = chooseTokens(probs, 3, 2, 1, 2);
    expect(plan.tokensOf).toEqual([[2 * 2 + 0, 1 * 2 + 0, 0 * 2 + 1, 1 * 2 + 1]]);
  });
});
