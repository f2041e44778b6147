import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/core/api/csp';
import { allowedExternalUrl } from '../../src/main/external-links';

describe('allowedExternalUrl', () => {
  it.each([
    ['https://arxiv.org/abs/2310.15961', 'https://arxiv.org/abs/2310.15961'],
    ['https://ArXiv.org/pdf/2310.15961', 'https://arxiv.org/pdf/2310.15961'],
    ['https://export.arxiv.org/abs/1', 'https://export.arxiv.org/abs/1'],
    ['https://github.com/org/repo', 'https://github.com/org/repo'],
  ])('opens %s', (input, expected) => {
    expect(allowedExternalUrl(input)).toBe(expected);
  });

  it.each([
    'http://arxiv.org/abs/1', // not https
    'https://evilarxiv.org/', // suffix without a dot
    'https://arxiv.org.evil.com/',
    'https://user:pass@github.com/',
    'https://github.com:8443/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'not a url',
    '',
  ])('refuses %s', (input) => {
    expect(allowedExternalUrl(input)).toBeUndefined();
  });
});

describe('contentSecurityPolicy', () => {
  const directives = (policy: string) =>
    new Map(policy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));

  it('allows only the app itself in production', () => {
    const policy = directives(contentSecurityPolicy({ dev: false, delivery: 'header' }));
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect([...policy.values()].flat()).not.toContain("'unsafe-eval'");
  });

  it('loosens only inline styles for the dev server', () => {
    const policy = directives(contentSecurityPolicy({ dev: true, delivery: 'header' }));
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
  });

  it('leaves out frame-ancestors, which a <meta> tag cannot carry', () => {
    expect(contentSecurityPolicy({ dev: false, delivery: 'meta' })).not.toContain(
      'frame-ancestors',
    );
  });
});
